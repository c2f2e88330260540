"""One new-application form, one draft: the form carries a token, and the session remembers
which draft each token became.

Reloading the page after a refused check (the browser posts the form again), or going back
and saving once more, would otherwise create a second draft with the same data. The token
lives in the form (a fresh one per blank form) and its draft id in the signed session
cookie, so nothing is stored server-side and a token is only ever honoured for the user
who received it.
"""

import secrets

import sqlalchemy as sa
from flask import session

from portal.extensions import db
from portal.models import Application

_KEY = "new_drafts"
KEPT = 20  # the last forms of this login remembered; an older one simply starts a draft


def issue() -> str:
    """A token for a blank new-application form."""
    return secrets.token_urlsafe(16)


def earlier(token: str | None) -> Application | None:
    """The draft already saved from the form carrying ``token``, unless it is gone (deleted
    since: the form then simply makes a new one)."""
    app_id = session.get(_KEY, {}).get(token) if token else None
    if app_id is None:
        return None
    return db.session.scalar(sa.select(Application).where(  # tenant-scoped like every read
        Application.id == app_id, Application.deleted_at.is_(None)))


def remember(token: str | None, app_id: int) -> None:
    if not token or len(token) > 64:
        return
    kept = dict(session.get(_KEY, {}))
    kept[token] = app_id
    session[_KEY] = dict(list(kept.items())[-KEPT:])
