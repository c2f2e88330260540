"""The simulator's clock: agency hours in realistic mode, seconds in fast mode.

Review only happens on weekdays 8:45–17:15 JST, except national holidays and
the year-end closure of government offices (29 December to 3 January).
"""

import threading
import time
from datetime import date
from datetime import datetime
from datetime import time as dtime
from datetime import timedelta
from datetime import timezone

import holidays

JST = timezone(timedelta(hours=9), "JST")
OPEN = dtime(8, 45)
CLOSE = dtime(17, 15)
_HOLIDAYS = holidays.Japan()
_LOCK = threading.Lock()


def is_agency_day(day: date) -> bool:
    if day.weekday() >= 5:
        return False
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return False
    with _LOCK:  # the holiday table fills itself per year on first lookup
        return day not in _HOLIDAYS


def _at(day: date, moment: dtime) -> datetime:
    return datetime.combine(day, moment, tzinfo=JST)


def add_agency_time(start: datetime, seconds: float) -> datetime:
    """The moment ``seconds`` of agency working time after ``start``."""
    current = start.astimezone(JST)
    remaining = timedelta(seconds=seconds)
    while True:
        day = current.date()
        if not is_agency_day(day) or current >= _at(day, CLOSE):
            current = _at(day + timedelta(days=1), OPEN)
            continue
        current = max(current, _at(day, OPEN))
        available = _at(day, CLOSE) - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        current = _at(day + timedelta(days=1), OPEN)


def is_agency_hours(moment: datetime) -> bool:
    local = moment.astimezone(JST)
    day = local.date()
    return is_agency_day(day) and _at(day, OPEN) <= local < _at(day, CLOSE)


class Clock:
    """Wall time plus an adjustable offset (tests jump forward with ``advance``)."""

    def __init__(self, realistic: bool):
        self.realistic = realistic
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def after(self, start: float, seconds: float) -> float:
        """When work of ``seconds`` started at ``start`` is done (agency hours if realistic)."""
        if not self.realistic:
            return start + seconds
        begin = datetime.fromtimestamp(start, JST)
        return add_agency_time(begin, seconds).timestamp()


def iso(ts: float | None) -> str | None:
    """An epoch timestamp as ISO 8601 in JST."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, JST).isoformat(timespec="seconds")
