"""Tenant isolation: no route reaches another organisation's rows.

Every route with an id parameter is replayed, for every verb it accepts, by
each non-association principal of one organisation with the ids of another
organisation's rows. None may answer 2xx with the foreign data, and the
foreign rows must be unchanged afterwards.
"""

import pytest
import sqlalchemy as sa

from portal import tenancy
from portal.extensions import db
from portal.models import AuditEvent
from portal.models import Organization
from portal.models import Role
from portal.models import User
from tests.conftest import login
from tests.routes import NON_ID_PARAMS
from tests.routes import PARAM_MODELS
from tests.routes import app_rules
from tests.routes import build_path
from tests.routes import rows_of
from tests.routes import snapshot


def test_every_model_is_tenant_scoped_or_declared_global(app):
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        assert hasattr(cls, "tenant_criteria") or getattr(cls, "__tenant_global__", False), cls


@pytest.mark.parametrize("principal", ["a_admin", "a_staff", "r_admin", "r_staff"])
def test_replay_every_route_with_foreign_ids(app, client, tenants, principal):
    foreign_org = tenants["b"]
    ids = rows_of(foreign_org, tenants["b_admin"])
    assert set(PARAM_MODELS) >= set(ids)
    before = snapshot(foreign_org.id)
    login(client, tenants[principal])
    replayed = 0
    for rule, method, _view in app_rules(app):
        if not set(rule.arguments) - set(NON_ID_PARAMS):
            continue
        path = build_path(rule, ids)
        data = {"active": "0", "name": "乗っ取り", "display_name": "x", "role": "admin",
                "branch_id": "0", "decision": "approve", "comment": "x"}
        resp = client.open(path, method=method, data=data if method == "POST" else None)
        body = resp.get_data(as_text=True)
        assert resp.status_code in (403, 404), f"{principal} {method} {path} -> {resp.status_code}"
        assert foreign_org.name not in body
        replayed += 1
    assert replayed >= 8
    db.session.expire_all()
    assert snapshot(foreign_org.id) == before


def test_unknown_route_parameters_are_mapped(app):
    for rule, _, _ in app_rules(app):
        for name in rule.arguments:
            assert name in PARAM_MODELS or name in NON_ID_PARAMS, \
                f"{rule.rule}: add {name!r} to tests/routes.py"


def test_scoped_queries_hide_other_organisations(app, tenants):
    scope = tenancy.Scope(org_id=tenants["a"].id, linked_org_ids=frozenset({tenants["r"].id}))
    with app.test_request_context():
        tenancy.set_scope(scope)
        users = db.session.scalars(sa.select(User)).all()
        assert {u.org_id for u in users} == {tenants["a"].id}
        orgs = {o.id for o in db.session.scalars(sa.select(Organization))}
        assert orgs == {tenants["a"].id, tenants["r"].id}
        # a join cannot leak either
        joined = db.session.execute(
            sa.select(User.login_id).join(User.organization).where(User.role == Role.ADMIN)
        ).scalars().all()
        assert joined == [tenants["a_admin"].login_id]


def test_a_request_without_a_login_sees_no_office_at_all(app, tenants):
    """ASVS 4.1.5, fail closed: a request nobody is logged in to gets no tenant row, joins
    included; only the login machinery and deliberate cross-office counts
    (``skip_tenant_scope``) see them."""
    with app.test_request_context():
        tenancy.set_scope(None)
        assert db.session.scalars(sa.select(User)).all() == []
        assert db.session.scalars(sa.select(Organization)).all() == []
        assert db.session.execute(sa.select(User.login_id).join(User.organization)).all() == []
        every = db.session.scalars(sa.select(Organization)
                                   .execution_options(skip_tenant_scope=True)).all()
        assert len(every) == 4
        with tenancy.login_lookups():
            assert len(db.session.scalars(sa.select(User)).all()) == 7
        assert db.session.scalars(sa.select(User)).all() == []  # the lookups ended
    with app.app_context():  # a job or a command: unscoped, as before
        assert len(db.session.scalars(sa.select(User)).all()) == 7


def test_a_route_without_a_policy_is_refused(app, client, tenants):
    """access.enforce denies an endpoint nobody gave a policy (fail closed)."""
    app.add_url_rule("/no-policy-here", "no_policy_here", lambda: "leaked")
    login(client, tenants["a_admin"])
    resp = client.get("/no-policy-here")
    assert resp.status_code == 403 and "leaked" not in resp.get_data(as_text=True)
    db.session.expire_all()
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "access_denied")).one()
    assert event.detail["reason"] == "no access policy" and event.target == "/no-policy-here"


def test_requester_sees_only_itself_and_its_agents(app, tenants):
    requester_user = tenants["r_staff"]
    with app.test_request_context():
        tenancy.set_scope(tenancy.scope_for(requester_user))
        names = {o.name for o in db.session.scalars(sa.select(Organization))}
    assert names == {tenants["r"].name, tenants["a"].name}


def test_association_sees_every_organisation(app, tenants):
    with app.test_request_context():
        tenancy.set_scope(tenancy.scope_for(tenants["assoc"]))
        count = db.session.scalar(sa.select(sa.func.count(Organization.id)))
    assert count == 4


def test_suspended_link_stops_visibility(app, tenants):
    from portal.models import AgentRequesterLink

    link = db.session.scalar(sa.select(AgentRequesterLink))
    link.active = False
    db.session.commit()
    assert tenancy.scope_for(tenants["a_admin"]).linked_org_ids == frozenset()
    assert tenancy.scope_for(tenants["r_staff"]).visible_org_ids == {tenants["r"].id}


@pytest.mark.parametrize("principal", ["a_admin", "a_staff", "r_admin", "r_staff"])
def test_replay_every_post_with_foreign_ids_in_its_body(app, client, tenants, principal):
    """S1 for ids that travel in a form body (the applications of a send, a list or a
    schedule, a branch, an agent, a hand-over office …): every POST route, on its user's own
    rows, with another organisation's ids in every id field. Whatever the route answers,
    the other organisation's rows stay as they were and its name never shows."""
    foreign_org = tenants["b"]
    foreign = rows_of(foreign_org, tenants["b_admin"])
    own_org = tenants[principal[0]]
    own = rows_of(own_org, tenants[f"{principal[0]}_admin"])
    before = snapshot(foreign_org.id)
    login(client, tenants[principal])
    body = {"application_id": [str(foreign["app_id"])], "app_id": str(foreign["app_id"]),
            "branch_id": str(foreign["branch_id"]), "agent_org_id": str(foreign_org.id),
            "requester_org_id": str(foreign_org.id), "org_id": str(foreign_org.id),
            "user_id": str(foreign["user_id"]), "cert_id": str(foreign["cert_id"]),
            "certificate_id": str(foreign["cert_id"]), "list_id": str(foreign["list_id"]),
            "batch_id": str(foreign["batch_id"]), "account_id": str(foreign["account_id"]),
            "oss_account_id": str(foreign["account_id"]), "scope": "search", "shown": "1",
            "top": str(foreign["app_id"]), "kind": "submit", "active": "1",
            "login_password": "Test-pass-123"}
    reached = 0
    for rule, method, view in app_rules(app):
        if method != "POST" or rule.rule in ("/logout", "/login", "/password"):
            continue
        resp = client.post(build_path(rule, own), data=body)
        assert resp.status_code < 500, f"{principal} POST {rule.rule} -> {resp.status_code}"
        assert foreign_org.name not in resp.get_data(as_text=True), rule.rule
        reached += resp.status_code != 403  # past the route's policy: the view ran
    assert reached >= 5
    db.session.expire_all()
    assert snapshot(foreign_org.id) == before
