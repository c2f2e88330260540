"""S11: logins, denials and admin actions are audited with who, org, request id
and time — and no secret ever reaches the audit log or the application logs."""

import logging

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent
from tests.conftest import PASSWORD
from tests.conftest import login
from tests.conftest import make_app


def test_audit_events_carry_context(client, tenants):
    login(client, tenants["a_admin"])
    client.get("/association/organizations")  # denied
    for event in db.session.scalars(sa.select(AuditEvent)):
        assert event.user_id == tenants["a_admin"].id
        assert event.org_id == tenants["a"].id
        assert len(event.request_id) == 32 and event.created_at is not None
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["login", "access_denied"]


def test_response_carries_the_request_id_of_its_audit_event(client, tenants):
    resp = client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                       "password": "bad"})
    event = db.session.scalar(sa.select(AuditEvent))
    assert resp.headers["X-Request-ID"] == event.request_id


def test_a_client_cannot_choose_the_request_id_of_its_events(app, client, tenants):
    """Straight to the app, X-Request-ID is ignored; behind a proxy (PROXY_FIX_HOPS) the
    proxy's id is kept when it looks like one."""
    def failed_login(request_id: str) -> str:
        client.post("/login", data={"login_id": tenants["a_staff"].login_id, "password": "x"},
                    headers={"X-Request-ID": request_id})
        return db.session.scalars(sa.select(AuditEvent.request_id)
                                  .order_by(AuditEvent.id.desc())).first()

    assert failed_login("someone-elses-request") != "someone-elses-request"
    app.config["PROXY_FIX_HOPS"] = 1
    assert failed_login("0123456789abcdef0123456789abcdef") == "0123456789abcdef0123456789abcdef"
    forged = failed_login("<script>x</script>")
    assert len(forged) == 32 and "<" not in forged


def test_no_secret_reaches_logs_or_audit(client, tenants, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = [PASSWORD, "Oss-account-secret-77", "Wrong-guess-55"]
    client.post("/login", data={"login_id": tenants["a_admin"].login_id,
                                "password": "Wrong-guess-55"})
    login(client, tenants["a_admin"])
    client.post("/admin/oss-accounts/new", data={"login_password": PASSWORD,
        "backend": "mlit", "bulk_user_id": "LOG001", "payment_mode": "matome",
        "branch_id": "0", "secret": "Oss-account-secret-77"})
    reset = client.post(f"/admin/users/{tenants['a_staff'].id}/reset-password",
                        data={"login_password": PASSWORD})
    assert reset.status_code == 200
    logged = "\n".join(r.getMessage() for r in caplog.records)
    audited = "\n".join(str((e.detail, e.target)) for e in db.session.scalars(sa.select(AuditEvent)))
    for secret in secrets:
        assert secret not in logged
        assert secret not in audited
    assert {"oss_account_saved", "oss_secret_changed", "password_reset"} <= {
        e.action for e in db.session.scalars(sa.select(AuditEvent))}


def test_audit_record_drops_secret_looking_keys(app):
    from portal import audit

    event = audit.record("user_updated", target="x", password="p", api_token="t", note="ok")
    assert event.detail == {"note": "ok"}


def _denials(action: str = "access_denied") -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_asking_for_another_offices_row_is_audited_and_still_404(client, tenants):
    """S11: a foreign id (tenant probing) is recorded with who asked; the answer is the same
    404 as for an id that does not exist, which is not recorded."""
    login(client, tenants["a_admin"])
    foreign = tenants["b"].branches[0].id
    assert client.get(f"/admin/branches/{foreign}").status_code == 404
    assert client.get("/admin/branches/999999").status_code == 404
    [event] = _denials()
    assert event.outcome == "denied" and event.user_id == tenants["a_admin"].id
    assert event.org_id == tenants["a"].id and event.target == f"/admin/branches/{foreign}"
    assert event.detail["reason"] == f"another organisation's branch {foreign}"
    assert event.request_id


def test_an_own_row_hidden_by_a_rule_is_not_taken_for_a_probe(client, tenants):
    """A deleted application of the office itself is a 404 too, but not another office's:
    nothing is audited (a double-clicked delete is no attack)."""
    from portal.models import Application
    from portal.models import Backend
    from portal.models.base import utcnow

    gone = Application(org_id=tenants["a"].id, agent_org_id=tenants["a"].id, procedure="iten",
                       backend=Backend.MLIT, payload={}, deleted_at=utcnow())
    db.session.add(gone)
    db.session.commit()
    login(client, tenants["a_staff"])
    assert client.get(f"/applications/{gone.id}").status_code == 404
    assert _denials() == []


def test_a_refused_csrf_token_is_audited_under_its_login_and_logged_without(
        app, sqlite_url, tenants, caplog):
    """A refusal by a logged-in user is audited under that user; one without a login goes to
    the application log only (anyone could send those by the thousand, and the CSRF check
    runs before the rate limiter)."""
    import re

    checked = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "WTF_CSRF_ENABLED": True})
    client = checked.test_client()
    with caplog.at_level("WARNING"):
        assert client.post("/login", data={"login_id": "x", "password": "y"}).status_code == 400
    assert _denials("csrf_refused") == []
    assert any("csrf refused: POST '/login'" in r.getMessage() for r in caplog.records)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    client.post("/login", data={"login_id": tenants["a_admin"].login_id, "password": PASSWORD,
                                "csrf_token": token})
    assert client.post("/admin/branches/new", data={"name": "x"}).status_code == 400
    [event] = _denials("csrf_refused")
    assert event.target == "/admin/branches/new" and event.outcome == "denied"
    assert event.user_id == tenants["a_admin"].id and "CSRF" in event.detail["reason"]


def test_a_rate_limited_request_is_logged_with_its_request_id(app, sqlite_url, tenants,
                                                              caplog):
    limited = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "RATELIMIT_ENABLED": True,
                        "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_RATE_LIMIT": "2 per minute"})
    client = limited.test_client()
    with caplog.at_level("WARNING"):
        statuses = [client.post("/login", data={"login_id": "x", "password": "y"}).status_code
                    for _ in range(3)]
    assert statuses[-1] == 429
    [line] = [r.getMessage() for r in caplog.records if "rate limited" in r.getMessage()]
    assert "POST '/login'" in line and "request_id=" in line and "ip=" in line
