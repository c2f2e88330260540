"""Opening-hours calendars, read from configuration (never written in code).

One ``DailyHours`` shape serves both calendars of ``service_hours.json``:
``service`` (when ossdesk accepts sends) and ``agency`` (when the 運輸支局 and
軽自動車検査協会 review). A calendar opens at ``open`` and closes at ``close``
(Japan time) on the listed weekdays, except on Japanese public holidays when
``public_holidays_closed`` is set and within each yearly closed period.
The file format is documented in docs/hours-and-billing.md.
"""

import threading
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path

import holidays
from portal.clock import as_utc
from portal.config import ConfigError
from portal.datafiles import load_table
from portal.templating import JST

DEFAULT_FILE = Path(__file__).with_name("service_hours.json")
WEEKDAY_LABELS = "月火水木金土日"
_HOLIDAYS = holidays.Japan()
_HOLIDAY_LOCK = threading.Lock()  # the table fills itself per year on first lookup


def is_public_holiday(day: date) -> bool:
    with _HOLIDAY_LOCK:
        return day in _HOLIDAYS


@dataclass(frozen=True)
class ClosedPeriod:
    """A yearly closed period, both ends included; it may run over the new year."""

    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]
    label: str

    def contains(self, day: date) -> bool:
        md = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end

    @property
    def text(self) -> str:
        return f"{self.start[0]}月{self.start[1]}日〜{self.end[0]}月{self.end[1]}日"


@dataclass(frozen=True)
class DailyHours:
    opens: timedelta  # after midnight, Japan time
    closes: timedelta  # up to 24 hours ("24:00": open until midnight)
    weekdays: frozenset[int]  # Monday = 0
    public_holidays_closed: bool
    closed_periods: tuple[ClosedPeriod, ...]

    @property
    def hours_text(self) -> str:
        return f"{_text(self.opens)}〜{_text(self.closes)}"

    @property
    def days_text(self) -> str:
        if self.weekdays == frozenset(range(7)):
            return "毎日"
        if self.weekdays == frozenset(range(5)):
            return "平日"
        return "・".join(WEEKDAY_LABELS[d] for d in sorted(self.weekdays)) + "曜日"

    def describe(self) -> str:
        """Describe the hours, e.g. "平日 8:45〜17:15(日本時間)。祝日…は休みです。"."""
        text = f"{self.days_text} {self.hours_text}(日本時間)。"
        closed = (["祝日"] if self.public_holidays_closed else []) + [
            f"{p.label}({p.text})" for p in self.closed_periods]
        return text + ("、".join(closed) + "は休みです。" if closed else "")

    def closed_period(self, day: date) -> ClosedPeriod | None:
        return next((p for p in self.closed_periods if p.contains(day)), None)

    def is_open_day(self, day: date) -> bool:
        if day.weekday() not in self.weekdays or self.closed_period(day) is not None:
            return False
        return not (self.public_holidays_closed and is_public_holiday(day))

    def _at(self, day: date, offset: timedelta) -> datetime:
        return datetime.combine(day, time(0), tzinfo=JST) + offset

    def is_open(self, moment: datetime) -> bool:
        local = as_utc(moment).astimezone(JST)
        day = local.date()
        return (self.is_open_day(day)
                and self._at(day, self.opens) <= local < self._at(day, self.closes))

    def next_open(self, moment: datetime) -> datetime:
        """The first moment at or after ``moment`` within the hours (aware UTC)."""
        local = as_utc(moment).astimezone(JST)
        day = local.date()
        for _ in range(400):
            if self.is_open_day(day):
                opening, closing = self._at(day, self.opens), self._at(day, self.closes)
                if local < closing:
                    return as_utc(max(local, opening))
            day += timedelta(days=1)
            local = self._at(day, timedelta(0))
        raise ConfigError("the calendar has no open day within 400 days")

    def closing_after(self, moment: datetime) -> datetime:
        """When the open period containing ``moment`` ends (aware UTC)."""
        day = as_utc(moment).astimezone(JST).date()
        return as_utc(self._at(day, self.closes))


def _clock_time(text: str) -> timedelta:
    """ "HH:MM" as the time after midnight; "24:00" is the end of the day."""
    hour, minute = (int(part) for part in text.split(":"))
    if not (0 <= minute < 60 and (0 <= hour < 24 or (hour, minute) == (24, 0))):
        raise ValueError(f"not a time of day: {text!r}")
    return timedelta(hours=hour, minutes=minute)


def _text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def _month_day(text: str) -> tuple[int, int]:
    month, day = (int(part) for part in text.split("-"))
    date(2024, month, day)  # validates (2024 is a leap year, so 02-29 is allowed)
    return month, day


def parse_hours(data: dict) -> DailyHours:
    """Build one calendar from its configuration mapping (see the module docstring)."""
    hours = DailyHours(
        opens=_clock_time(data["open"]),
        closes=_clock_time(data["close"]),
        weekdays=frozenset(int(d) for d in data.get("weekdays", range(7))),
        public_holidays_closed=bool(data.get("public_holidays_closed", False)),
        closed_periods=tuple(
            ClosedPeriod(_month_day(p["from"]), _month_day(p["to"]), p.get("label", "休業期間"))
            for p in data.get("closed_periods", ())),
    )
    if hours.closes <= hours.opens or not hours.weekdays <= set(range(7)):
        raise ConfigError("service hours: close must follow open; weekdays are 0 (Mon) to 6")
    return hours


@dataclass(frozen=True)
class Calendars:
    service: DailyHours
    agency: DailyHours


def _parse(data: dict) -> Calendars:
    return Calendars(service=parse_hours(data["service"]), agency=parse_hours(data["agency"]))


def calendars() -> Calendars:
    """The configured calendars of the current app (``SERVICE_HOURS``)."""
    return load_table("SERVICE_HOURS", DEFAULT_FILE, _parse)
