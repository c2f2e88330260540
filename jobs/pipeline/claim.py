"""Claiming submissions by compare-and-set: one job owns a row until its lease ends."""

from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from jobs.pipeline import settings
from portal.extensions import db
from portal.models import Submission
from portal.models import SubmissionState

SENDABLE = (SubmissionState.PENDING, SubmissionState.RETRY)
UNRESOLVED = (SubmissionState.UNKNOWN,)


def claim(ids: list[int], states: tuple[SubmissionState, ...], now: datetime) -> dict[int, int]:
    """Move the due rows among ``ids`` that are in ``states`` to SENDING; {id: attempt number}.

    ``UPDATE … WHERE id IN (…) AND state IN (…) AND next_attempt_at <= now``:
    a row another job claimed first no longer matches, on PostgreSQL (row
    locks, re-checked after the other commit) and SQLite (one writer) alike.
    The caller commits.
    """
    if not ids:
        return {}
    lease = now + timedelta(seconds=float(settings.get("SUBMIT_LEASE_SECONDS")))
    stmt = (sa.update(Submission)
            .where(Submission.id.in_(ids), Submission.state.in_(states),
                   sa.or_(Submission.next_attempt_at.is_(None),
                          Submission.next_attempt_at <= now))
            .values(state=SubmissionState.SENDING, attempts=Submission.attempts + 1,
                    lease_until=lease, updated_at=now)
            .returning(Submission.id, Submission.attempts)
            .execution_options(synchronize_session=False))
    return dict(db.session.execute(stmt).all())


def still_mine(submission_id: int, attempt: int):
    """WHERE clause: the row is still SENDING under our claim (not reaped, not re-claimed)."""
    return sa.and_(Submission.id == submission_id,
                   Submission.state == SubmissionState.SENDING,
                   Submission.attempts == attempt)
