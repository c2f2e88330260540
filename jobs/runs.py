"""JobRun rows: create them with the enqueue, update them from the job."""

import uuid

from portal.extensions import db
from portal.models import JobRun
from portal.models import JobStatus
from portal.models.base import utcnow


def start(kind: str, func: str, *args, org_id=None, user_id=None, **options) -> JobRun:
    """Create the JobRun row, commit it, then enqueue ``func(run_id, *args)``."""
    from jobs.queue import enqueue

    run = JobRun(id=f"{kind}-{uuid.uuid4().hex}", kind=kind, org_id=org_id, user_id=user_id)
    db.session.add(run)
    db.session.commit()
    enqueue(func, run.id, *args, job_id=run.id, **options)
    return run


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
