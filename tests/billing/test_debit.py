"""The debit date: the 27th of the next month, or the next bank business day.

Checked against the national holidays of 2026 and 2027 as published by the
Cabinet Office (内閣府「国民の祝日について」), written here as plain data, and
the banks' year-end holidays (31 December – 3 January).
"""

from datetime import date
from datetime import timedelta

import pytest
from click.testing import CliRunner

from portal.billing.debit import debit_date
from portal.billing.debit import is_bank_business_day
from portal.billing.debit import next_bank_business_day
from tests.conftest import make_app

CABINET_OFFICE_HOLIDAYS = {
    # 2026 (令和8年)
    date(2026, 1, 1), date(2026, 1, 12), date(2026, 2, 11), date(2026, 2, 23),
    date(2026, 3, 20), date(2026, 4, 29), date(2026, 5, 3), date(2026, 5, 4),
    date(2026, 5, 5), date(2026, 5, 6), date(2026, 7, 20), date(2026, 8, 11),
    date(2026, 9, 21), date(2026, 9, 22), date(2026, 9, 23), date(2026, 10, 12),
    date(2026, 11, 3), date(2026, 11, 23),
    # 2027 (令和9年)
    date(2027, 1, 1), date(2027, 1, 11), date(2027, 2, 11), date(2027, 2, 23),
    date(2027, 3, 21), date(2027, 3, 22), date(2027, 4, 29), date(2027, 5, 3),
    date(2027, 5, 4), date(2027, 5, 5), date(2027, 7, 19), date(2027, 8, 11),
    date(2027, 9, 20), date(2027, 9, 23), date(2027, 10, 11), date(2027, 11, 3),
    date(2027, 11, 23),
}


def bank_holiday(day: date) -> bool:
    return (day.month, day.day) in ((12, 31), (1, 1), (1, 2), (1, 3))


def business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in CABINET_OFFICE_HOLIDAYS and not bank_holiday(day)


# statement month -> debit date, worked out by hand from the calendar above
EXPECTED = {
    "2025-12": date(2026, 1, 27), "2026-01": date(2026, 2, 27), "2026-02": date(2026, 3, 27),
    "2026-03": date(2026, 4, 27), "2026-04": date(2026, 5, 27), "2026-05": date(2026, 6, 29),
    "2026-06": date(2026, 7, 27), "2026-07": date(2026, 8, 27), "2026-08": date(2026, 9, 28),
    "2026-09": date(2026, 10, 27), "2026-10": date(2026, 11, 27), "2026-11": date(2026, 12, 28),
    "2026-12": date(2027, 1, 27), "2027-01": date(2027, 3, 1), "2027-02": date(2027, 3, 29),
    "2027-03": date(2027, 4, 27), "2027-04": date(2027, 5, 27), "2027-05": date(2027, 6, 28),
    "2027-06": date(2027, 7, 27), "2027-07": date(2027, 8, 27), "2027-08": date(2027, 9, 27),
    "2027-09": date(2027, 10, 27), "2027-10": date(2027, 11, 29), "2027-11": date(2027, 12, 27),
}


def test_expected_dates_agree_with_the_published_calendar():
    for month, debit in EXPECTED.items():
        year, number = int(month[:4]), int(month[5:])
        planned = date(year + number // 12, number % 12 + 1, 27)
        assert business_day(debit) and planned <= debit
        assert not any(business_day(planned + timedelta(days=i))
                       for i in range((debit - planned).days))


@pytest.mark.parametrize("month", sorted(EXPECTED))
def test_debit_date_for_every_month_of_2026_and_2027(app, month):
    assert debit_date(month) == EXPECTED[month]


def test_bank_business_days_match_the_published_calendar_every_day():
    day = date(2026, 1, 1)
    while day <= date(2027, 12, 31):
        assert is_bank_business_day(day) is business_day(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize("day, expected", [
    (date(2026, 9, 21), date(2026, 9, 24)),   # Silver Week 2026
    (date(2026, 5, 2), date(2026, 5, 7)),     # Golden Week 2026
    (date(2026, 12, 31), date(2027, 1, 4)),   # bank holidays over the new year
    (date(2027, 3, 20), date(2027, 3, 23)),   # 春分の日 on a Sunday, 振替休日 on Monday
    (date(2026, 2, 27), date(2026, 2, 27)),
])
def test_next_business_day(day, expected):
    assert next_bank_business_day(day) == expected


def test_debit_day_is_configuration(sqlite_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url,
                    "BILLING": {"prices": [{"valid_from": "2000-01-01", "unit_price": 45}],
                                "debit_day": 21}})
    with app.app_context():
        assert debit_date("2026-08") == date(2026, 9, 24)
        assert debit_date("2027-03") == date(2027, 4, 21)


def test_debit_date_command(app):
    runner = CliRunner()
    from portal.billing.cli import billing

    result = runner.invoke(billing, ["debit-date", "2027-01"], obj=_script_info(app))
    assert result.output.strip() == "2027-03-01"
    bad = runner.invoke(billing, ["debit-date", "2027-13"], obj=_script_info(app))
    assert bad.exit_code != 0


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)
