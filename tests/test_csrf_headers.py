"""CSRF on every state-changing route (htmx included) and the security headers."""

import re

import pytest

from tests.conftest import PASSWORD
from tests.conftest import login
from tests.conftest import make_app
from tests.routes import app_rules
from tests.routes import build_path
from tests.routes import sample_ids


@pytest.fixture
def csrf_client(sqlite_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "WTF_CSRF_ENABLED": True})
    with app.app_context():
        yield app, app.test_client()
        from portal.extensions import db

        db.session.remove()


def _token(client, path="/login"):
    body = client.get(path).get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', body).group(1)


def _login(client, user):
    token = _token(client)
    resp = client.post("/login", data={"login_id": user.login_id, "password": PASSWORD,
                                       "csrf_token": token})
    assert resp.status_code == 302


def test_login_without_token_is_refused(csrf_client, tenants):
    _, client = csrf_client
    resp = client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                       "password": PASSWORD})
    assert resp.status_code == 400
    assert "有効期限が切れました" in resp.get_data(as_text=True)


def test_a_wrong_or_foreign_token_is_refused(csrf_client, tenants):
    """Not only a missing token: a made-up one, or one from another browser's session."""
    csrf_app, client = csrf_client
    _login(client, tenants["a_admin"])
    other = csrf_app.test_client()
    foreign = _token(other)  # valid, but for another session
    for token in ("made-up-token", foreign):
        resp = client.post("/logout", data={"csrf_token": token})
        assert resp.status_code == 400, token
        resp = client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
        assert resp.status_code == 400, token
    assert client.get("/dashboard").status_code == 200  # still logged in: nothing happened


@pytest.mark.parametrize("principal", ["a_admin", "assoc"])
def test_every_post_route_needs_the_token(csrf_client, tenants, principal):
    app, client = csrf_client
    _login(client, tenants[principal])
    ids = sample_ids(tenants)
    checked = 0
    for rule, method, _ in app_rules(app):
        if method not in ("POST", "PUT", "PATCH", "DELETE") or rule.rule == "/login":
            continue
        resp = client.open(build_path(rule, ids), method=method, data={"name": "x"})
        assert resp.status_code == 400, f"{method} {rule.rule} -> {resp.status_code}"
        checked += 1
    assert checked >= 10


def test_htmx_post_with_header_token_passes(csrf_client, tenants):
    _, client = csrf_client
    _login(client, tenants["assoc"])
    token = _token(client, "/association/system")
    resp = client.post("/association/system/oss-check",
                       headers={"HX-Request": "true", "X-CSRFToken": token})
    assert resp.status_code == 200
    assert 'id="oss-check-run"' in resp.get_data(as_text=True)
    resp = client.post("/association/system/oss-check", headers={"HX-Request": "true"})
    assert resp.status_code == 400
    assert resp.headers["HX-Retarget"] == "#flash"


def test_security_headers_on_html(client):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Cache-Control"] == "no-store"


def test_htmx_is_configured_strictly(client):
    body = client.get("/login").get_data(as_text=True)
    assert '"allowEval":false' in body and '"allowScriptTags":false' in body
    assert "<script>" not in body  # no inline script anywhere
    assert 'style="' not in body


def test_production_sets_hsts_and_host_cookie(app, sqlite_url, monkeypatch, tenants):
    monkeypatch.setenv("OSSDESK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("OSSDESK_KEYS", '{"primary": "k1", "keys": {"k1": "' + "A" * 43 + '="}}')
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url})
    client = app.test_client()
    resp = client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                       "password": PASSWORD}, base_url="https://localhost")
    assert int(resp.headers["Strict-Transport-Security"].split("=")[1]) >= 31_536_000
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("__Host-ossdesk=") and "Secure" in cookie and "HttpOnly" in cookie


def test_production_refuses_to_start_without_secrets(monkeypatch):
    from portal.config import ConfigError

    monkeypatch.setenv("OSSDESK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("OSSDESK_KEYS", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY, OSSDESK_KEYS"):
        make_app()


def test_a_login_retried_from_a_browser_holding_another_login_keeps_a_live_token(
        csrf_client, tenants):
    """The login form re-shown after a mistyped password carries a token that still works,
    also when the browser still held another user's login."""
    _, client = csrf_client
    _login(client, tenants["b_staff"])
    page = client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                       "password": "Mistyped-1",
                                       "csrf_token": _token(client, "/dashboard")})
    assert page.status_code == 200
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.get_data(as_text=True)).group(1)
    resp = client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                       "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302


@pytest.mark.parametrize("principal", ["a_staff", "a_admin", "assoc", None])
def test_every_page_carries_the_security_headers(app, client, tenants, principal):
    """S9 on every GET route a user may open (not only the login page): the same CSP,
    nosniff, frame and cache headers, and htmx's strict configuration on HTML pages."""
    from portal.security import CSP
    from tests.routes import app_rules
    from tests.routes import build_path
    from tests.routes import sample_ids

    if principal:
        login(client, tenants[principal])
    ids = sample_ids(tenants)
    seen = 0
    for rule, method, _ in app_rules(app):
        if method != "GET":
            continue
        resp = client.get(build_path(rule, ids), buffered=True)  # downloads stream
        where = f"{principal} GET {rule.rule} -> {resp.status_code}"
        assert resp.status_code < 500, where
        assert resp.headers["Content-Security-Policy"] == CSP, where
        assert resp.headers["X-Content-Type-Options"] == "nosniff", where
        assert resp.headers["X-Frame-Options"] == "DENY", where
        if resp.mimetype == "text/html" and resp.status_code == 200:
            body = resp.get_data(as_text=True)
            if "<html" in body:
                assert ('"includeIndicatorStyles":false,"allowEval":false,'
                        '"allowScriptTags":false,"selfRequestsOnly":true') in body, where
                assert "<script>" not in body, where
            seen += 1
    assert seen >= 3  # anonymous: the public pages
