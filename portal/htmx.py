"""Small htmx request and response helpers (named as in django-htmx).

Each response helper takes a response and returns it. flask-htmx validates
``reswap`` against a list without modifiers, so headers are set directly.
"""

import json

from flask import Response
from flask import request

HTMX_STOP_POLLING = 286


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def is_boosted() -> bool:
    return request.headers.get("HX-Boosted") == "true"


def client_redirect(url: str) -> Response:
    """Tell htmx to navigate the whole page to ``url``."""
    resp = Response("", status=200)
    resp.headers["HX-Redirect"] = url
    return resp


SESSION_EXPIRED_EVENT = "ossdesk-session-expired"


def session_expired() -> Response:
    """The answer to a partial whose login is gone: nothing is swapped (what the user typed
    stays on the page) and the page is told, so it can say so (``static/js/app.js``)."""
    resp = Response("", status=401)
    resp.headers["HX-Reswap"] = "none"
    return trigger_client_event(resp, SESSION_EXPIRED_EVENT)


def retarget(resp: Response, selector: str) -> Response:
    resp.headers["HX-Retarget"] = selector
    return resp


def reswap(resp: Response, how: str) -> Response:
    resp.headers["HX-Reswap"] = how
    return resp


def trigger_client_event(resp: Response, name: str, params: dict | None = None) -> Response:
    """Add ``name`` to the response's ``HX-Trigger`` events, keeping earlier ones."""
    existing = resp.headers.get("HX-Trigger")
    events = json.loads(existing) if existing else {}
    events[name] = params or {}
    resp.headers["HX-Trigger"] = json.dumps(events)
    return resp


def vary_on_htmx(resp: Response) -> Response:
    resp.vary.add("HX-Request")
    return resp
