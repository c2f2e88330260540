"""The bank debit date of a monthly statement.

The debit is made on the configured day (the 27th) of the month after the
statement month; when that day is not a bank business day — a Saturday,
Sunday, Japanese public holiday or bank holiday (31 December – 3 January) —
it moves to the next business day. The holiday data comes from the
maintained ``holidays`` library, not from a list kept here.
"""

import threading
from datetime import date
from datetime import timedelta

import holidays

from portal.billing import months
from portal.billing.prices import terms

_BANK_CALENDAR = holidays.Japan(categories=("public", "bank"))
_LOCK = threading.Lock()  # the calendar fills itself per year on first lookup


def is_bank_business_day(day: date) -> bool:
    if day.weekday() >= 5:
        return False
    with _LOCK:
        return day not in _BANK_CALENDAR


def next_bank_business_day(day: date) -> date:
    """``day`` itself when it is a business day, else the next one."""
    while not is_bank_business_day(day):
        day += timedelta(days=1)
    return day


def debit_date(month: str) -> date:
    """When the statement of ``month`` ("YYYY-MM") is debited."""
    year, number = months.parse(months.shift(month, 1))
    return next_bank_business_day(date(year, number, terms().debit_day))
