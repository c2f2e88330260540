"""The one place that turns what OSS reports into the portal's state and history.

``record_oss_status(application, status)`` keeps the raw OSS status, flags,
fees and the whole status document beside the portal's own state, adds an
``ApplicationEvent`` for every OSS history entry and every flag item not seen
before (timed when OSS says it happened), sets ``accepted_at`` (受付審査中) and
``completed_at`` (手続完了), and tells billing about a completion once.
"""

import dataclasses
import json
import logging
from datetime import UTC
from datetime import datetime

from sqlalchemy.orm.attributes import flag_modified

from oss import status as oss
from oss.status import ApplicationStatus
from portal.extensions import db
from portal.models import ApplicationEvent
from portal.models import ApplicationState as S
from portal.models.base import utcnow

log = logging.getLogger(__name__)

STATE_OF = {
    oss.ARRIVED: S.ARRIVED,
    oss.RECEPTION: S.RECEPTION_REVIEW,
    oss.REVIEW: S.UNDER_REVIEW,
    oss.PAYMENT: S.PAYMENT_PENDING,
    oss.COMPLETED: S.COMPLETED,
    oss.CORRECTION: S.CORRECTION_REQUESTED,
    oss.REJECTED: S.REJECTED,
    oss.WITHDRAWN: S.WITHDRAWN,
    oss.SUSPENDED: S.SUSPENDED,
}


def portal_state(raw: str, listed: bool = False, current: S | None = None) -> S | None:
    """The portal state for OSS status ``raw`` (None: a status we do not know).

    受付審査中 is 受付番号リスト送信済 once the receipt number is on a list.
    """
    state = STATE_OF.get(raw)
    if state == S.RECEPTION_REVIEW and (listed or current == S.LIST_SENT):
        return S.LIST_SENT
    return state


def naive_utc(value: str | None) -> datetime | None:
    """An ISO 8601 time from OSS as naive UTC (how the database keeps times)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _plain(value):
    """``value`` as the JSON column gives it back (lists, not tuples), so an unchanged status
    compares equal to what is stored."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def _jsonable(status: ApplicationStatus) -> dict:
    return _plain(dataclasses.asdict(status))


def _flags(status: ApplicationStatus) -> dict:
    return {code: {"label": f.label, "name": f.name,
                   "items": [dataclasses.asdict(i) for i in f.items]}
            for code, f in status.flags.items()}


def _event(app, kind: str, from_state: S, when: str | None, comment: str, **detail):
    event = ApplicationEvent(application_id=app.id, kind=kind, from_state=from_state.value,
                             to_state=app.state.value, comment=comment, detail=detail,
                             created_at=naive_utc(when) or utcnow())
    db.session.add(event)
    return event


def _replay_history(app, status: ApplicationStatus, seen: int) -> list[ApplicationEvent]:
    events = []
    history = status.history
    new = history[seen:] if seen <= len(history) else history[-1:]
    previous = history[seen - 1].status if 0 < seen <= len(history) else None
    for entry in new:
        before = app.state
        state = portal_state(entry.status, current=app.state)
        if state is not None:
            app.state = state
        kind = "oss_status" if entry.status != previous else "oss_progress"
        events.append(_event(app, kind, before, entry.at, entry.detail or entry.status,
                             oss_status=entry.status, at=entry.at))
        previous = entry.status
    return events


def _new_flag_items(app, status: ApplicationStatus, before: dict) -> list[ApplicationEvent]:
    events = []
    for code, flag in status.flags.items():
        seen = len(((before or {}).get(code) or {}).get("items") or [])
        for item in flag.items[seen:]:
            events.append(_event(app, "oss_flag", app.state, item.at,
                                 f"{flag.name}: {item.title}", flag=code, title=item.title,
                                 body=item.body))
    return events


def _first_at(status: ApplicationStatus, raw: str) -> datetime | None:
    entry = next((e for e in status.history if e.status == raw), None)
    return naive_utc(entry.at) if entry is not None else None


def record_oss_status(application, status: ApplicationStatus) -> list[ApplicationEvent]:
    """Bring ``application`` up to date with ``status``; return the events added.

    A status of another 到達番号 (an earlier filing, before a 再申請) is ignored.
    The caller commits.
    """
    app = application
    if app.arrival_number and status.arrival_number != app.arrival_number:
        return []
    before = _visible(app)
    previous = app.oss_detail or {}
    events = _replay_history(app, status, len(previous.get("history") or []))
    events += _new_flag_items(app, status, app.flags or {})
    final = portal_state(status.status, listed=status.receipt_list is not None,
                         current=app.state)
    if final is not None:
        app.state = final
    app.arrival_number = status.arrival_number
    app.receipt_number = status.receipt_number or ""
    app.oss_status = status.status
    app.oss_status_at = naive_utc(status.updated_at) or utcnow()
    app.flags = _plain(_flags(status))
    app.fees = _plain([dataclasses.asdict(f) for f in status.fees])
    app.oss_detail = _jsonable(status)
    app.suspend_reserved = status.suspension.reserved
    app.last_polled_at = utcnow()
    if app.accepted_at is None and any(e.status == oss.RECEPTION for e in status.history):
        app.accepted_at = _first_at(status, oss.RECEPTION)
    if app.completed_at is None and status.status == oss.COMPLETED:
        app.completed_at = _first_at(status, oss.COMPLETED) or utcnow()
        _billing_completed(app.id)
    if not events and _visible(app) == before:
        # Only polled: 更新日時 is when something changed. Setting the column (to its own
        # value) keeps its onupdate from firing.
        flag_modified(app, "updated_at")
    return events


def _visible(app) -> tuple:
    """What a user can see change on an application after a status poll."""
    return (app.state, app.arrival_number, app.receipt_number, app.oss_status, app.oss_status_at,
            app.flags, app.fees, app.oss_detail, app.suspend_reserved, app.accepted_at,
            app.completed_at)


def _billing_completed(application_id: int) -> None:
    """Call ``portal.billing.hooks.on_completed`` when billing is installed."""
    try:
        from portal.billing import hooks
    except ModuleNotFoundError as exc:
        if exc.name in ("portal.billing", "portal.billing.hooks"):
            return
        raise
    hook = getattr(hooks, "on_completed", None)
    if hook is not None:
        hook(application_id)
