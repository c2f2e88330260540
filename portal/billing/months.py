"""Billing months: "YYYY-MM" strings counted in Japan time."""

import re
from datetime import datetime

from portal.clock import as_utc
from portal.templating import JST

_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_of(moment: datetime) -> str:
    """The Japan-time month of ``moment`` (aware, or naive UTC)."""
    return as_utc(moment).astimezone(JST).strftime("%Y-%m")


def parse(text: str | None) -> tuple[int, int] | None:
    """(year, month) of a "YYYY-MM" string, or None when it is not one."""
    match = _PATTERN.match(text or "")
    return (int(match[1]), int(match[2])) if match else None


def shift(month: str, by: int) -> str:
    year, number = parse(month)
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def start_of(month: str) -> datetime:
    """The first instant of ``month`` in Japan time (aware)."""
    year, number = parse(month)
    return datetime(year, number, 1, tzinfo=JST)


def label(month: str) -> str:
    year, number = parse(month)
    return f"{year}年{number}月"


def window(last: str, count: int) -> list[str]:
    """``count`` months ending with ``last``, oldest first."""
    return [shift(last, -i) for i in range(count - 1, -1, -1)]
