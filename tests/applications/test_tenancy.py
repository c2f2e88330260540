"""Who sees which application: owner, the agent it is handed to, the requester — nobody else."""

import pytest
import sqlalchemy as sa

from forms import specs
from portal import tenancy
from portal.applications import services
from portal.extensions import db
from portal.models import AgentRequesterLink
from portal.models import Application
from portal.models import ApplicationEvent
from portal.models import ApplicationState
from portal.models import ImportBatch
from tests.applications.helpers import fresh
from tests.conftest import login

ITEN = specs.get("iten")


@pytest.fixture
def world(tenants):
    """A1 (agent a's own), B1 (agent b's own), R1 (r's draft), R2 (r's request to a)."""
    apps = {
        "A1": services.new_application(tenants["a_staff"], ITEN),
        "B1": services.new_application(tenants["b_staff"], ITEN),
        "R1": services.new_application(tenants["r_staff"], ITEN),
        "R2": services.new_application(tenants["r_staff"], ITEN),
    }
    apps["R2"].agent_org_id = tenants["a"].id
    apps["R2"].state = ApplicationState.REQUESTED
    db.session.commit()
    return {name: a.id for name, a in apps.items()}


def visible_to(app, user, model=Application) -> set[int]:
    with app.test_request_context():
        tenancy.set_scope(tenancy.scope_for(user))
        column = model.id if model is Application else model.application_id
        ids = set(db.session.scalars(sa.select(column)))
        db.session.rollback()
    return ids


EXPECTED = {
    "a_staff": {"A1", "R2"}, "a_admin": {"A1", "R2"},
    "b_staff": {"B1"}, "r_staff": {"R1", "R2"}, "r_admin": {"R1", "R2"},
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_visibility(db_app, tenants, world, who):
    expected = {world[n] for n in EXPECTED[who]}
    assert visible_to(db_app, tenants[who]) == expected
    assert visible_to(db_app, tenants[who], ApplicationEvent) == expected


def test_unlinking_hides_the_requests(app, tenants, world):
    db.session.execute(sa.update(AgentRequesterLink).values(active=False))
    db.session.commit()
    assert visible_to(app, tenants["a_staff"]) == {world["A1"]}


@pytest.mark.parametrize("who,name,status", [
    ("a_staff", "B1", 404), ("a_staff", "R1", 404), ("b_staff", "R2", 404),
    ("b_staff", "A1", 404), ("r_staff", "A1", 404), ("r_staff", "B1", 404),
    ("a_staff", "R2", 200), ("r_staff", "R2", 200), ("a_admin", "R2", 200),
    ("a_admin", "B1", 404), ("r_admin", "A1", 404), ("r_admin", "R1", 200),
])
def test_pages_answer_404_across_tenants(client, tenants, world, who, name, status):
    login(client, tenants[who])
    app_id = world[name]
    page = f"/admin/applications/{app_id}" if who.endswith("admin") else f"/applications/{app_id}"
    assert client.get(page).status_code == status
    if status == 404:
        assert client.post(f"/applications/{app_id}/edit", data={}).status_code in (403, 404)
        assert client.post(f"/applications/{app_id}/reuse").status_code in (403, 404)
        assert client.post("/applications/check?procedure=iten&field=owner__name",
                           data={"application_id": app_id}).status_code in (403, 404)


def test_lists_never_show_foreign_rows(client, tenants, world):
    login(client, tenants["r_staff"])
    html = client.get("/applications").get_data(as_text=True)
    assert f'id="application-{world["R2"]}"' in html
    assert f'id="application-{world["A1"]}"' not in html
    fresh()


def test_import_batches_are_per_organisation(client, tenants):
    batch = ImportBatch(org_id=tenants["b"].id, user_id=tenants["b_staff"].id, procedure="iten")
    db.session.add(batch)
    db.session.commit()
    login(client, tenants["a_staff"])
    assert client.get(f"/applications/imports/{batch.id}").status_code == 404
    assert client.post(f"/applications/imports/{batch.id}/valid-rows").status_code == 404
