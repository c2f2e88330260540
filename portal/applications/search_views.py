"""申請データ検索 pages: the list, its one live poll and its exports.

Staff use the routes under /applications, admins (read-only, never filing)
the same pages under /admin/applications; each pair shares one body.
"""

from flask import Response
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import stream_with_context
from flask import url_for
from flask_login import current_user

from forms import specs
from portal.access import policy
from portal.applications import bp
from portal.applications import exports
from portal.applications import flags as flag_rules
from portal.applications import live
from portal.applications import search
from portal.applications import search_form
from portal.auth.services import passive
from portal.htmx import HTMX_STOP_POLLING
from portal.models.base import utcnow
from portal.templating import jst

SEND_ENDPOINT = "submissions.send"
PAGES = ("index", "show", "rows", "export_csv", "export_xlsx", "status_part", "summary_part")


def endpoints() -> dict[str, str]:
    """The current user's endpoint for each list/detail page (admins: the /admin ones)."""
    prefix = "applications.admin_" if current_user.is_admin else "applications."
    return {name: prefix + name for name in PAGES}


@bp.get("/applications")
@policy("staff")
def index():
    return _render_index()


@bp.get("/admin/applications")
@policy("admin")
def admin_index():
    """Admins follow their organisation's applications read-only (they never file)."""
    return _render_index()


@bp.get("/applications/rows")
@passive
@policy("staff")
def rows():
    return _rows()


@bp.get("/admin/applications/rows")
@passive
@policy("admin")
def admin_rows():
    return _rows()


@bp.get("/applications/export.csv")
@policy("staff")
def export_csv():
    return _csv()


@bp.get("/admin/applications/export.csv")
@policy("admin")
def admin_export_csv():
    return _csv()


@bp.get("/applications/export.xlsx")
@policy("staff")
def export_xlsx():
    return _xlsx()


@bp.get("/admin/applications/export.xlsx")
@policy("admin")
def admin_export_xlsx():
    return _xlsx()


def _rows():
    """The one poll of a list page: 204 while its live rows are unchanged."""
    ids = live.parse_ids(request.args.get("ids", ""))
    if live.current_version(ids) == request.args.get("v", ""):
        return Response(status=204)
    items = search.load_rows(ids)
    still = [a for a in items if live.app_is_live(a)]
    html = render_template("applications/_rows_update.html", items=items,
                           **_poll_context(still), **_row_context(request.args.get("backend", "")))
    return html, 200 if still else HTMX_STOP_POLLING


def _filename(ext: str) -> str:
    return f"applications-{jst(utcnow(), '%Y%m%d-%H%M')}.{ext}"


def _csv():
    _, criteria = search_form.bind(current_user, request.args)
    return Response(stream_with_context(exports.csv_chunks(current_user, criteria)),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={_filename('csv')}"})


def _xlsx():
    _, criteria = search_form.bind(current_user, request.args)
    found = search.count(current_user, criteria)
    if found > exports.XLSX_MAX_ROWS:
        flash(exports.XLSX_TOO_MANY.format(limit=exports.XLSX_MAX_ROWS, count=found), "error")
        return redirect(url_for(endpoints()["index"], **request.args.to_dict()))
    return send_file(exports.xlsx_file(current_user, criteria), mimetype=exports.XLSX_MIME,
                     as_attachment=True, download_name=_filename("xlsx"))


def _row_context(backend: str) -> dict:
    """What a row needs besides the application (same for the page and the poll)."""
    return {"flag_columns": flag_rules.columns(backend), "flag_cells": flag_rules.cells,
            "specs_get": specs.get,
            "endpoints": endpoints(), "selectable": _can_send(),
            "is_agent": current_user.organization.kind.is_agent, "is_live": live.app_is_live,
            "backend": backend}


def _poll_context(live_items: list) -> dict:
    return {"ids": sorted(a.id for a in live_items), "version": live.rows_version(live_items),
            "poll_seconds": live.POLL_SECONDS}


def _can_send() -> bool:
    """Staff of an agent select rows to send, once the send endpoint exists."""
    return (current_user.is_staff and current_user.organization.kind.is_agent
            and SEND_ENDPOINT in current_app.view_functions)


def _render_index():
    form, criteria = search_form.bind(current_user, request.args)
    page = search.search(current_user, criteria)
    query = request.args.to_dict()
    export_args = {k: v for k, v in query.items() if k != "page"}
    unbatched = {k: v for k, v in export_args.items() if k != "import_batch"}
    matching_ready, top, limit = 0, 0, 0
    if _can_send():  # 「この条件の申請準備完了をすべて送信」
        from portal.submissions.services import ready_span
        from portal.submissions.services import send_limit

        matching_ready, top = ready_span(current_user, search.conditions(current_user, criteria))
        limit = send_limit()
    return render_template(
        "applications/index.html", form=form, criteria=criteria, page=page,
        matching_ready=matching_ready, matching_top=top, send_limit=limit, unbatched=unbatched,
        xlsx_max=exports.XLSX_MAX_ROWS,
        sort_labels=search_form.SORT_LABELS, send_endpoint=SEND_ENDPOINT, query=query,
        export_args=export_args, **_poll_context([a for a in page.items if live.app_is_live(a)]),
        **_row_context(criteria.backend))
