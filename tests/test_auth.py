"""Login, lockout, sessions and the forced password change."""

from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent
from portal.models import Role
from portal.models import User
from portal.models import UserSession
from portal.models.base import utcnow
from tests.conftest import PASSWORD
from tests.conftest import login


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_wrong_password_is_refused_with_a_generic_message(client, tenants):
    resp = client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                       "password": "wrong-password"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "ログインIDまたはパスワードが正しくありません。" in body
    assert tenants["a_staff"].login_id in body  # what the user typed is kept
    assert len(_events("login_failed")) == 1


def test_unknown_login_id_gets_the_same_message(client):
    resp = client.post("/login", data={"login_id": "nobody", "password": "x"})
    assert "ログインIDまたはパスワードが正しくありません。" in resp.get_data(as_text=True)
    assert _events("login_failed")[0].detail["reason"] == "unknown id"


def test_an_unknown_login_id_is_never_recorded_as_typed(client, monkeypatch):
    """A password typed into the ID field must not reach the audit log: an unknown ID is
    kept as its length and a keyed digest, the same for the same text; and it costs a
    password check like a known ID, so timing does not tell which IDs exist."""
    from portal.auth import services

    checked = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash",
                        lambda h, pw: checked.append(pw) or real(h, pw))
    for typed in ("Secret-pass-9", "Secret-pass-9", "Other-pass-1"):
        client.post("/login", data={"login_id": typed, "password": "x"})
    recorded = [e.login_id for e in _events("login_failed")]
    assert all("pass" not in r for r in recorded)
    assert recorded[0] == recorded[1] != recorded[2] and recorded[0].startswith("?13:")
    assert checked == ["x", "x", "x"]


def test_a_next_address_that_leaves_the_site_is_refused(client, tenants):
    for target in ("/\\evil.example/x", "/\t/evil.example", "//evil.example", "/\\/evil"):
        client.post("/logout")
        resp = client.post("/login", query_string={"next": target},
                           data={"login_id": tenants["a_staff"].login_id, "password": PASSWORD})
        assert resp.headers["Location"] == "/dashboard", target
    client.post("/logout")
    resp = client.post("/login", query_string={"next": "/applications?q=a b"},
                       data={"login_id": tenants["a_staff"].login_id, "password": PASSWORD})
    assert resp.headers["Location"] == "/applications?q=a%20b"


def test_five_failures_lock_the_account_and_stop_password_checks(app, client, tenants):
    user = tenants["a_staff"]
    for _ in range(5):
        client.post("/login", data={"login_id": user.login_id, "password": "bad"})
    resp = client.post("/login", data={"login_id": user.login_id, "password": PASSWORD})
    assert resp.status_code == 200
    assert "ロックされています" in resp.get_data(as_text=True)
    assert len(_events("login_locked")) == 1
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until > utcnow()


def test_lock_expires(client, tenants):
    user = tenants["a_staff"]
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    login(client, user)


def test_login_creates_a_server_side_session_and_logout_removes_it(client, tenants):
    login(client, tenants["a_staff"])
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 1
    assert client.get("/dashboard").status_code == 200
    client.post("/logout")
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0
    assert client.get("/dashboard").status_code == 302


def test_stolen_cookie_is_useless_after_logout(app, client, tenants):
    login(client, tenants["a_staff"])
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    assert thief.get("/dashboard").status_code == 302


def test_a_planted_live_session_is_replaced_at_login(app, client, tenants):
    """Session fixation, or a shared PC: a browser still carrying another user's live
    session logs in (the login form was open from before). A mistyped password changes
    nothing; the login works — the user is looked up outside the old session's organisation —
    and the browser gets a session of its own; the old one ends, so one browser never holds
    two logins."""
    attacker = app.test_client()
    login(attacker, tenants["b_staff"])
    planted = attacker.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], planted)
    mistyped = client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                           "password": "Mistyped-1"})
    assert "ログインIDまたはパスワードが正しくありません。" in mistyped.get_data(as_text=True)
    assert attacker.get("/dashboard").status_code == 200  # nobody was logged out
    login(client, tenants["a_staff"])
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value != planted
    owners = list(db.session.scalars(sa.select(UserSession.user_id)))
    assert owners == [tenants["a_staff"].id]
    assert attacker.get("/dashboard").status_code == 302
    assert client.get("/session/token").json["user_id"] == tenants["a_staff"].id


def test_login_issues_a_new_session_cookie(app, client, tenants):
    client.get("/login")
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "attacker-chosen")
    login(client, tenants["a_staff"])
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value != "attacker-chosen"


def test_idle_session_expires(client, tenants):
    login(client, tenants["a_staff"])
    row = db.session.scalar(sa.select(UserSession))
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert client.get("/dashboard").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0


def test_polling_does_not_keep_an_idle_login_alive(client, tenants):
    """An open page polls by itself; that is not the user's activity. The poll is still
    answered while the login lives, but only a request the user made moves the idle clock."""
    from tests.applications.filed import filed

    app_id = filed(tenants["a_staff"], "iten").id
    login(client, tenants["a_staff"])
    row = db.session.scalar(sa.select(UserSession))
    twenty_ago = utcnow() - timedelta(minutes=20)
    row.last_seen_at = twenty_ago
    db.session.commit()
    assert client.get(f"/applications/{app_id}/status",
                      headers={"HX-Request": "true"}).status_code in (200, 286)
    db.session.expire_all()
    assert db.session.scalar(sa.select(UserSession)).last_seen_at == twenty_ago
    row = db.session.scalar(sa.select(UserSession))
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert client.get(f"/applications/{app_id}/status",
                      headers={"HX-Request": "true"}).status_code == 401  # idle: gone
    login(client, tenants["a_staff"])
    row = db.session.scalar(sa.select(UserSession))
    row.last_seen_at = twenty_ago
    db.session.commit()
    assert client.get("/dashboard").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(sa.select(UserSession)).last_seen_at > twenty_ago


def _polled_endpoints() -> set[str]:
    """The endpoints templates call by themselves: an element that polls (hx-trigger
    "every …" or "load delay…") or reloads on an event (data-refresh-url, or an hx-trigger
    "… from:body" that a polled part's answer fires)."""
    import re
    from pathlib import Path

    found = set()
    for path in Path("templates").rglob("*.html"):
        text = path.read_text()
        refresh = re.search(r"set refresh = (.*?)%}", text)
        calls = re.findall(r'data-refresh-url="{{ url_for\(([^,)]+)', text)
        for tag in re.findall(r'<[^<>]*hx-trigger="(?:every|load delay|[\w-]+ from:body)[^<>]*>',
                              text):
            calls += re.findall(r'hx-get="{{ url_for\(([^,)]+)', tag)
        for call in calls:
            if call.startswith("endpoints."):
                name = call.split(".", 1)[1]
                found |= {f"applications.{name}", f"applications.admin_{name}"}
            elif call == "refresh":
                found |= set(re.findall(r'"([\w.]+)"', refresh.group(1)))
            else:
                found.add(call.strip("'\""))
    return found


def test_every_polled_part_is_marked_passive(app):
    """The parts pages call by themselves are exactly the views marked passive (read from
    the templates, so a new polling part without the mark fails here)."""
    polled = _polled_endpoints()
    assert {"submissions.batch_progress", "oss_actions.panel"} <= polled  # the reader works
    assert polled <= set(app.view_functions)
    marked = {e for e, view in app.view_functions.items() if getattr(view, "passive", False)}
    assert marked == polled


def test_a_partial_after_the_login_expired_keeps_the_page(client, tenants):
    """htmx parts of an open page get no login page to swap in: 401, nothing swapped, and
    the event the page shows its notice for; the token endpoint answers only a live login."""
    login(client, tenants["a_staff"])
    token = client.get("/session/token")
    assert token.status_code == 200 and token.json["csrf_token"]
    assert token.json["user_id"] == tenants["a_staff"].id  # the page posts only as its user
    assert token.headers["Cache-Control"] == "no-store"
    row = db.session.scalar(sa.select(UserSession))
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    part = client.post("/applications/check?procedure=iten&field=owner__name",
                       headers={"HX-Request": "true"})
    assert part.status_code == 401 and "HX-Redirect" not in part.headers
    assert part.headers["HX-Reswap"] == "none"
    assert "ossdesk-session-expired" in part.headers["HX-Trigger"]
    assert client.get("/session/token").status_code == 302  # to the login page


def test_absolute_session_lifetime(client, tenants):
    login(client, tenants["a_staff"])
    row = db.session.scalar(sa.select(UserSession))
    row.created_at = utcnow() - timedelta(hours=12, minutes=1)
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


def test_session_cookie_flags(app, client, tenants):
    resp = login(client, tenants["a_staff"])
    header = resp.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_initial_password_must_be_changed(client, tenants, make_user):
    user = make_user(tenants["a"], Role.STAFF, must_change_password=True)
    resp = login(client, user)
    assert resp.headers["Location"].endswith("/password")
    assert client.get("/dashboard").headers["Location"].endswith("/password")
    resp = client.post("/password", data={"current_password": PASSWORD,
                                          "new_password": "short", "confirm": "short"})
    assert "10文字以上" in resp.get_data(as_text=True)
    new = "Brand-new-pass-42"
    resp = client.post("/password", data={"current_password": PASSWORD,
                                          "new_password": new, "confirm": new})
    assert resp.status_code == 302
    assert client.get("/dashboard").status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, user.id).must_change_password
    assert _events("password_changed")


def test_inactive_user_cannot_log_in(client, tenants):
    user = tenants["a_staff"]
    user.active = False
    db.session.commit()
    resp = client.post("/login", data={"login_id": user.login_id, "password": PASSWORD})
    assert resp.status_code == 200
    assert "このユーザーは無効にされているため" in resp.get_data(as_text=True)
    assert _events("login_refused")[0].detail["reason"] == "inactive"
    assert _events("login_failed") == []  # the right password: no step towards a lock
    resp = client.post("/login", data={"login_id": user.login_id, "password": "wrong-1234"})
    assert "ログインIDまたはパスワードが正しくありません。" in resp.get_data(as_text=True)
    assert "無効" not in resp.get_data(as_text=True)  # a wrong password learns nothing


def test_suspended_organisation_cannot_log_in(client, tenants):
    tenants["a"].active = False
    db.session.commit()
    resp = client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                       "password": PASSWORD})
    assert resp.status_code == 200
    assert "ご所属の組織は利用停止中のため" in resp.get_data(as_text=True)
    assert _events("login_refused")[0].detail["reason"] == "organisation suspended"


def test_open_redirect_is_refused(client, tenants):
    resp = client.post("/login?next=https://evil.example/x",
                       data={"login_id": tenants["a_staff"].login_id, "password": PASSWORD})
    assert resp.headers["Location"] == "/dashboard"


def test_passwords_are_hashed_with_a_slow_kdf_by_default():
    from portal import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app({k: v for k, v in TEST_CONFIG.items() if k != "PASSWORD_HASH_METHOD"})
    with app.app_context():
        user = User(login_id="x", display_name="x", role=Role.STAFF)
        user.set_password("Some-password-1")
    assert user.password_hash.startswith("scrypt:")
    assert "Some-password-1" not in user.password_hash


def test_the_login_form_names_its_fields_for_password_managers(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="username"' in page and 'autocomplete="current-password"' in page
    assert 'autocomplete="None"' not in page  # a field without a hint gets no attribute


def test_changing_ones_password_ends_the_other_sessions(app, client, tenants):
    user = tenants["a_staff"]
    elsewhere = app.test_client()
    login(elsewhere, user)
    login(client, user)
    resp = client.post("/password", data={"current_password": PASSWORD,
                                          "new_password": "New-password-42",
                                          "confirm": "New-password-42"})
    assert resp.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this one goes on
    assert elsewhere.get("/dashboard").status_code == 302  # the other one is gone
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 1


def test_guessing_the_current_password_locks_like_a_login(app, client, tenants):
    """A session left open cannot be used to guess the password: wrong current passwords
    count with failed logins; at the limit the account is locked and the session ends."""
    user = tenants["a_staff"]
    login(client, user)
    for attempt in range(5):
        resp = client.post("/password", data={"current_password": f"Wrong-{attempt}-pass",
                                              "new_password": "New-password-42",
                                              "confirm": "New-password-42"})
        if attempt < 4:
            assert "現在のパスワードが正しくありません。" in resp.get_data(as_text=True)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    assert client.get("/dashboard").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until > utcnow()
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0
    resp = client.post("/login", data={"login_id": user.login_id, "password": PASSWORD})
    assert "ロックされています" in resp.get_data(as_text=True)

