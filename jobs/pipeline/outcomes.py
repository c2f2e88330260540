"""What each answer from OSS (or its absence) does to a submission and its application.

| answer                         | submission                          | application            |
|--------------------------------|-------------------------------------|------------------------|
| 到達番号 (or found by its key) | SENT                                | ARRIVED (+ OSS status) |
| OSS refused (``OssRejected``)  | FAILED, OSS code + Japanese reason  | SEND_ERROR (再申請: 却下) |
| not sent (``OssNotSent``)      | RETRY after a backoff; FAILED when  | unchanged; SEND_ERROR  |
|                                | the attempts are used up            | when given up          |
| unknown (timeout, 5xx)         | UNKNOWN: looked up by key later     | unchanged              |

Writes are compare-and-set too. The rows are locked and read first; a 到達番号 or
a refusal is written while the row is still open (they are facts, whoever learns
them), anything else only while the row is still ours (SENDING under our attempt
number). The updates of a chunk then go out as a few batched statements.
"""

from collections import Counter
from collections import defaultdict
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import defer

from jobs.pipeline import reasons
from jobs.pipeline import settings
from jobs.pipeline.transport import Outgoing
from jobs.pipeline.transport import Result
from oss.errors import OssOutcomeUnknown
from portal.applications.services import record_event
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState as S
from portal.models import Submission
from portal.models import SubmissionState
from portal.models.base import utcnow
from portal.submissions.status import naive_utc
from portal.submissions.status import record_oss_status

OPEN = (SubmissionState.PENDING, SubmissionState.SENDING, SubmissionState.RETRY,
        SubmissionState.UNKNOWN)
NO_ANSWER = "送信結果がありません。"


def _failed_values(reason: str, code: str) -> dict:
    return {"state": SubmissionState.FAILED, "error_code": code[:40], "error_message": reason,
            "document": None, "lease_until": None, "next_attempt_at": None}


def _app_failed(app: Application | None, submission_id: int, resubmit: bool, reason: str,
                code: str) -> None:
    if app is None:
        return
    before = app.state
    if app.state == S.SENDING:
        app.state = S.REJECTED if resubmit else S.SEND_ERROR
    record_event(app, "resubmit_failed" if resubmit else "send_failed", from_state=before,
                 comment=reason, code=code, submission_id=submission_id)


def failed(submission_id: int, resubmit: bool, app: Application | None, reason: str,
           code: str, *, where=None) -> bool:
    """Mark one submission FAILED (and its application 申請エラー); False if it was not open."""
    where = where if where is not None else sa.and_(Submission.id == submission_id,
                                                    Submission.state.in_(OPEN))
    stmt = (sa.update(Submission).where(where)
            .values(updated_at=utcnow(), **_failed_values(reason, code))
            .execution_options(synchronize_session=False))
    done = db.session.execute(stmt).rowcount == 1
    if done:
        _app_failed(app, submission_id, resubmit, reason, code)
    return done


def _arrived(row: Outgoing, app: Application, result: Result) -> None:
    receipt, found = result.sent, result.found
    arrival = receipt.arrival_number if receipt else found.arrival_number
    received = naive_utc(receipt.received_at if receipt else None) or utcnow()
    before = app.state
    if row.resubmit_of:  # a new filing: its OSS history starts again
        app.oss_detail, app.flags, app.fees, app.accepted_at = {}, {}, [], None
    if app.state == S.SENDING:
        app.state = S.ARRIVED
    app.arrival_number = arrival
    app.submitted_at = received
    app.oss_status = receipt.status if receipt else app.oss_status
    app.oss_status_at = received
    app.last_polled_at = utcnow()  # its status is known now: the first poll comes later
    record_event(app, "resubmitted" if row.resubmit_of else "submitted", from_state=before,
                 comment=f"到達番号 {arrival}", arrival_number=arrival, submission_id=row.id)
    if found is not None:
        record_oss_status(app, found)


class _Plan:
    """The updates of one chunk, grouped by the columns they set (one statement per group)."""

    def __init__(self, now: datetime):
        self.now = now
        self.groups: dict[tuple, list[dict]] = defaultdict(list)
        self.after: list = []  # application changes, made once the rows are written

    def set(self, submission_id: int, **values) -> None:
        values["updated_at"] = self.now
        self.groups[tuple(sorted(values))].append({"b_id": submission_id, **values})

    def write(self) -> None:
        table = Submission.__table__
        for columns, params in self.groups.items():
            stmt = (table.update().where(table.c.id == sa.bindparam("b_id"))
                    .values({c: sa.bindparam(c) for c in columns}))
            db.session.connection().execute(stmt, params)
        for change in self.after:
            change()


def _plan_row(plan: _Plan, row: Outgoing, result: Result, state: SubmissionState,
              attempts: int, app: Application | None) -> SubmissionState | None:
    """Add the row's update to ``plan`` if the row may take it; the state written, or None."""
    is_open = state in OPEN
    mine = state == SubmissionState.SENDING and attempts == row.attempt
    resubmit = bool(row.resubmit_of)
    if result.sent is not None or result.found is not None:
        if not is_open:
            return None
        arrival = result.sent.arrival_number if result.sent else result.found.arrival_number
        plan.set(row.id, state=SubmissionState.SENT, arrival_number=arrival, sent_at=plan.now,
                 document=None, lease_until=None, next_attempt_at=None, error_code="",
                 error_message="")
        if app is not None:
            plan.after.append(lambda: _arrived(row, app, result))
        return SubmissionState.SENT
    if result.rejected is not None:
        if not is_open:
            return None
        exc = result.rejected
        reason = reasons.rejected(exc)
        plan.set(row.id, **_failed_values(reason, exc.code))
        plan.after.append(lambda: _app_failed(app, row.id, resubmit, reason, exc.code))
        return SubmissionState.FAILED
    if not mine:
        return None
    if result.not_sent is not None:
        exc = result.not_sent
        if row.attempt >= int(settings.get("SUBMIT_MAX_ATTEMPTS")):
            reason = reasons.not_sent_given_up(row.attempt, exc.message)
            plan.set(row.id, **_failed_values(reason, "not_sent"))
            plan.after.append(lambda: _app_failed(app, row.id, resubmit, reason, "not_sent"))
            return SubmissionState.FAILED
        wait = settings.delay("SUBMIT_RETRY_DELAYS", row.attempt)
        plan.set(row.id, state=SubmissionState.RETRY,
                 next_attempt_at=plan.now + timedelta(seconds=wait), lease_until=None,
                 error_code=exc.code[:40], error_message=f"再試行待ち: {exc.message}")
        return SubmissionState.RETRY
    exc = result.unknown or OssOutcomeUnknown(NO_ANSWER)
    wait = settings.delay("RECONCILE_DELAYS", row.attempt)
    plan.set(row.id, state=SubmissionState.UNKNOWN,
             next_attempt_at=plan.now + timedelta(seconds=wait), lease_until=None,
             error_code=(exc.code or "")[:40], error_message=f"送信結果を確認中: {exc.message}")
    return SubmissionState.UNKNOWN


def record(rows: list[Outgoing], results: dict[int, Result]) -> Counter:
    """Write every row's outcome in one transaction; count the states written."""
    counts: Counter = Counter()
    if not rows:
        return counts
    plan = _Plan(utcnow())
    current = {sid: (state, attempts) for sid, state, attempts in db.session.execute(
        sa.select(Submission.id, Submission.state, Submission.attempts)
        .where(Submission.id.in_([r.id for r in rows])).with_for_update())}
    apps = {a.id: a for a in db.session.scalars(
        sa.select(Application).options(defer(Application.payload))
        .where(Application.id.in_([r.application_id for r in rows])))}
    for row in rows:
        state, attempts = current.get(row.id, (None, None))
        written = _plan_row(plan, row, results.get(row.id) or Result(), state, attempts,
                            apps.get(row.application_id))
        counts[written.value if written else "lost_claim"] += 1
    plan.write()
    db.session.commit()
    return counts
