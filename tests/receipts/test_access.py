"""受付番号リスト across tenants, roles and CSRF."""

import re

import pytest

from portal.extensions import db
from portal.receipts import services as svc
from tests.conftest import PASSWORD
from tests.conftest import login
from tests.conftest import make_app
from tests.receipts.helpers import body
from tests.receipts.helpers import lists


@pytest.fixture
def a_list(tenants, flow):
    office = flow.office(tenants["a"])
    staff = tenants["a_staff"]
    apps = [flow.until(flow.file(office, staff), "受付審査中") for _ in range(2)]
    (rl,) = svc.create_lists(staff, [apps[0].id], "甲のリスト")
    db.session.commit()
    return rl, apps


def test_another_office_sees_nothing_of_the_list_or_its_applications(any_app, tenants, flow,
                                                                      a_list):
    rl, apps = a_list
    client = any_app.test_client()
    login(client, tenants["b_staff"])
    for path in ("", "/status", "/export.xlsx", "/sheet"):
        assert client.get(f"/receipts/{rl.id}{path}").status_code == 404, path
    for path in ("/send", "/recheck", "/delete", "/remove"):
        resp = client.post(f"/receipts/{rl.id}{path}", data={"application_id": apps[0].id})
        assert resp.status_code == 404, path
    assert "甲のリスト" not in body(client.get("/receipts/"))
    assert f'id="candidate-{apps[1].id}"' not in body(client.get("/receipts/new"))
    resp = client.post("/receipts/new", data={"application_id": [apps[1].id]})
    assert resp.status_code == 422 and len(lists()) == 1
    found = body(client.get("/receipts/", query_string={"receipt_number": apps[0].receipt_number}))
    assert "該当する受付番号リストはありません" in found


@pytest.mark.parametrize("who", ["a_admin", "r_staff", "r_admin", "assoc"])
def test_only_agent_staff_use_lists(app, client, tenants, who):
    login(client, tenants[who])
    assert client.get("/receipts/").status_code == 403
    assert client.post("/receipts/new", data={"application_id": [1]}).status_code == 403


def test_menu_shows_lists_to_agent_staff_only(app, client, tenants):
    login(client, tenants["a_staff"])
    assert 'href="/receipts/"' in body(client.get("/dashboard"))
    client.post("/logout")
    login(client, tenants["r_staff"])
    assert 'href="/receipts/"' not in body(client.get("/dashboard"))


def test_state_changes_need_the_csrf_token(app, sqlite_url, tenants, flow, a_list):
    rl, _ = a_list
    guarded = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "WTF_CSRF_ENABLED": True,
                        "OSS_MLIT_URL": flow.sim.url + "/mlit"})
    client = guarded.test_client()
    with guarded.app_context():
        page = body(client.get("/login"))
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                    "password": PASSWORD, "csrf_token": token})
        page = body(client.get(f"/receipts/{rl.id}"))
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        assert client.post(f"/receipts/{rl.id}/send").status_code == 400
        assert client.post("/receipts/new", data={"application_id": [1]}).status_code == 400
        resp = client.post(f"/receipts/{rl.id}/send", headers={"X-CSRFToken": token})
        assert resp.status_code == 302
        db.session.remove()
