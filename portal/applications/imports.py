"""Bulk import: store an upload, check it, and turn valid rows into drafts.

A file is all or nothing: when any row is wrong nothing is imported, unless
the user asked for "the valid rows only" (at upload, or afterwards from the
result page). Small files are processed during the request; larger ones run
as a job (``jobs.imports``) with a progress bar. The same ``run_batch`` does
the work in both cases.
"""

import sqlalchemy as sa
from flask import current_app

from forms import importer
from forms.rules import attachment_pending
from forms.specs import get as get_spec
from portal import audit
from portal import bulk
from portal.applications import duplicates
from portal.applications import requests
from portal.applications.services import event_values
from portal.applications.services import filing_branch
from portal.applications.services import kei_manager_name
from portal.applications.services import read_capped
from portal.applications.services import summary_fields
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationEvent
from portal.models import ApplicationState
from portal.models import Backend
from portal.models import ImportBatch
from portal.models import ImportStatus
from portal.models import User
from portal.models.base import utcnow

MAX_STORED_ERRORS = 2000


def read_upload(storage) -> bytes:
    """The uploaded bytes, refusing an empty or oversized file."""
    cap = current_app.config.get("IMPORT_MAX_BYTES", importer.MAX_BYTES)
    data = read_capped(storage, cap)
    if data is None:
        raise importer.ImportFileError("取り込むファイルを選んでください。")
    if len(data) > cap:
        raise importer.ImportFileError(f"ファイルが大きすぎます(上限{cap // 1024 // 1024}MB)。")
    if not data.strip():
        raise importer.ImportFileError("ファイルが空です。")
    return data


class HandOverRefused(Exception):
    message = "依頼先の代理人を選び直してください(紐付いている代理人だけを選べます)。"


def create_batch(user, code: str, data: bytes, filename: str, *, valid_only: bool,
                 to_full_width: bool, mark_ready: bool = False,
                 agent_org_id: int | None = None) -> ImportBatch:
    """Store an upload. ``mark_ready`` (filing offices) imports the rows that pass every
    check as ready to send; ``agent_org_id`` (requesters: one of their linked offices)
    hands those rows over to that office (依頼中), the 電子委任状 may follow.

    :raises HandOverRefused: ``agent_org_id`` is not an office the requester may use.
    """
    is_agent = user.organization.kind.is_agent
    if agent_org_id is not None and (is_agent or not requests.may_hand_to(user, agent_org_id)):
        raise HandOverRefused()
    batch = ImportBatch(org_id=user.org_id, user_id=user.id, procedure=code,
                        filename=(filename or "")[:200], size=len(data), content=data,
                        valid_only=valid_only, to_full_width=to_full_width,
                        mark_ready=mark_ready and is_agent, agent_org_id=agent_org_id)
    db.session.add(batch)
    db.session.flush()
    return batch


def runs_as_job(batch: ImportBatch) -> bool:
    return batch.size > current_app.config.get("IMPORT_SYNC_MAX_BYTES", 64 * 1024)


def start(batch: ImportBatch) -> None:
    """Process now (small file) or hand to the job queue (large file)."""
    from jobs import runs

    if runs_as_job(batch):
        # The batch names its run before the job can start (and finish) on a worker.
        run = runs.create("import", org_id=batch.org_id, user_id=batch.user_id)
        batch.job_run_id = run.id
        db.session.commit()
        runs.enqueue(run, "jobs.imports.import_batch", batch.id)
    else:
        run_batch(batch.id)


def run_batch(batch_id: int, progress=None) -> ImportBatch:
    """Check every row of the batch and import as its options say; commit."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status in (ImportStatus.IMPORTED, ImportStatus.FAILED):
        return batch
    batch.status = ImportStatus.RUNNING
    db.session.commit()
    user = db.session.get(User, batch.user_id)
    spec = get_spec(batch.procedure)
    kei_name = kei_manager_name(None, user)
    try:
        table = importer.read_table(batch.content)
        result = importer.check_rows(spec, table, kei_manager_name=kei_name,
                                     full_width=batch.to_full_width, progress=progress)
    except importer.ImportFileError as exc:
        return _finish(batch, ImportStatus.FAILED, message=exc.message)
    if batch.mark_ready and user.organization.kind.is_agent:  # rows filed as they come in
        duplicates.check_rows(user.org_id, spec.code, result.rows, chassis_header(spec))
    _store_errors(batch, result)
    if result.invalid and not batch.valid_only:
        return _finish(batch, ImportStatus.REFUSED)
    message = ""
    if batch.agent_org_id and not requests.may_hand_to(user, batch.agent_org_id):
        batch.agent_org_id = None  # unlinked since the upload: imported as drafts
        message = ("依頼先の代理人との紐付けがなくなったため、"
                   "依頼せずに「作成中」として取り込みました。")
    ids, batch.ready_count = _insert(user, spec, result.valid, batch_id=batch.id,
                                     mark_ready=batch.mark_ready,
                                     agent_org_id=batch.agent_org_id)
    batch.imported = len(ids)
    batch.first_application_id = ids[0] if ids else None
    batch.content = b""
    audit.record("applications_imported", user=user, target=f"import:{batch.id}",
                 procedure=spec.code, rows=len(ids), ready=batch.ready_count,
                 agent=batch.agent_org_id)
    return _finish(batch, ImportStatus.IMPORTED, message=message)


def import_valid_rows(batch: ImportBatch) -> ImportBatch:
    """After a refusal: import the rows that passed, as the user now asks."""
    if batch.status != ImportStatus.REFUSED:
        return batch
    batch.valid_only = True
    batch.status = ImportStatus.PENDING
    db.session.commit()
    return run_batch(batch.id)


def imported_message(batch: ImportBatch) -> str:
    """What the import of the rows without errors did, as the result page counts it."""
    done = f"エラーのない{batch.imported}行を"
    if batch.agent_org_id:
        return done + f"取り込み、うち{batch.ready_count}行を代理人に依頼しました。"
    if batch.mark_ready:
        rest = batch.imported - batch.ready_count
        return done + (f"取り込みました(送信可能 {batch.ready_count}行、作成中 {rest}行)。"
                       if rest else "送信可能として取り込みました。")
    return done + "下書きとして取り込みました。"


def chassis_header(spec) -> str:
    """The import column of the 車台番号 (where a duplicate's message goes)."""
    return next((c.header for c in importer.columns(spec)
                 if (c.section.key, c.spec.key) == ("vehicle", "chassis_no")), "")


def _store_errors(batch: ImportBatch, result) -> None:
    errors = [[row.number, column, message] for row in result.invalid
              for column, message in row.problems]
    batch.total_rows = len(result.rows)
    batch.valid_rows = len(result.valid)
    batch.error_count = len(errors)
    batch.errors = errors[:MAX_STORED_ERRORS]


def _finish(batch: ImportBatch, status: ImportStatus, message: str = "") -> ImportBatch:
    batch.status = status
    batch.message = message
    batch.finished_at = utcnow()
    db.session.commit()
    return batch


def _insert(user, spec, rows, *, batch_id: int, mark_ready: bool,
            agent_org_id: int | None = None, chunk: int = 1000) -> tuple[list[int], int]:
    """Insert one application per row (and one history event each), in chunks, in one
    transaction: drafts; ready to send with ``mark_ready`` unless a file must still be
    attached; or, for a requester, handed over to ``agent_org_id`` (依頼中). Returns the
    ids and how many are ready or handed over."""
    is_agent = user.organization.kind.is_agent
    branch = filing_branch(user) if is_agent else None
    now = utcnow()
    common = {
        "org_id": user.org_id,
        "agent_org_id": user.org_id if is_agent else agent_org_id,
        "requester_org_id": None if is_agent else user.org_id,
        "branch_id": branch.id if branch else None, "procedure": spec.code,
        "backend": Backend(spec.backend),
        "created_by_id": user.id, "updated_by_id": user.id, "created_at": now,
        "updated_at": now, "return_comment": "", "import_batch_id": batch_id,
    }
    connection = db.session.connection()
    ids: list[int] = []
    ready = 0
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        if agent_org_id is not None:
            states = [ApplicationState.REQUESTED] * len(part)
        else:
            states = [ApplicationState.READY if mark_ready and not attachment_pending(row.payload)
                      else ApplicationState.DRAFT for row in part]
        ready += len(part) - states.count(ApplicationState.DRAFT)
        values = [{**common, "state": state, "payload": row.payload, **summary_fields(row.payload)}
                  for row, state in zip(part, states, strict=True)]
        new_ids = _insert_applications(connection, values)
        bulk.insert_rows(connection, ApplicationEvent.__table__, [
            {**event_values(app_id, "imported", from_state=ApplicationState.DRAFT,
                            to_state=state, user=user, row=row.number,
                            **({"agent_org_id": agent_org_id} if agent_org_id else {})),
             "created_at": now}
            for app_id, row, state in zip(new_ids, part, states, strict=True)])
        ids += new_ids
    return ids, ready


NEXT_IDS = sa.text("SELECT nextval(pg_get_serial_sequence('application', 'id')) "
                   "FROM generate_series(1, :n)")


def _insert_applications(connection: sa.Connection, values: list[dict]) -> list[int]:
    """Insert the rows; their ids, in the order of ``values``.

    On PostgreSQL the ids are drawn from the table's sequence first and the rows go in
    as one statement (``portal.bulk``): a multi-row ``INSERT … RETURNING`` has thousands
    of placeholders that psycopg parses again on every execution. SQLite returns the ids
    of a multi-row insert cheaply.
    """
    table = Application.__table__
    if connection.dialect.name != "postgresql":
        return list(connection.execute(
            table.insert().returning(table.c.id, sort_by_parameter_order=True),
            values).scalars())
    ids = sorted(connection.execute(NEXT_IDS, {"n": len(values)}).scalars())
    bulk.insert_rows(connection, table, [{**row, "id": new_id}
                                         for new_id, row in zip(ids, values, strict=True)])
    return ids
