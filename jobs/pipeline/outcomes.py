"""What each answer from OSS (or its absence) does to a submission and its application.

| answer                         | submission                          | application            |
|--------------------------------|-------------------------------------|------------------------|
| 到達番号 (or found by its key) | SENT                                | ARRIVED (+ OSS status) |
| OSS refused (``OssRejected``)  | FAILED, OSS code + Japanese reason  | SEND_ERROR (再申請: 却下) |
| not sent (``OssNotSent``)      | RETRY after a backoff; FAILED when  | unchanged; SEND_ERROR  |
|                                | the attempts are used up            | when given up          |
| unknown (timeout, 5xx)         | UNKNOWN: looked up by key later     | unchanged              |

Updates are compare-and-set too: a result is written only while the row is
still ours (SENDING under our attempt number), except a 到達番号 or a refusal,
which are facts whoever learns them.
"""

from collections import Counter
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from jobs.pipeline import reasons
from jobs.pipeline import settings
from jobs.pipeline.claim import still_mine
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


def _update(where, **values) -> bool:
    stmt = (sa.update(Submission).where(where).values(updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False))
    return db.session.execute(stmt).rowcount == 1


def _open(submission_id: int):
    return sa.and_(Submission.id == submission_id, Submission.state.in_(OPEN))


def failed(submission_id: int, resubmit: bool, app: Application | None, reason: str,
           code: str, *, where=None) -> bool:
    """Mark the submission FAILED (and its application 申請エラー); False if it was not open."""
    done = _update(where if where is not None else _open(submission_id),
                   state=SubmissionState.FAILED, error_code=code[:40], error_message=reason,
                   document=None, lease_until=None, next_attempt_at=None)
    if done and app is not None:
        before = app.state
        if app.state == S.SENDING:
            app.state = S.REJECTED if resubmit else S.SEND_ERROR
        record_event(app, "resubmit_failed" if resubmit else "send_failed", from_state=before,
                     comment=reason, code=code, submission_id=submission_id)
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
    record_event(app, "resubmitted" if row.resubmit_of else "submitted", from_state=before,
                 comment=f"到達番号 {arrival}", arrival_number=arrival, submission_id=row.id)
    if found is not None:
        record_oss_status(app, found)


def _sent(row: Outgoing, app: Application | None, result: Result, now: datetime) -> bool:
    arrival = result.sent.arrival_number if result.sent else result.found.arrival_number
    if not _update(_open(row.id), state=SubmissionState.SENT, arrival_number=arrival,
                   sent_at=now, document=None, lease_until=None, next_attempt_at=None,
                   error_code="", error_message=""):
        return False
    if app is not None:
        _arrived(row, app, result)
    return True


def _not_sent(row: Outgoing, app, exc, now: datetime) -> SubmissionState | None:
    if row.attempt >= int(settings.get("SUBMIT_MAX_ATTEMPTS")):
        reason = reasons.not_sent_given_up(row.attempt, exc.message)
        if failed(row.id, bool(row.resubmit_of), app, reason, "not_sent",
                  where=still_mine(row.id, row.attempt)):
            return SubmissionState.FAILED
        return None
    wait = settings.delay("SUBMIT_RETRY_DELAYS", row.attempt)
    if _update(still_mine(row.id, row.attempt), state=SubmissionState.RETRY,
               next_attempt_at=now + timedelta(seconds=wait), lease_until=None,
               error_code=exc.code[:40], error_message=f"再試行待ち: {exc.message}"):
        return SubmissionState.RETRY
    return None


def _unknown(row: Outgoing, exc, now: datetime) -> SubmissionState | None:
    wait = settings.delay("RECONCILE_DELAYS", row.attempt)
    if _update(still_mine(row.id, row.attempt), state=SubmissionState.UNKNOWN,
               next_attempt_at=now + timedelta(seconds=wait), lease_until=None,
               error_code=(exc.code or "")[:40], error_message=f"送信結果を確認中: {exc.message}"):
        return SubmissionState.UNKNOWN
    return None


def record(rows: list[Outgoing], results: dict[int, Result]) -> Counter:
    """Write every row's outcome in one transaction; count the states written."""
    now = utcnow()
    ids = [r.application_id for r in rows]
    apps = {a.id: a for a in db.session.scalars(
        sa.select(Application).where(Application.id.in_(ids)))} if ids else {}
    counts: Counter = Counter()
    for row in rows:
        result = results.get(row.id) or Result(unknown=OssOutcomeUnknown("送信結果がありません。"))
        app = apps.get(row.application_id)
        if result.sent is not None or result.found is not None:
            state = SubmissionState.SENT if _sent(row, app, result, now) else None
        elif result.rejected is not None:
            exc = result.rejected
            state = (SubmissionState.FAILED if failed(row.id, bool(row.resubmit_of), app,
                                                      reasons.rejected(exc), exc.code)
                     else None)
        elif result.not_sent is not None:
            state = _not_sent(row, app, result.not_sent, now)
        else:
            state = _unknown(row, result.unknown, now)
        counts[state.value if state else "lost_claim"] += 1
    db.session.commit()
    return counts
