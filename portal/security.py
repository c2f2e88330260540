"""Per-request security: response headers, forced password change, tenant scope."""

from flask import current_app
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user

from portal import tenancy
from portal.audit import request_id
from portal.htmx import client_redirect
from portal.htmx import is_htmx

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Endpoints a user who must change the initial password may still reach.
_PASSWORD_CHANGE_ALLOWED = {"auth.password", "auth.password_submit", "auth.logout", "static",
                            "main.healthz", "auth.session_token"}


def set_scope_and_force_password_change():
    if request.endpoint == "static":
        return None
    request_id()
    if not current_user.is_authenticated:
        tenancy.set_scope(None)
        return None
    if tenancy.current_scope() is None:  # (the session's user set it when it was loaded)
        tenancy.set_scope(tenancy.scope_for(current_user))
    if current_user.must_change_password and request.endpoint not in _PASSWORD_CHANGE_ALLOWED:
        target = url_for("auth.password")
        return client_redirect(target) if is_htmx() else redirect(target)
    return None


def add_headers(resp):
    headers = resp.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("X-Request-ID", request_id())
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault(
            "Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}"
        )
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
    return resp
