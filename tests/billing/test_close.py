"""The monthly close at month end (Japan time)."""

from datetime import date

import sqlalchemy as sa

from portal.billing.close import close_ended_months
from portal.billing.close import run_close
from portal.extensions import db
from portal.models import Backend
from portal.models import BillingRecord
from portal.models import Statement
from tests.billing.helpers import bill
from tests.timekeeping import jst


def _statements():
    db.session.rollback()
    return db.session.scalars(sa.select(Statement).order_by(Statement.org_id, Statement.month)).all()


def test_last_second_of_the_month_is_on_that_months_statement(app, tenants, make_application,
                                                             set_clock):
    a = tenants["a"]
    bill(make_application, a, jst(2026, 1, 31, 23, 59, 59), receipt="R-JAN")
    bill(make_application, a, jst(2026, 2, 1, 0, 0, 0), receipt="R-FEB")
    set_clock(jst(2026, 1, 31, 23, 59, 59))
    assert close_ended_months() == []  # January has not ended
    set_clock(jst(2026, 2, 1, 0, 5))
    assert run_close() == 1
    [january] = _statements()
    assert (january.month, january.item_count, january.total, january.debit_date) == (
        "2026-01", 1, 45, date(2026, 2, 27))
    assert [r.receipt_number for r in january.records] == ["R-JAN"]


def test_close_is_idempotent(app, tenants, make_application, set_clock):
    bill(make_application, tenants["a"], jst(2026, 3, 5, 10, 0))
    set_clock(jst(2026, 4, 1, 0, 5))
    assert run_close() == 1
    assert run_close() == 0
    assert len(_statements()) == 1


def test_one_statement_per_organisation_with_kei_and_registered(app, tenants, make_application,
                                                                set_clock):
    a, b = tenants["a"], tenants["b"]
    bill(make_application, a, jst(2026, 5, 1, 9, 0), procedure="keizoku")
    bill(make_application, a, jst(2026, 5, 2, 9, 0), procedure="kei_keizoku",
         backend=Backend.KEI)
    bill(make_application, a, jst(2026, 5, 3, 9, 0), requester=tenants["r"])
    bill(make_application, b, jst(2026, 5, 31, 23, 0), procedure="kei_shinsha_shinki",
         backend=Backend.KEI)
    set_clock(jst(2026, 6, 1, 0, 5))
    run_close()
    statements = _statements()
    assert [(s.org_id, s.month, s.item_count, s.total) for s in statements] == [
        (a.id, "2026-05", 3, 135), (b.id, "2026-05", 1, 45)]
    assert statements[0].debit_date == date(2026, 6, 29)  # 27 June 2026 is a Saturday


def test_month_without_usage_makes_no_statement(app, tenants, make_application, set_clock):
    bill(make_application, tenants["a"], jst(2026, 6, 15, 9, 0))
    bill(make_application, tenants["a"], jst(2026, 8, 3, 9, 0))
    set_clock(jst(2026, 9, 1, 0, 5))
    run_close()
    assert [s.month for s in _statements()] == ["2026-06", "2026-08"]  # July had no usage


def test_missed_closes_catch_up_month_by_month(app, tenants, make_application, set_clock):
    for month in (1, 2, 3):
        bill(make_application, tenants["a"], jst(2026, month, 10, 9, 0))
    set_clock(jst(2026, 4, 2, 9, 0))  # the close did not run for three months
    assert run_close() == 3
    assert [(s.month, s.item_count, s.debit_date) for s in _statements()] == [
        ("2026-01", 1, date(2026, 2, 27)), ("2026-02", 1, date(2026, 3, 27)),
        ("2026-03", 1, date(2026, 4, 27))]


def test_late_report_goes_on_the_next_statement(app, tenants, make_application, set_clock):
    bill(make_application, tenants["a"], jst(2026, 1, 20, 9, 0))
    set_clock(jst(2026, 2, 1, 0, 5))
    run_close()
    # OSS completed one at 23:59:59 on 31 January, but the report came after the close.
    late = bill(make_application, tenants["a"], jst(2026, 1, 31, 23, 59, 59), receipt="R-LATE")
    assert late.month == "2026-01"
    set_clock(jst(2026, 2, 20, 9, 0))
    assert run_close() == 0  # February has not ended: the late one waits
    set_clock(jst(2026, 3, 1, 0, 5))
    run_close()
    january, february = _statements()
    assert (january.item_count, february.item_count, february.total) == (1, 1, 45)
    assert [r.receipt_number for r in february.records] == ["R-LATE"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BillingRecord)
                             .where(BillingRecord.statement_id.is_(None))) == 0


def test_close_command(app, tenants, make_application, set_clock):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from portal.billing.cli import billing

    bill(make_application, tenants["a"], jst(2026, 3, 5, 10, 0))
    set_clock(jst(2026, 4, 1, 0, 5))
    result = CliRunner().invoke(billing, ["close"], obj=ScriptInfo(create_app=lambda: app))
    assert result.output.strip() == "1 statements made"
