"""予約送信: a send refused outside service hours, carried out at the next opening.

``schedule_send`` writes a ``ScheduledSend`` row in the caller's transaction;
after the commit ``enqueue`` hands it to the job scheduler (RQ ``enqueue_at``,
run by the embedded worker and by ``ossdesk worker``, both with the scheduler).
At the opening ``run_scheduled_send`` claims the row by compare-and-set (a
second run does nothing), checks the window again (an outage may have been
announced since: it then waits for the next opening) and calls the pipeline's
``create_send_batch`` as the user who scheduled it. The database row is the
source of truth: ``dispatch_due`` runs rows whose job was lost with Redis.
"""

import logging
from datetime import timedelta

import redis
import sqlalchemy as sa

from portal import audit
from portal import clock
from portal import tenancy
from portal.extensions import db
from portal.hours.window import check_send_window
from portal.models import Application
from portal.models import Role
from portal.models import ScheduledSend
from portal.models import ScheduledState
from portal.models import SubmissionKind

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a claimed row whose job died is run again after this
MAX_ATTEMPTS = 5  # runs that died before finishing; then the row is given up

NOTHING_SELECTED = "予約送信する申請データを選択してください。"
NOT_FOUND = "選択された申請データの一部が見つかりません。画面を更新して選び直してください。"
ALREADY = "既に予約送信に含まれている申請データがあります(予約送信一覧で確認してください)。"
NOT_CANCELLABLE = "この予約送信は既に実行されたか取り消されているため、取り消せません。"
GAVE_UP = "予約送信の処理を開始できませんでした。申請データ一覧から送信し直してください。"
USER_GONE = "予約したユーザーが無効になったか担当者でなくなったため、送信しませんでした。"
LOST_ACCESS = "予約後に参照できなくなった申請データは送信しませんでした: "


class ScheduleError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _ids(values) -> list[int]:
    ids = set()
    for value in values:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    return sorted(ids)


def _live_ids(org_id: int) -> set[int]:
    rows = db.session.scalars(sa.select(ScheduledSend.application_ids).where(
        ScheduledSend.org_id == org_id,
        ScheduledSend.state.in_([ScheduledState.SCHEDULED, ScheduledState.RUNNING])))
    return {int(i) for ids in rows for i in ids}


def max_ids() -> int:
    """A scheduled send takes as many applications as one bulk send (``SEND_BATCH_MAX``)."""
    from jobs.pipeline import settings

    return int(settings.get("SEND_BATCH_MAX"))


def schedule_send(user, application_ids, kind: SubmissionKind = SubmissionKind.SUBMIT
                  ) -> ScheduledSend:
    """Schedule ``application_ids`` for the next opening (the caller commits, then ``enqueue``)."""
    ids = _ids(application_ids)
    if not ids:
        raise ScheduleError(NOTHING_SELECTED)
    if len(ids) > (limit := max_ids()):
        raise ScheduleError(f"一度に予約送信できるのは{limit:,}件までです。")
    visible = set(db.session.scalars(sa.select(Application.id).where(Application.id.in_(ids))))
    if visible != set(ids):
        raise ScheduleError(NOT_FOUND)
    if _live_ids(user.org_id) & visible:
        raise ScheduleError(ALREADY)
    window = check_send_window(clock.now())
    row = ScheduledSend(org_id=user.org_id, user_id=user.id, kind=kind.value,
                        application_ids=ids, run_at=clock.naive_utc(window.next_opening),
                        created_at=clock.utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record("send_scheduled", target=f"scheduled_send:{row.id}", count=len(ids),
                 run_at=row.run_at.isoformat(), kind=kind.value)
    return row


def enqueue(row: ScheduledSend) -> None:
    """Hand the row to the job scheduler for its ``run_at`` (after the commit)."""
    from jobs.queue import get_queue

    # RQ keeps whole seconds and may run a job up to a second early: never before run_at.
    wall = clock.to_wall(row.run_at).replace(microsecond=0) + timedelta(seconds=1)
    try:
        get_queue().enqueue_at(wall, "portal.hours.scheduled.run_scheduled_send", row.id,
                               job_id=f"scheduled-send-{row.id}-{row.attempts}")
    except redis.RedisError:  # the row stays SCHEDULED: ``dispatch_due`` runs it
        log.warning("could not enqueue scheduled send %s", row.id, exc_info=True)


def cancel(user, row: ScheduledSend) -> None:
    """Cancel a scheduled send that has not run yet (compare-and-set on the state)."""
    done = db.session.execute(
        sa.update(ScheduledSend)
        .where(ScheduledSend.id == row.id, ScheduledSend.state == ScheduledState.SCHEDULED)
        .values(state=ScheduledState.CANCELLED, finished_at=clock.utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ScheduleError(NOT_CANCELLABLE)
    audit.record("scheduled_send_cancelled", target=f"scheduled_send:{row.id}")


def _due_condition(at):
    return sa.or_(
        sa.and_(ScheduledSend.state == ScheduledState.SCHEDULED, ScheduledSend.run_at <= at),
        sa.and_(ScheduledSend.state == ScheduledState.RUNNING, ScheduledSend.lease_until < at))


def _claim(scheduled_id: int) -> ScheduledSend | None:
    at = clock.utcnow()
    claimed = db.session.execute(
        sa.update(ScheduledSend)
        .where(ScheduledSend.id == scheduled_id, _due_condition(at))
        .values(state=ScheduledState.RUNNING, attempts=ScheduledSend.attempts + 1,
                lease_until=at + LEASE)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    return db.session.get(ScheduledSend, scheduled_id)


def _finish(row: ScheduledSend, state: ScheduledState, error: str = "") -> None:
    row.state, row.error_message = state, error
    row.finished_at, row.lease_until = clock.utcnow(), None


def _still_visible(row: ScheduledSend) -> list[int]:
    scope = tenancy.scope_for(row.user)
    return list(db.session.scalars(sa.select(Application.id).where(
        Application.id.in_(row.application_ids), Application.tenant_criteria(scope))
        .order_by(Application.id)))


def run_scheduled_send(scheduled_id: int) -> str:
    """Job: carry out a scheduled send if it is due; returns what happened."""
    row = _claim(scheduled_id)
    if row is None:
        return "not due"
    if row.attempts > MAX_ATTEMPTS:
        _finish(row, ScheduledState.FAILED, GAVE_UP)
        db.session.commit()
        return "failed"
    window = check_send_window(clock.now())
    if not window.open:
        row.state, row.lease_until = ScheduledState.SCHEDULED, None
        row.run_at = clock.naive_utc(window.next_opening)
        db.session.commit()
        enqueue(row)
        return "rescheduled"
    user = row.user
    if not user.active or user.role != Role.STAFF:
        _finish(row, ScheduledState.FAILED, USER_GONE)
        db.session.commit()
        return "failed"
    ids = _still_visible(row)
    lost = sorted(set(row.application_ids) - set(ids))
    from portal.submissions.services import create_send_batch
    from portal.submissions.services import enqueue_batch

    batch = create_send_batch(user, ids, kind=SubmissionKind(row.kind))
    row.batch_id = batch.id
    _finish(row, ScheduledState.DONE,
            LOST_ACCESS + "、".join(map(str, lost)) if lost else "")
    audit.record("scheduled_send_started", user=user, target=f"scheduled_send:{row.id}",
                 batch=batch.id, count=len(ids))
    db.session.commit()
    enqueue_batch(batch.id)
    return "sent"


def dispatch_due() -> int:
    """Run every due row now (their jobs may have been lost with Redis); returns how many ran."""
    due = db.session.scalars(sa.select(ScheduledSend.id).where(_due_condition(clock.utcnow()))
                             .order_by(ScheduledSend.run_at)).all()
    db.session.rollback()
    return sum(run_scheduled_send(row_id) != "not due" for row_id in due)


def enqueue_waiting() -> int:
    """Hand every waiting row to the scheduler again (after the embedded queue restarted)."""
    rows = db.session.scalars(sa.select(ScheduledSend)
                              .where(ScheduledSend.state == ScheduledState.SCHEDULED)).all()
    for row in rows:
        enqueue(row)
    return len(rows)
