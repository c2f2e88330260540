"""The outbox relay: the database, not Redis, says what still has to be sent.

Submissions are written before any job exists. ``enqueue_submissions`` records
the job id and time on the rows, commits, then enqueues one job per chunk. The
relay (every tick) takes the rows that are due (PENDING, RETRY or UNKNOWN with
``next_attempt_at`` passed) and whose job is no longer alive in RQ — finished,
failed, never enqueued, lost with a Redis flush or restart, or started by a
work-horse that died — and enqueues them again. A job that runs twice is
harmless: every row is claimed by compare-and-set.
"""

import logging
import math
import uuid
from datetime import timedelta

import sqlalchemy as sa
from redis.exceptions import RedisError
from rq.job import Job
from rq.job import JobStatus

from jobs.pipeline import settings
from jobs.queue import enqueue
from jobs.queue import get_connection
from portal.extensions import db
from portal.models import Submission
from portal.models import SubmissionState
from portal.models.base import utcnow

log = logging.getLogger(__name__)

SEND_JOB = "jobs.pipeline.send.send_chunk"
DUE_STATES = (SubmissionState.PENDING, SubmissionState.RETRY, SubmissionState.UNKNOWN)
RELAY_LIMIT = 20000
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.CREATED)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def chunk_size(count: int) -> int:
    """Submissions per send job for a send of ``count``.

    A small send is still spread over several jobs, so every worker takes part;
    a large one gets few, large jobs, since each job pays its claims, commits and
    the wait for its last HTTP batch whatever its size (BENCHMARKS.md: going from
    100 to 500 per job cut the workers' CPU time on 10,000 applications by a third;
    from 500 to 1,000, once send jobs ran in the worker, raised the end-to-end ratio
    from 23.5 to 27.0 %, one run each).
    """
    largest = max(1, int(settings.get("SUBMIT_CHUNK_SIZE")))
    smallest = max(1, int(settings.get("SUBMIT_CHUNK_MIN")))
    spread = max(1, int(settings.get("SUBMIT_JOBS_PER_SEND")))
    return min(largest, max(smallest, math.ceil(count / spread)))


def job_plan(ids: list) -> list[tuple[str, list]]:
    """``ids`` cut into send jobs (``chunk_size``), each with a new job id."""
    size = chunk_size(len(ids))
    return [(f"send-{uuid.uuid4().hex}", chunk) for chunk in _chunks(ids, size)]


def enqueue_submissions(ids: list[int]) -> int:
    """Enqueue send jobs for ``ids`` (one per chunk); return how many were enqueued.

    The rows get their job id first (committed), so a failed enqueue leaves them
    for the relay, which finds the job missing.
    """
    planned = job_plan(ids)
    for job_id, chunk in planned:
        db.session.execute(sa.update(Submission)
                           .where(Submission.id.in_(chunk), Submission.state.in_(DUE_STATES))
                           .values(job_id=job_id, enqueued_at=utcnow()))
    db.session.commit()
    return enqueue_planned(planned)


def enqueue_planned(planned: list[tuple[str, list[int]]]) -> int:
    """Enqueue the send jobs ``[(job id, submission ids)]`` recorded on the rows."""
    count = 0
    for job_id, chunk in planned:
        try:
            enqueue(SEND_JOB, chunk, job_id=job_id, result_ttl=600, failure_ttl=7 * 86400)
        except RedisError as exc:  # the relay will find these rows without a job
            log.warning("could not enqueue %s (%d submissions): %s", job_id, len(chunk), exc)
            break
        count += 1
    return count


def _alive(jobs: list[Job | None], lease: float) -> set[str]:
    """Ids of jobs that will still run (or are running within their lease)."""
    now = utcnow()
    alive = set()
    for job in jobs:
        if job is None:
            continue
        status = job.get_status(refresh=False)
        if status in WAITING:
            alive.add(job.id)
        elif status == JobStatus.STARTED and job.started_at is not None:
            started = job.started_at.replace(tzinfo=None)
            if now - started < timedelta(seconds=lease):
                alive.add(job.id)
    return alive


def relay() -> int:
    """Enqueue due submissions whose job is gone; return how many submissions."""
    now = utcnow()
    grace = now - timedelta(seconds=float(settings.get("OUTBOX_GRACE_SECONDS")))
    rows = db.session.execute(
        sa.select(Submission.id, Submission.job_id)
        .where(Submission.state.in_(DUE_STATES),
               sa.or_(Submission.next_attempt_at.is_(None), Submission.next_attempt_at <= now),
               sa.or_(Submission.enqueued_at.is_(None), Submission.enqueued_at <= grace))
        .order_by(Submission.id).limit(RELAY_LIMIT)).all()
    db.session.commit()
    if not rows:
        return 0
    job_ids = sorted({job_id for _, job_id in rows if job_id})
    try:
        jobs = Job.fetch_many(job_ids, connection=get_connection()) if job_ids else []
    except RedisError as exc:
        log.warning("outbox relay cannot read RQ jobs: %s", exc)
        return 0
    alive = _alive(jobs, float(settings.get("SUBMIT_LEASE_SECONDS")))
    stale = [sub_id for sub_id, job_id in rows if job_id not in alive]
    if stale:
        enqueue_submissions(stale)
        log.info("outbox relay re-enqueued %d submissions", len(stale))
    return len(stale)
