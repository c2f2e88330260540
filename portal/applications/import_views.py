"""一括取込 pages: templates, upload, result with per-row messages, progress."""

from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from forms import import_templates
from forms import importer
from portal.access import policy
from portal.applications import bp
from portal.applications import imports
from portal.applications import requests as req
from portal.applications import services as svc
from portal.auth.services import passive
from portal.extensions import db
from portal.models import ImportBatch
from portal.models import JobRun
from portal.tenancy import get_or_404

TEMPLATE_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/applications/import")
@policy("staff")
def import_form():
    if not request.args.get("procedure"):  # reached without choosing: the selector
        return redirect(url_for("main.procedures"))
    return _render_form(svc.spec_or_404(request.args.get("procedure", "")))


def _render_form(spec, status: int = 200, *, file_error: str = "", error: str = ""):
    """The upload form; after a refusal, its message where it belongs and the options as
    they were chosen (a file input cannot be refilled)."""
    agents = [] if current_user.organization.kind.is_agent else req.linked_agents(current_user)
    return render_template("applications/import.html", spec=spec, agents=agents,
                           columns=importer.columns(spec), chosen=request.form,
                           file_error=file_error, error=error), status


@bp.get("/applications/import/template")
@policy("staff")
def import_template():
    spec = svc.spec_or_404(request.args.get("procedure", ""))
    fmt = request.args.get("format", "")
    if fmt not in TEMPLATE_TYPES:
        abort(404)
    body = import_templates.as_csv(spec) if fmt == "csv" else import_templates.as_xlsx(spec)
    filename = f"ossdesk_{spec.code}.{fmt}"
    return Response(body, mimetype=TEMPLATE_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/applications/import")
@policy("staff")
def import_upload():
    spec = svc.spec_or_404(request.args.get("procedure", ""))
    storage = request.files.get("file")
    try:
        data = imports.read_upload(storage)
    except importer.ImportFileError as exc:
        return _render_form(spec, 422, file_error=exc.message)
    try:
        batch = imports.create_batch(current_user, spec.code, data, storage.filename,
                                     valid_only=bool(request.form.get("valid_only")),
                                     to_full_width=bool(request.form.get("to_full_width")),
                                     mark_ready=bool(request.form.get("mark_ready")),
                                     agent_org_id=request.form.get("agent_org_id", type=int)
                                     or None)
    except imports.HandOverRefused as exc:
        db.session.rollback()
        return _render_form(spec, 422, error=exc.message)
    imports.start(batch)
    return redirect(url_for("applications.import_result", batch_id=batch.id))


@bp.get("/applications/imports/<int:batch_id>")
@policy("staff")
def import_result(batch_id: int):
    batch = get_or_404(ImportBatch, batch_id)
    return render_template("applications/import_result.html", batch=batch,
                           spec=svc.spec_or_404(batch.procedure), run=_run(batch))


@bp.get("/applications/imports/<int:batch_id>/status")
@passive
@policy("staff")
def import_status(batch_id: int):
    batch = get_or_404(ImportBatch, batch_id)
    return render_template("applications/_import_status.html", batch=batch, run=_run(batch))


@bp.post("/applications/imports/<int:batch_id>/valid-rows")
@policy("staff")
def import_valid_rows(batch_id: int):
    batch = imports.import_valid_rows(get_or_404(ImportBatch, batch_id))
    flash(imports.imported_message(batch), "success")
    return redirect(url_for("applications.import_result", batch_id=batch.id))


def _run(batch: ImportBatch):
    return get_or_404(JobRun, batch.job_run_id) if batch.job_run_id else None
