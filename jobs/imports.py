"""Bulk-import job: check and import a stored upload, reporting progress."""

from jobs import runs
from portal.models import ImportStatus
from portal.models import JobStatus


def import_batch(run_id: str, batch_id: int) -> dict:
    """Run ``portal.applications.imports.run_batch`` for ``batch_id`` (idempotent)."""
    from portal.applications.imports import run_batch
    from portal.extensions import db
    from portal.models import ImportBatch

    runs.mark(run_id, JobStatus.STARTED, progress=1)
    step = {"last": 0}

    def progress(done: int, total: int) -> None:
        percent = min(95, int(done * 95 / max(total, 1)))
        if percent >= step["last"] + 5:
            step["last"] = percent
            runs.mark(run_id, JobStatus.STARTED, progress=percent)

    try:
        batch = run_batch(batch_id, progress)
    except Exception:
        db.session.rollback()
        batch = db.session.get(ImportBatch, batch_id)
        if batch is not None:
            batch.status = ImportStatus.FAILED
            batch.message = "取込処理の途中でエラーが発生しました。ファイルを確認して再度お試しください。"
            db.session.commit()
        runs.mark(run_id, JobStatus.FAILED, progress=100, error="取込処理でエラーが発生しました。")
        raise
    result = {"batch": batch_id, "status": batch.status.value, "imported": batch.imported}
    runs.mark(run_id, JobStatus.FINISHED, progress=100, result=result)
    return result
