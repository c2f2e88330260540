"""What each answer from OSS (or its absence) does to a submission and its application.

| answer                         | submission                          | application            |
|--------------------------------|-------------------------------------|------------------------|
| 到達番号 (or found by its key) | SENT                                | ARRIVED (+ OSS status) |
| OSS refused (``OssRejected``)  | FAILED, OSS code + Japanese reason  | SEND_ERROR (再申請: 却下) |
| not sent (``OssNotSent``)      | RETRY after a backoff; FAILED when  | unchanged; SEND_ERROR  |
|                                | the attempts are used up            | when given up          |
| unknown (timeout, 5xx)         | UNKNOWN: looked up by key later     | unchanged              |
| held back (circuit breaker)    | as it was claimed (PENDING/RETRY:   | unchanged              |
|                                | RETRY; UNKNOWN: UNKNOWN), due when  |                        |
|                                | the breaker closes, attempt given   |                        |
|                                | back                                |                        |

Writes are compare-and-set too. The rows are locked and read first; a 到達番号 or
a refusal is written while the row is still open (they are facts, whoever learns
them), anything else only while the row is still ours (SENDING under our attempt
number). The updates of a chunk then go out as a few set-based statements
(``portal.bulk``): the submissions, the applications (grouped by the columns they
set) and their history events, without loading an ORM object per row. Only an
arrival found by its key, whose OSS status comes with it, goes through the ORM
(``record_oss_status``).
"""

from collections import Counter
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import defer

from jobs.pipeline import reasons
from jobs.pipeline import settings
from jobs.pipeline.transport import Outgoing
from jobs.pipeline.transport import Result
from oss.errors import OssOutcomeUnknown
from portal import bulk
from portal.applications.services import event_values
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationEvent
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


def failure_state(state: S, resubmit: bool) -> S:
    """An application whose submission failed: 申請エラー (a 再申請: 却下 again) if it was
    being sent; any other state stays."""
    if state == S.SENDING:
        return S.REJECTED if resubmit else S.SEND_ERROR
    return state


def _failure_event(application_id: int, submission_id: int, resubmit: bool, reason: str,
                   code: str, before: S) -> dict:
    return event_values(application_id, "resubmit_failed" if resubmit else "send_failed",
                        from_state=before, to_state=failure_state(before, resubmit),
                        comment=reason, code=code, submission_id=submission_id)


def _app_failed(app: Application | None, submission_id: int, resubmit: bool, reason: str,
                code: str) -> None:
    if app is None:
        return
    before = app.state
    app.state = failure_state(before, resubmit)
    db.session.add(ApplicationEvent(**_failure_event(app.id, submission_id, resubmit, reason,
                                                     code, before)))


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


def _arrival_number(result: Result) -> str:
    return result.sent.arrival_number if result.sent else result.found.arrival_number


def arrival_values(row: Outgoing, result: Result, before: S, now: datetime) -> dict:
    """The columns a 到達 sets on the application (its OSS status, if found by key,
    is ``record_oss_status``'s)."""
    receipt = result.sent
    received = naive_utc(receipt.received_at if receipt else None) or now
    values = {"state": S.ARRIVED if before == S.SENDING else before,
              "arrival_number": _arrival_number(result), "submitted_at": received,
              "oss_status_at": received,
              "last_polled_at": now}  # its status is known now: the first poll comes later
    if receipt is not None:
        values["oss_status"] = receipt.status
    if row.resubmit_of:  # a new filing: its OSS history starts again
        values.update(oss_detail={}, flags={}, fees=[], accepted_at=None)
    return values


def _arrival_event(row: Outgoing, result: Result, before: S, after: S) -> dict:
    arrival = _arrival_number(result)
    return event_values(row.application_id, "resubmitted" if row.resubmit_of else "submitted",
                        from_state=before, to_state=after, comment=f"到達番号 {arrival}",
                        arrival_number=arrival, submission_id=row.id)


class _Plan:
    """The updates of one chunk, grouped by the columns they set (one statement per group):
    submissions, then applications and their events; arrivals found by key last (ORM)."""

    def __init__(self, now: datetime, app_states: dict[int, S]):
        self.now = now
        self.submission_values: dict[int, dict] = {}
        self.app_states = app_states  # one open submission per application: one change each
        self.app_values: dict[int, dict] = {}
        self.events: list[dict] = []
        self.found: list[tuple[Outgoing, Result]] = []

    def set(self, submission_id: int, **values) -> None:
        self.submission_values[submission_id] = {**values, "updated_at": self.now}

    def arrived(self, row: Outgoing, result: Result) -> None:
        before = self.app_states.get(row.application_id)
        if before is None:
            return
        if result.found is not None:
            self.found.append((row, result))
            return
        values = self.app_values[row.application_id] = arrival_values(row, result, before,
                                                                      self.now)
        self.events.append(_arrival_event(row, result, before, values["state"]))

    def failed(self, row: Outgoing, reason: str, code: str) -> None:
        before = self.app_states.get(row.application_id)
        if before is None:
            return
        resubmit = bool(row.resubmit_of)
        after = failure_state(before, resubmit)
        if after != before:
            self.app_values[row.application_id] = {"state": after}
        self.events.append(_failure_event(row.application_id, row.id, resubmit, reason, code,
                                          before))

    def write(self) -> None:
        connection = db.session.connection()
        bulk.update_rows(connection, Submission.__table__, self.submission_values)
        bulk.update_rows(connection, Application.__table__, self.app_values)
        bulk.insert_rows(connection, ApplicationEvent.__table__, self.events)
        if self.found:
            apps = {a.id: a for a in db.session.scalars(
                sa.select(Application).options(defer(Application.payload))
                .where(Application.id.in_([row.application_id for row, _ in self.found])))}
            for row, result in self.found:
                if row.application_id in apps:  # (deleted meanwhile: nothing to bring up)
                    _arrived_found(row, apps[row.application_id], result, self.now)


def _arrived_found(row: Outgoing, app: Application, result: Result, now: datetime) -> None:
    """An arrival found by its key: the same columns and event, then its OSS status."""
    before = app.state
    for column, value in arrival_values(row, result, before, now).items():
        setattr(app, column, value)
    db.session.add(ApplicationEvent(**_arrival_event(row, result, before, app.state)))
    record_oss_status(app, result.found)


def _plan_row(plan: _Plan, row: Outgoing, result: Result, state: SubmissionState,
              attempts: int) -> SubmissionState | None:
    """Add the row's update to ``plan`` if the row may take it; the state written, or None."""
    is_open = state in OPEN
    mine = state == SubmissionState.SENDING and attempts == row.attempt
    if result.sent is not None or result.found is not None:
        if not is_open:
            return None
        plan.set(row.id, state=SubmissionState.SENT, arrival_number=_arrival_number(result),
                 sent_at=plan.now, document=None, lease_until=None, next_attempt_at=None,
                 error_code="", error_message="")
        plan.arrived(row, result)
        return SubmissionState.SENT
    if result.rejected is not None:
        if not is_open:
            return None
        exc = result.rejected
        reason = reasons.rejected(exc)
        plan.set(row.id, **_failed_values(reason, exc.code))
        plan.failed(row, reason, exc.code)
        return SubmissionState.FAILED
    if not mine:
        return None
    if result.paused is not None:  # never went out: the claim's attempt is given back
        state = SubmissionState.UNKNOWN if row.unresolved else SubmissionState.RETRY
        plan.set(row.id, state=state, attempts=row.attempt - 1, next_attempt_at=result.paused,
                 lease_until=None, error_code="oss:paused",
                 error_message=reasons.paused(result.paused))
        return state
    if result.not_sent is not None:
        exc = result.not_sent
        if row.attempt >= int(settings.get("SUBMIT_MAX_ATTEMPTS")):
            reason = reasons.not_sent_given_up(row.attempt, exc.message)
            plan.set(row.id, **_failed_values(reason, "not_sent"))
            plan.failed(row, reason, "not_sent")
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
    current = {sid: (state, attempts) for sid, state, attempts in db.session.execute(
        sa.select(Submission.id, Submission.state, Submission.attempts)
        .where(Submission.id.in_([r.id for r in rows])).with_for_update())}
    app_states = dict(db.session.execute(
        sa.select(Application.id, Application.state)
        .where(Application.id.in_([r.application_id for r in rows]))).all())
    plan = _Plan(utcnow(), app_states)
    for row in rows:
        state, attempts = current.get(row.id, (None, None))
        written = _plan_row(plan, row, results.get(row.id) or Result(), state, attempts)
        counts[written.value if written else "lost_claim"] += 1
    plan.write()
    db.session.commit()
    return counts
