"""Statements for admins (own organisation) and the association's overview and debit file."""

from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from portal import audit
from portal.access import policy
from portal.billing import bp
from portal.billing import exports
from portal.billing import months
from portal.billing import statements as svc
from portal.billing.close import close_ended_months
from portal.extensions import db
from portal.models import Statement
from portal.tenancy import get_or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/statements")
@policy("admin", agent_only=True)
def statements():
    return render_template("billing/statements.html", statements=svc.own_statements(),
                           open_usage=svc.open_usage())


@bp.get("/statements/<int:statement_id>")
@policy("admin", "association")
def statement(statement_id):
    row = get_or_404(Statement, statement_id)
    page = svc.line_page(row, request.args.get("page", 1, type=int))
    return render_template("billing/statement.html", statement=row, lines=page.items,
                           page=page, subtotals=svc.subtotals(row))


PRINTED_LINES_MAX = 500  # a longer statement prints its subtotals; the lines are in the files


@bp.get("/statements/<int:statement_id>/print")
@policy("admin", "association")
def statement_print(statement_id):
    row = get_or_404(Statement, statement_id)
    lines = svc.lines_of(row) if row.item_count <= PRINTED_LINES_MAX else None
    return render_template("billing/statement_print.html", statement=row, lines=lines,
                           subtotals=svc.subtotals(row))


def _filename(row: Statement, ext: str) -> str:
    return f"ossdesk_statement_{row.month}_{row.org_id}.{ext}"


@bp.get("/statements/<int:statement_id>/csv")
@policy("admin", "association")
def statement_csv(statement_id):
    row = get_or_404(Statement, statement_id)
    return _download(exports.statement_csv(row), "text/csv", _filename(row, "csv"))


@bp.get("/statements/<int:statement_id>/xlsx")
@policy("admin", "association")
def statement_xlsx(statement_id):
    row = get_or_404(Statement, statement_id)
    return _download(exports.statement_xlsx(row), XLSX, _filename(row, "xlsx"))


def _month_arg() -> str | None:
    month = request.args.get("month", "")
    return month if months.parse(month) else None


@bp.get("/overview")
@policy("association")
def overview():
    month = _month_arg()
    return render_template("billing/overview.html", totals=svc.monthly_totals(),
                           open_usage=svc.open_usage(), month=month,
                           statements=svc.statements_of_month(month) if month else [])


@bp.get("/debit.csv")
@policy("association")
def debit_file():
    month = _month_arg() or abort(404)
    rows = [s for s in svc.statements_of_month(month) if s.total > 0]
    audit.record("billing_debit_exported", target=f"billing:{month}", organisations=len(rows))
    db.session.commit()
    return _download(exports.debit_csv(rows), "text/csv",
                     f"ossdesk_debit_{month}.csv")


@bp.post("/close")
@policy("association")
def close():
    made = close_ended_months()
    audit.record("billing_closed", target="billing", statements=len(made))
    db.session.commit()
    flash(f"締め処理を行いました(新しい明細 {len(made)}件)。", "success")
    return redirect(url_for("billing.overview"))
