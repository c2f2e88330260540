"""One new-application form, one draft: the form carries a token, and the session remembers
which draft each token became.

Reloading the page after a refused check (the browser posts the form again), or going back
and saving once more, would otherwise create a second draft with the same data. The token
lives in the form (a fresh one per blank form) and its draft id in the signed session
cookie, so nothing is stored server-side and a token is only ever honoured for the user
who received it.
"""

import secrets

from flask import session

_KEY = "new_drafts"
KEPT = 20  # the last forms of this login remembered; an older one simply starts a draft


def issue() -> str:
    """A token for a blank new-application form."""
    return secrets.token_urlsafe(16)


def earlier(token: str | None) -> int | None:
    """The draft already saved from the form carrying ``token``, if any."""
    if not token:
        return None
    return session.get(_KEY, {}).get(token)


def remember(token: str | None, app_id: int) -> None:
    if not token or len(token) > 64:
        return
    kept = dict(session.get(_KEY, {}))
    kept[token] = app_id
    session[_KEY] = dict(list(kept.items())[-KEPT:])
