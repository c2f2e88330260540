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
from sqlalchemy.dialects.postgresql import ARRAY

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


def _version(count: int, newest) -> str:
    return _digest((count, newest))


def rows_version(rows: Iterable[Application]) -> str:
    """The version of list rows: how many, and the newest ``updated_at`` among them.

    Every change of a row moves its ``updated_at`` to now (the column's onupdate; the
    pipeline sets it too), so the newest one moves whenever any row changes.
    """
    rows = list(rows)
    return _version(len(rows), max((r.updated_at for r in rows), default=None))


def current_version(ids: list[int]) -> str:
    """``rows_version`` of the visible rows among ``ids``, computed by the database."""
    if not ids:
        return rows_version([])
    count, newest = db.session.execute(
        sa.select(sa.func.count(Application.id), sa.func.max(Application.updated_at))
        .where(_id_in(ids))).one()
    return _version(count, newest)


def _id_in(ids: list[int]):
    """``id IN (…)``; on PostgreSQL as one array parameter (one plan whatever the count)."""
    if db.engine.dialect.name == "postgresql":
        return Application.id == sa.any_(sa.literal(ids, ARRAY(sa.Integer)))
    return Application.id.in_(ids)


def parse_ids(text: str) -> list[int]:
    """The ids of a poll request (at most ``MAX_IDS``; anything else is dropped)."""
    ids = []
    for part in (text or "").split(","):
        if part.isdigit() and len(ids) < MAX_IDS:
            ids.append(int(part))
    return ids


def detail_version(app_id: int) -> str | None:
    """The version of a detail page's status part: the row, its last event and submission.

    One query; what the viewer may not see (another organisation's submission) counts
    as nothing, the same way for the page and for its polls. None if the viewer may not
    see the application at all.
    """
    last_event = (sa.select(sa.func.max(ApplicationEvent.id))
                  .where(ApplicationEvent.application_id == app_id).scalar_subquery())
    last_sub = (sa.select(sa.func.max(Submission.updated_at))
                .where(Submission.application_id == app_id).scalar_subquery())
    row = db.session.execute(
        sa.select(Application.updated_at, last_event, last_sub)
        .where(Application.id == app_id)).first()
    return _digest(tuple(row)) if row else None
