"""Agency hours: weekdays 8:45–17:15 JST, no holidays, no year-end closure."""

import time
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
import requests

from oss.simulator.clock import JST
from oss.simulator.clock import Clock
from oss.simulator.clock import add_agency_time
from oss.simulator.clock import is_agency_day
from oss.simulator.clock import is_agency_hours
from oss.simulator.config import SimConfig
from oss.simulator.config import parse_args
from tests.oss import specs


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


@pytest.mark.parametrize("day,open_", [
    (date(2026, 11, 25), True),    # Wednesday
    (date(2026, 11, 28), False),   # Saturday
    (date(2026, 11, 23), False),   # 勤労感謝の日 (Monday)
    (date(2026, 9, 22), False),    # 国民の休日
    (date(2026, 12, 29), False),   # year-end closure
    (date(2027, 1, 4), True),      # first working day of the year
])
def test_agency_days(day, open_):
    assert is_agency_day(day) is open_


def test_work_within_one_day():
    assert add_agency_time(jst(2026, 11, 25, 9, 0), 3600) == jst(2026, 11, 25, 10, 0)


def test_work_before_opening_starts_at_845():
    assert add_agency_time(jst(2026, 11, 25, 6, 0), 600) == jst(2026, 11, 25, 8, 55)


def test_work_carries_over_the_night_and_the_weekend():
    # Friday 17:00 + 30 minutes: 15 minutes on Friday, 15 on Monday from 8:45.
    assert add_agency_time(jst(2026, 11, 27, 17, 0), 1800) == jst(2026, 11, 30, 9, 0)


def test_submitted_on_a_holiday_weekend():
    # Saturday 21 Nov 2026, Monday 23 Nov is a holiday: work starts Tuesday 8:45.
    assert add_agency_time(jst(2026, 11, 21, 12, 0), 300) == jst(2026, 11, 24, 8, 50)


def test_year_end_closure():
    assert add_agency_time(jst(2026, 12, 28, 17, 10), 600) == jst(2027, 1, 4, 8, 50)


def test_hours_check():
    assert is_agency_hours(jst(2026, 11, 25, 8, 45))
    assert not is_agency_hours(jst(2026, 11, 25, 17, 15))
    assert not is_agency_hours(jst(2026, 11, 28, 10, 0))


def test_fast_clock_ignores_hours():
    clock = Clock(realistic=False)
    assert clock.after(100.0, 5) == 105.0
    clock.advance(10)
    assert clock.now() > 0


def test_realistic_mode_schedules_review_in_agency_hours(make_simulator, sign):
    simulator = make_simulator(mode="realistic")
    # A Saturday from now on (the signing certificate is valid from today), whose Monday is a
    # working day: a fixed date would go stale once the calendar passed it.
    day = datetime.now(JST).date() + timedelta(days=1)
    while day.weekday() != 5 or not is_agency_day(day + timedelta(days=2)):
        day += timedelta(days=1)
    monday = day + timedelta(days=2)
    simulator.sim.clock.offset = jst(day.year, day.month, day.day, 10, 0).timestamp() - time.time()
    mlit = simulator.client()
    signed = sign(specs.KEIZOKU)
    arrival = mlit.submit(signed.data, idempotency_key=signed.key).arrival_number
    status = mlit.status(arrival)
    assert status.status == "到達"
    body = requests.get(f"{simulator.url}/mlit/applications/{arrival}").json()
    assert body["next_step_at"] == f"{monday.isoformat()}T08:50:00+09:00"
    simulator.advance(2 * 86400)  # Monday 10:00
    assert mlit.status(arrival).status == "受付審査中"


def test_command_line_options(tmp_path):
    args, cfg = parse_args(["--port", "6001", "--db", str(tmp_path / "s.db"), "--mode",
                            "realistic", "--latency-ms", "5-20", "--error-rate", "0.2",
                            "--timeout-rate", "0.1", "--error-phase", "mixed", "--no-auto-pay"])
    assert args.port == 6001 and cfg.mode == "realistic" and not cfg.fast
    assert cfg.faults.latency_ms == (5, 20) and cfg.faults.error_phase == "mixed"
    assert cfg.auto_pay_on is False and cfg.db_path == tmp_path / "s.db"
    assert SimConfig().auto_pay_on is True
