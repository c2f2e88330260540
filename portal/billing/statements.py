"""Reading statements: lines, open usage, totals per month, debit rows.

Queries run through the tenant scope: an admin sees its own organisation's
rows only; association staff see every organisation.
"""

from dataclasses import dataclass
from datetime import date
from datetime import datetime

import sqlalchemy as sa

from forms.catalogue import BY_CODE
from portal.extensions import db
from portal.models import BillingRecord
from portal.models import Statement


@dataclass(frozen=True)
class Line:
    receipt_number: str
    procedure: str  # Japanese name
    backend: str    # Japanese label
    completed_at: datetime  # naive UTC
    amount: int
    earlier_month: str  # completion month when it came after its own month's close, else ""


def procedure_name(code: str) -> str:
    procedure = BY_CODE.get(code)
    return procedure.name if procedure else code


def _backend_label(backend) -> str:
    return "軽自動車" if backend.value == "kei" else "登録車"


def _line(statement: Statement, r: BillingRecord) -> Line:
    return Line(receipt_number=r.receipt_number or "—", procedure=procedure_name(r.procedure),
                backend=_backend_label(r.backend), completed_at=r.completed_at,
                amount=r.unit_price, earlier_month=r.month if r.month != statement.month else "")


def lines_of(statement: Statement) -> list[Line]:
    return [_line(statement, r) for r in statement.records]


def line_page(statement: Statement, page: int, per_page: int = 200):
    """One page of the statement's lines, in the statement's order (``.items`` are Lines)."""
    result = db.paginate(sa.select(BillingRecord)
                         .where(BillingRecord.statement_id == statement.id)
                         .order_by(BillingRecord.completed_at, BillingRecord.id),
                         page=page, per_page=per_page, error_out=False)
    result.items = [_line(statement, r) for r in result.items]
    return result


@dataclass(frozen=True)
class Subtotal:
    procedure: str  # Japanese name
    backend: str    # Japanese label
    count: int
    amount: int


def subtotals(statement: Statement) -> list[Subtotal]:
    """Count and amount per procedure and back-end (one GROUP BY), registered vehicles first."""
    rows = db.session.execute(
        sa.select(BillingRecord.backend, BillingRecord.procedure, sa.func.count(),
                  sa.func.sum(BillingRecord.unit_price))
        .where(BillingRecord.statement_id == statement.id)
        .group_by(BillingRecord.backend, BillingRecord.procedure)).all()
    order = list(BY_CODE)
    rows.sort(key=lambda r: (r[0].value == "kei", order.index(r[1]) if r[1] in order else 99))
    return [Subtotal(procedure_name(code), _backend_label(backend), count, int(amount or 0))
            for backend, code, count, amount in rows]


def own_statements() -> list[Statement]:
    return list(db.session.scalars(sa.select(Statement).order_by(Statement.month.desc())))


@dataclass(frozen=True)
class MonthTotal:
    month: str
    organisations: int
    items: int
    total: int
    debit_date: date | None


def open_usage() -> list[MonthTotal]:
    """Usage not closed yet, per completion month (the current month, or late reports)."""
    rows = db.session.execute(
        sa.select(BillingRecord.month, sa.func.count(sa.distinct(BillingRecord.org_id)),
                  sa.func.count(), sa.func.sum(BillingRecord.unit_price))
        .where(BillingRecord.statement_id.is_(None))
        .group_by(BillingRecord.month).order_by(BillingRecord.month.desc())).all()
    return [MonthTotal(m, orgs, n, int(total or 0), None) for m, orgs, n, total in rows]


def monthly_totals() -> list[MonthTotal]:
    """Closed statements per month: organisations, applications, amount, debit date."""
    rows = db.session.execute(
        sa.select(Statement.month, sa.func.count(), sa.func.sum(Statement.item_count),
                  sa.func.sum(Statement.total), sa.func.min(Statement.debit_date))
        .group_by(Statement.month).order_by(Statement.month.desc())).all()
    return [MonthTotal(m, orgs, int(n or 0), int(total or 0), debit)
            for m, orgs, n, total, debit in rows]


def statements_of_month(month: str) -> list[Statement]:
    return list(db.session.scalars(
        sa.select(Statement).where(Statement.month == month).order_by(Statement.org_id)))
