"""S1: generated cross-tenant traffic. The admins and staff of three
organisations (two agents, one requester) send random requests, with every
verb, to every id-taking route, with ids of the other organisations' rows; no
request may read or change another tenant's rows. (Association staff see all
organisations by design and are covered by the role tests.)

Hypothesis drives 10,000+ requests per run (``REQUESTS`` below)."""

import pytest
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import invariant
from hypothesis.stateful import rule

from portal.extensions import db
from portal.models import OrgKind
from portal.models import Role
from tests.conftest import login
from tests.routes import NON_ID_PARAMS
from tests.routes import app_rules
from tests.routes import build_path
from tests.routes import rows_of
from tests.routes import snapshot

REQUESTS = 10_000
STEPS = 100
EXAMPLES = REQUESTS // STEPS

FORM = {"active": "0", "name": "乗っ取り", "display_name": "x", "role": "admin", "branch_id": "0",
        "decision": "approve", "comment": "x", "agent_org_id": "1", "backend": "mlit",
        "bulk_user_id": "HIJACK1", "payment_mode": "matome", "secret": "stolen-1",
        "address": "", "kei_manager_name": ""}


@pytest.mark.slow
def test_generated_cross_tenant_requests(app, make_org, make_user):
    orgs = [make_org(OrgKind.GYOSEISHOSHI, "第一事務所"),
            make_org(OrgKind.GYOSEISHOSHI_CORP, "第二法人"),
            make_org(OrgKind.REQUESTER, "第三モータース", registration_number="")]
    principals, rows = [], {}
    for org in orgs:
        admin = make_user(org, Role.ADMIN)
        staff = make_user(org, Role.STAFF)
        principals += [(org.id, admin), (org.id, staff)]
        rows[org.id] = rows_of(org, admin)
    routes = [(r, m) for r, m, _ in app_rules(app) if set(r.arguments) - set(NON_ID_PARAMS)]
    clients = {}
    for org_id, user in principals:
        client = app.test_client()
        login(client, user)
        clients[user.id] = (org_id, client)
    counter = {"requests": 0}
    before = {o.id: snapshot(o.id) for o in orgs}

    class CrossTenant(RuleBasedStateMachine):
        @rule(who=st.sampled_from(sorted(clients)), offset=st.integers(1, len(orgs) - 1),
              route=st.sampled_from(routes))
        def request(self, who, offset, route):
            org_id, client = clients[who]
            own = [o.id for o in orgs].index(org_id)
            target_org = orgs[(own + offset) % len(orgs)].id
            rule_, method = route
            path = build_path(rule_, rows[target_org])
            resp = client.open(path, method=method, data=FORM if method == "POST" else None)
            counter["requests"] += 1
            assert resp.status_code in (403, 404), f"{method} {path} -> {resp.status_code}"
            body = resp.get_data(as_text=True)
            for other in orgs:
                if other.id != org_id:
                    assert other.name not in body

        @invariant()
        def foreign_rows_unchanged(self):
            if counter["requests"] and counter["requests"] % 500 == 0:
                db.session.rollback()
                for o in orgs:
                    assert snapshot(o.id) == before[o.id]

    CrossTenant.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck))
    CrossTenant.TestCase().runTest()
    db.session.rollback()
    for o in orgs:
        assert snapshot(o.id) == before[o.id]
    assert counter["requests"] >= REQUESTS
