"""Route access policies, declared on every view and enforced fail-closed.

``@policy(...)`` names who may call a view. A ``before_request`` hook refuses
any endpoint that has no declared policy, so a new route is closed until its
author decides who may use it. The route-inventory test walks ``url_map``.
"""

from flask import abort
from flask import current_app
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user

from portal import audit
from portal.extensions import db
from portal.htmx import session_expired
from portal.htmx import is_htmx

PUBLIC = "public"
AUTHENTICATED = "authenticated"
ROLES = ("admin", "staff", "association")


def policy(*allowed: str, agent_only: bool = False):
    """Declare who may call a view: ``PUBLIC``, ``AUTHENTICATED`` or role names.

    :param agent_only: additionally require the user's organisation to be an
        agent (行政書士, 行政書士法人, 適用除外者), not a requester.
    """
    for name in allowed:
        if name not in (PUBLIC, AUTHENTICATED, *ROLES):
            raise ValueError(f"unknown policy {name!r}")

    def decorate(view):
        view.access_policy = frozenset(allowed)
        view.agent_only = agent_only
        return view

    return decorate


def _view_for(endpoint):
    return current_app.view_functions.get(endpoint) if endpoint else None


def login_redirect():
    if is_htmx():  # a partial of a page already open: keep the page, say the login is gone
        return session_expired()
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    return redirect(target)


def deny(reason: str):
    """Record the denial and answer 403."""
    audit.record("access_denied", outcome="denied", target=request.path[:120], reason=reason)
    db.session.commit()
    abort(403)


def enforce():
    """``before_request``: apply the endpoint's policy (deny when none)."""
    if request.endpoint in (None, "static"):
        return None
    view = _view_for(request.endpoint)
    allowed = getattr(view, "access_policy", None)
    if allowed is None:
        return deny("no access policy")
    if PUBLIC in allowed:
        return None
    if not current_user.is_authenticated:
        return login_redirect()
    if AUTHENTICATED in allowed:
        return None
    if current_user.role.value not in allowed:
        return deny(f"role {current_user.role.value} not in {sorted(allowed)}")
    if getattr(view, "agent_only", False) and not current_user.organization.kind.is_agent:
        return deny("organisation is not an agent")
    return None
