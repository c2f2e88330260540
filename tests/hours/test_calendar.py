"""Service hours: 7:00–22:00 Japan time every day except 29 December – 3 January."""

import json
from datetime import date

import pytest

from portal.config import ConfigError
from portal.config import load_config
from portal.hours import check_send_window
from portal.hours.calendar import calendars
from portal.hours.calendar import parse_hours
from tests.conftest import make_app
from tests.timekeeping import jst


@pytest.mark.parametrize("moment, is_open", [
    (jst(2026, 6, 10, 6, 59, 59), False),
    (jst(2026, 6, 10, 7, 0, 0), True),
    (jst(2026, 6, 10, 21, 59, 59), True),
    (jst(2026, 6, 10, 22, 0, 0), False),
    (jst(2026, 6, 13, 10, 0), True),   # Saturday
    (jst(2026, 5, 4, 10, 0), True),    # public holiday (みどりの日): ossdesk is open
    (jst(2026, 12, 28, 21, 0), True),
    (jst(2026, 12, 29, 10, 0), False),
    (jst(2026, 12, 31, 12, 0), False),
    (jst(2027, 1, 3, 21, 0), False),
    (jst(2027, 1, 4, 7, 0), True),
])
def test_open_hours(app, moment, is_open):
    window = check_send_window(moment)
    assert window.open is is_open
    assert (window.reason == "") is is_open


def test_before_seven_opens_the_same_morning(app):
    window = check_send_window(jst(2026, 6, 10, 5, 30))
    assert window.next_opening == jst(2026, 6, 10, 7, 0)
    assert window.reason == "送信の受付時間外です(受付時間は毎日 7:00〜22:00、日本時間)。"


def test_after_ten_opens_the_next_morning(app):
    window = check_send_window(jst(2026, 6, 10, 22, 0))
    assert window.next_opening == jst(2026, 6, 11, 7, 0)
    assert "送信の受付時間外です" in window.reason and "7:00〜22:00" in window.reason


def test_year_end_closure_opens_on_4_january(app):
    window = check_send_window(jst(2026, 12, 28, 22, 30))
    assert not window.open
    assert window.next_opening == jst(2027, 1, 4, 7, 0)
    during = check_send_window(jst(2026, 12, 30, 12, 0))
    assert during.reason == "年末年始(12月29日〜1月3日)は送信を受け付けていません。"
    assert during.next_opening == jst(2027, 1, 4, 7, 0)


def test_open_window_reports_now_as_next_opening(app):
    moment = jst(2026, 6, 10, 12, 0)
    assert check_send_window(moment).next_opening == moment


def test_naive_moments_are_utc(app):
    from datetime import datetime

    assert check_send_window(datetime(2026, 6, 9, 22, 0)).open  # 07:00 JST on 10 June
    assert not check_send_window(datetime(2026, 6, 9, 21, 59, 59)).open


def test_descriptions(app):
    assert calendars().service.describe() == (
        "毎日 7:00〜22:00(日本時間)。年末年始(12月29日〜1月3日)は休みです。")
    assert calendars().agency.describe() == (
        "平日 8:45〜17:15(日本時間)。祝日、年末年始(12月29日〜1月3日)は休みです。")


CUSTOM = {
    "service": {"open": "08:00", "close": "20:00", "weekdays": [0, 1, 2, 3, 4, 5],
                "closed_periods": [{"from": "08-13", "to": "08-15", "label": "夏季休業"}]},
    "agency": {"open": "09:00", "close": "17:00", "weekdays": [0, 1, 2, 3, 4],
               "public_holidays_closed": True},
}


def test_calendar_is_configuration(sqlite_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "SERVICE_HOURS": CUSTOM})
    with app.app_context():
        assert not check_send_window(jst(2026, 6, 10, 7, 30)).open
        assert check_send_window(jst(2026, 6, 10, 19, 59)).open
        sunday = check_send_window(jst(2026, 6, 14, 12, 0))
        assert sunday.next_opening == jst(2026, 6, 15, 8, 0)
        summer = check_send_window(jst(2026, 8, 14, 12, 0))
        assert summer.reason == "夏季休業(8月13日〜8月15日)は送信を受け付けていません。"
        assert check_send_window(jst(2026, 12, 30, 12, 0)).open  # no year-end closure here
        assert calendars().service.describe().startswith("月・火・水・木・金・土曜日 8:00〜20:00")


def test_calendar_file_from_the_environment(tmp_path, monkeypatch, sqlite_url):
    path = tmp_path / "hours.json"
    path.write_text(json.dumps(CUSTOM), encoding="utf-8")
    monkeypatch.setenv("OSSDESK_SERVICE_HOURS", str(path))
    assert load_config()["SERVICE_HOURS"] == str(path)
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "SERVICE_HOURS": str(path)})
    with app.app_context():
        assert calendars().service.hours_text == "8:00〜20:00"


@pytest.mark.parametrize("broken", [
    {"open": "22:00", "close": "07:00"},
    {"open": "7時", "close": "22:00"},
    {"open": "07:00", "close": "24:30"},
    {"open": "07:00", "close": "22:00", "weekdays": [7]},
    {"open": "07:00", "close": "22:00", "closed_periods": [{"from": "02-30", "to": "03-01"}]},
    {"close": "22:00"},
])
def test_invalid_calendars_are_refused(sqlite_url, broken):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url,
                    "SERVICE_HOURS": {"service": broken, "agency": CUSTOM["agency"]}})
    with app.app_context(), pytest.raises(ConfigError):
        calendars()


def test_missing_file_is_a_configuration_error(sqlite_url, tmp_path):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url,
                    "SERVICE_HOURS": str(tmp_path / "missing.json")})
    with app.app_context(), pytest.raises(ConfigError, match="cannot read"):
        calendars()


def test_open_until_midnight(sqlite_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url})  # the tests' always-open calendar
    with app.app_context():
        assert calendars().service.hours_text == "0:00〜24:00"
        assert check_send_window(jst(2026, 12, 31, 23, 59, 59)).open
        assert check_send_window(jst(2027, 1, 1, 0, 0)).open


def test_closed_period_over_the_new_year():
    hours = parse_hours({"open": "07:00", "close": "22:00",
                         "closed_periods": [{"from": "12-29", "to": "01-03"}]})
    assert [hours.is_open_day(date(2026, 12, d)) for d in (28, 29, 31)] == [True, False, False]
    assert [hours.is_open_day(date(2027, 1, d)) for d in (1, 3, 4)] == [False, False, True]
