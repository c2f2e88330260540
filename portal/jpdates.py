"""Japanese date display: "2027年1月4日(月) 7:00", "2026年2月27日(金)"."""

from datetime import date
from datetime import datetime

from portal.clock import as_utc
from portal.templating import JST

WEEKDAYS = "月火水木金土日"


def jp_date(value: date | None) -> str:
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日({WEEKDAYS[value.weekday()]})"


def jst_long(value: datetime | None) -> str:
    """A moment (aware, or naive UTC) in Japan time with its weekday."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(JST)
    return f"{jp_date(local.date())} {local.hour}:{local.minute:02d}"
