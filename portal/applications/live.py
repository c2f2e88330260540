"""Live status: which applications still move by themselves, and whether they moved.

A list page polls with ONE request for all its live rows; a detail page polls
for its status part. Each poll carries a version (a digest of what the rows
looked like when rendered). The server answers "nothing changed" (204)
from one small indexed query, and renders only when something did. When no
row is live any more, the answer renders the poller without its trigger, so
the polling stops.
"""

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationEvent
from portal.models import ApplicationState as S
from portal.models import Submission

POLL_SECONDS = 3
MAX_IDS = 200  # the largest page

# Sent, not finished: the pipeline or OSS moves these without anyone acting.
IN_FLIGHT_STATES = frozenset({
    S.SIGNED, S.SENDING, S.ARRIVED, S.RECEPTION_REVIEW, S.LIST_SENT, S.UNDER_REVIEW,
    S.PAYMENT_PENDING, S.CORRECTION_REQUESTED, S.SUSPENDED,
})
# Finished for good (DOMAIN.md §3.2; OSS: 手続完了, 却下, 取下げ).
TERMINAL_STATES = frozenset({S.COMPLETED, S.DELIVERY, S.CLOSED, S.REJECTED, S.WITHDRAWN})


def is_live(state: S, is_request: bool) -> bool:
    """Whether an application in ``state`` can change without the viewer acting.

    Besides everything in flight, a 依頼データ handed to an agent (依頼中, or
    申請準備完了 on the agent's side) is live: the agent sends it.
    """
    return state in IN_FLIGHT_STATES or (is_request and state in (S.REQUESTED, S.READY))


def app_is_live(app: Application) -> bool:
    return is_live(app.state, app.is_request)


def _digest(parts: Iterable) -> str:
    text = "|".join(str(p) for p in parts)
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


ROW_VERSION_COLUMNS = (Application.id, Application.state, Application.oss_status,
                       Application.oss_status_at, Application.updated_at)


def rows_version(rows: Iterable) -> str:
    """The version of list rows (objects or tuples with the ``ROW_VERSION_COLUMNS``)."""
    return _digest(sorted((r.id, r.state, r.oss_status, r.oss_status_at, r.updated_at)
                          for r in rows))


def current_rows(ids: list[int]):
    """(id, state, oss_status, oss_status_at, updated_at, requester_org_id) of ``ids``."""
    if not ids:
        return []
    return db.session.execute(
        sa.select(*ROW_VERSION_COLUMNS, Application.requester_org_id)
        .where(Application.id.in_(ids))).all()


def parse_ids(text: str) -> list[int]:
    """The ids of a poll request (at most ``MAX_IDS``; anything else is dropped)."""
    ids = []
    for part in (text or "").split(","):
        if part.isdigit() and len(ids) < MAX_IDS:
            ids.append(int(part))
    return ids


def detail_version(app: Application) -> str:
    """The version of a detail page's status part: the row, its last event and submission."""
    last_event = db.session.scalar(sa.select(sa.func.max(ApplicationEvent.id))
                                   .where(ApplicationEvent.application_id == app.id))
    sub = db.session.execute(
        sa.select(Submission.id, Submission.state, Submission.updated_at)
        .where(Submission.application_id == app.id)
        .order_by(Submission.id.desc()).limit(1)).first()
    return _digest((app.id, app.state, app.oss_status, app.oss_status_at, app.updated_at,
                    last_event, tuple(sub) if sub else None))
