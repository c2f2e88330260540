"""The reaper: submissions whose job died while holding them go back in play.

A row stays SENDING only while its job's lease runs. When the lease has
expired (the work-horse was killed, the machine restarted, RQ lost the job),
the row becomes UNKNOWN if it was signed — it may have reached OSS, so it is
looked up by its key before anything is sent — and RETRY otherwise. The
outbox relay then enqueues it. With a lease of L seconds and a tick every T
seconds, a crashed submission is back in play within L + T.
"""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Submission
from portal.models import SubmissionState
from portal.models.base import utcnow

REASON = "送信処理が中断されたため(作業プロセスの停止など)、自動で再開します。"


def reap() -> dict[str, int]:
    """Release expired claims; return how many rows went to UNKNOWN and to RETRY."""
    now = utcnow()
    expired = sa.and_(Submission.state == SubmissionState.SENDING, Submission.lease_until < now)
    counts = {SubmissionState.UNKNOWN.value: 0, SubmissionState.RETRY.value: 0}
    if db.session.scalar(sa.select(Submission.id).where(expired).limit(1)) is None:
        db.session.commit()  # nothing to do: an idle tick only reads
        return counts
    for state, signed in ((SubmissionState.UNKNOWN, Submission.signed_at.is_not(None)),
                          (SubmissionState.RETRY, Submission.signed_at.is_(None))):
        result = db.session.execute(
            sa.update(Submission).where(expired, signed)
            .values(state=state, lease_until=None, next_attempt_at=now, updated_at=now,
                    error_message=REASON)
            .execution_options(synchronize_session=False))
        counts[state.value] = result.rowcount
    db.session.commit()
    return counts
