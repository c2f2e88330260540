"""Whether sending is open now, and when it opens next.

Sending is open within the service calendar (``calendar.calendars().service``)
and outside every planned outage announced as a maintenance notice
(``faq.notices.outages_between``). Logging in and reading stay possible at any
time; only sending waits.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from faq.notices import Outage
from faq.notices import outages_between
from portal.clock import as_utc
from portal.clock import naive_utc
from portal.hours.calendar import calendars
from portal.templating import JST
from portal.templating import jst

# How far ahead to look for outages when finding the next opening.
LOOKAHEAD = timedelta(days=62)


@dataclass(frozen=True)
class SendWindow:
    open: bool
    reason: str  # Japanese; empty when open
    next_opening: datetime  # aware UTC; ``now`` itself when open


def _covering(outages: list[Outage], moment: datetime) -> Outage | None:
    at = naive_utc(moment)
    return next((o for o in outages if o.start <= at < o.end), None)


def _closed_reason(moment: datetime, outage: Outage | None) -> str:
    service = calendars().service
    if outage is not None:
        return (f"メンテナンスのため送信を停止しています"
                f"({jst(outage.start)}〜{jst(outage.end)}、{outage.title})。")
    period = service.closed_period(as_utc(moment).astimezone(JST).date())
    if period is not None:
        return f"{period.label}({period.text})は送信を受け付けていません。"
    return f"送信の受付時間外です(受付時間は{service.days_text} {service.hours_text}、日本時間)。"


def next_opening(moment: datetime, outages: list[Outage] | None = None) -> datetime:
    """The first moment at or after ``moment`` when sending is open (aware UTC)."""
    service = calendars().service
    at = as_utc(moment)
    if outages is None:
        outages = outages_between(naive_utc(at), naive_utc(at + LOOKAHEAD))
    for _ in range(1000):
        at = service.next_open(at)
        outage = _covering(outages, at)
        if outage is None:
            return at
        at = as_utc(outage.end)
    raise RuntimeError("no opening found: overlapping outages without end")


def check_send_window(now: datetime) -> SendWindow:
    """Whether sending is open at ``now`` (aware, or naive UTC), with a Japanese reason if not."""
    at = as_utc(now)
    outages = outages_between(naive_utc(at), naive_utc(at + LOOKAHEAD))
    outage = _covering(outages, at)
    if outage is None and calendars().service.is_open(at):
        return SendWindow(open=True, reason="", next_opening=at)
    return SendWindow(open=False, reason=_closed_reason(at, outage),
                      next_opening=next_opening(at, outages))
