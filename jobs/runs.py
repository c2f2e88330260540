"""JobRun rows: create them with the enqueue, update them from the job."""

import uuid

from portal.extensions import db
from portal.models import JobRun
from portal.models import JobStatus
from portal.models.base import utcnow


def create(kind: str, *, org_id=None, user_id=None) -> JobRun:
    """Add a JobRun row to the session (the caller commits it with its own rows, then ``enqueue``)."""
    run = JobRun(id=f"{kind}-{uuid.uuid4().hex}", kind=kind, org_id=org_id, user_id=user_id)
    db.session.add(run)
    return run


def enqueue(run: JobRun, func: str, *args, **options) -> JobRun:
    """Enqueue ``func(run.id, *args)`` as the job of ``run`` (already committed)."""
    from jobs.queue import enqueue as enqueue_job

    enqueue_job(func, run.id, *args, job_id=run.id, **options)
    return run


def start(kind: str, func: str, *args, org_id=None, user_id=None, **options) -> JobRun:
    """Create the JobRun row, commit it, then enqueue ``func(run_id, *args)``."""
    run = create(kind, org_id=org_id, user_id=user_id)
    db.session.commit()
    return enqueue(run, func, *args, **options)


def mark(run_id: str, status: JobStatus, *, progress: int | None = None,
         result: dict | None = None, error: str = "") -> None:
    run = db.session.get(JobRun, run_id)
    if run is None:
        return
    run.status = status
    if progress is not None:
        run.progress = progress
    if result is not None:
        run.result = result
    if error:
        run.error = error
    if status.terminal:
        run.finished_at = utcnow()
    db.session.commit()
