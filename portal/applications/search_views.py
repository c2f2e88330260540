"""申請データ検索 pages: the list (staff and admins), its live rows and its exports."""

from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask import send_file
from flask import stream_with_context
from flask_login import current_user

from forms import specs
from portal.access import policy
from portal.applications import bp
from portal.applications import exports
from portal.applications import flags as flag_rules
from portal.applications import live
from portal.applications import search
from portal.applications import search_form
from portal.htmx import HTMX_STOP_POLLING
from portal.models.base import utcnow
from portal.templating import jst

SEND_ENDPOINT = "submissions.send"


@bp.get("/applications")
@policy("staff")
def index():
    return _render_index("applications.index")


@bp.get("/admin/applications")
@policy("admin")
def admin_index():
    """Admins follow their organisation's applications read-only (they never file)."""
    return _render_index("applications.admin_index")


@bp.get("/applications/rows")
@policy("staff", "admin")
def rows():
    """The one poll of a list page: 204 while its live rows are unchanged."""
    current = live.current_rows(live.parse_ids(request.args.get("ids", "")))
    if live.rows_version(current) == request.args.get("v", ""):
        return Response(status=204)
    items = search.load_rows([r.id for r in current])
    still = [a for a in items if live.app_is_live(a)]
    html = render_template("applications/_rows_update.html", items=items,
                           **_poll_context(still), **_row_context(request.args.get("backend", "")))
    return html, 200 if still else HTMX_STOP_POLLING


@bp.get("/applications/export.<any(csv, xlsx):fmt>")
@policy("staff", "admin")
def export(fmt: str):
    _, criteria = search_form.bind(current_user, request.args)
    stamp = jst(utcnow(), "%Y%m%d-%H%M")
    if fmt == "csv":
        return Response(stream_with_context(exports.csv_chunks(current_user, criteria)),
                        mimetype="text/csv; charset=utf-8", headers={
                            "Content-Disposition": f"attachment; filename=applications-{stamp}.csv"})
    return send_file(exports.xlsx_file(current_user, criteria), mimetype=exports.XLSX_MIME,
                     as_attachment=True, download_name=f"applications-{stamp}.xlsx")


def _row_context(backend: str) -> dict:
    """What a row needs besides the application (same for the page and the poll)."""
    is_admin = current_user.is_admin
    return {"flag_columns": flag_rules.columns(backend), "flag_cells": flag_rules.cells,
            "specs_get": specs.get,
            "show_endpoint": "applications.admin_show" if is_admin else "applications.show",
            "selectable": _can_send(), "is_agent": current_user.organization.kind.is_agent,
            "is_live": live.app_is_live, "backend": backend}


def _poll_context(live_items: list) -> dict:
    return {"ids": [a.id for a in live_items], "version": live.rows_version(live_items),
            "poll_seconds": live.POLL_SECONDS}


def _can_send() -> bool:
    """Staff of an agent select rows to send, once the send endpoint exists."""
    return (current_user.is_staff and current_user.organization.kind.is_agent
            and SEND_ENDPOINT in current_app.view_functions)


def _render_index(endpoint: str):
    form, criteria = search_form.bind(current_user, request.args)
    page = search.search(current_user, criteria)
    query = request.args.to_dict()
    export_args = {k: v for k, v in query.items() if k != "page"}
    return render_template(
        "applications/index.html", form=form, criteria=criteria, page=page, endpoint=endpoint,
        sort_labels=search_form.SORT_LABELS, send_endpoint=SEND_ENDPOINT, query=query,
        export_args=export_args, **_poll_context([a for a in page.items if live.app_is_live(a)]),
        **_row_context(criteria.backend))
