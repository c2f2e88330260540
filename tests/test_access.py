"""Route policies: every route declares one, roles see only what they may use."""

import pytest

from portal.access import AUTHENTICATED
from portal.access import PUBLIC
from tests.conftest import login
from tests.routes import app_rules
from tests.routes import build_path
from tests.routes import sample_ids

ROLE_USERS = {"admin": "a_admin", "staff": "a_staff", "association": "assoc"}


def test_every_route_declares_a_policy(app):
    missing = [rule.rule for rule, _, view in app_rules(app)
               if getattr(view, "access_policy", None) is None]
    assert missing == []


def test_admins_can_never_file(app):
    """No state-changing route open to staff is open to admins (FAQ: 管理者は申請できない).

    Read-only pages (lists, status) may be shared: admins see their organisation's work.
    """
    for rule, method, view in app_rules(app):
        if method != "GET" and "staff" in view.access_policy:
            assert "admin" not in view.access_policy, f"{method} {rule.rule}"
            assert AUTHENTICATED not in view.access_policy, f"{method} {rule.rule}"


def test_area_prefixes_match_their_roles(app):
    for rule, _, view in app_rules(app):
        if rule.rule.startswith("/admin/"):
            assert view.access_policy == {"admin"}, rule.rule
        if rule.rule.startswith("/association/"):
            assert view.access_policy == {"association"}, rule.rule


@pytest.mark.parametrize("role", ["admin", "staff", "association", None])
def test_roles_are_refused_outside_their_policy(app, client, tenants, role):
    """Every (route, method) that a role may not use answers 403 (or login for anonymous)."""
    if role:
        login(client, tenants[ROLE_USERS[role]])
    ids = sample_ids(tenants)
    checked = 0
    for rule, method, view in app_rules(app):
        allowed = view.access_policy
        if PUBLIC in allowed or (role and (AUTHENTICATED in allowed or role in allowed)):
            continue
        path = build_path(rule, ids)
        resp = client.open(path, method=method)
        if role is None:
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
        else:
            assert resp.status_code == 403, f"{role} {method} {path} -> {resp.status_code}"
        checked += 1
    assert checked > 0


def test_admin_menu_has_no_filing_and_staff_menu_has_no_admin(client, tenants):
    login(client, tenants["a_admin"])
    body = client.get("/dashboard").get_data(as_text=True)
    assert "申請データ作成" not in body and "ユーザー管理" in body
    client.post("/logout")
    login(client, tenants["a_staff"])
    body = client.get("/dashboard").get_data(as_text=True)
    assert "申請データ作成" in body and "ユーザー管理" not in body



def test_a_requesters_menu_speaks_of_requests(client, tenants):
    login(client, tenants["r_staff"])
    page = client.get("/dashboard").get_data(as_text=True)
    menu = page.split('<nav class="main-nav"', 1)[1].split("</nav>")[0]
    assert ">依頼データ作成<" in menu and "申請データ作成" not in menu


@pytest.mark.parametrize("role, user", [("admin", "r_admin"), ("staff", "r_staff")])
def test_requesters_are_refused_every_agent_only_route(app, client, tenants, role, user):
    """A requester's users hold the same roles as an agent's, but no route marked
    agent-only (sending, 受付番号リスト, OSS accounts, requesters …) opens for them."""
    login(client, tenants[user])
    ids = sample_ids(tenants)
    checked = 0
    for rule, method, view in app_rules(app):
        if not getattr(view, "agent_only", False) or role not in view.access_policy:
            continue
        path = build_path(rule, ids)
        resp = client.open(path, method=method)
        assert resp.status_code == 403, f"{user} {method} {path} -> {resp.status_code}"
        checked += 1
    assert checked > 0


def test_requester_admin_cannot_use_agent_only_pages(client, tenants):
    login(client, tenants["r_admin"])
    assert client.get("/admin/oss-accounts").status_code == 403
    assert client.get("/admin/requesters").status_code == 403
    assert client.get("/admin/users").status_code == 200


def test_denials_are_audited(client, tenants):
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import AuditEvent

    login(client, tenants["a_admin"])
    client.get("/procedures")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "access_denied"))
    assert event.org_id == tenants["a"].id and event.target == "/procedures"
