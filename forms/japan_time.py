"""Japan time (no daylight saving), and Japan's date today: the portal's dates are Japan's,
whatever zone the server's clock runs in."""

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone

JST = timezone(timedelta(hours=9), "JST")


def today_in_japan(now: datetime | None = None) -> date:
    """The date in Japan. A server on UTC is a day behind from 0:00 to 9:00 Japan time."""
    return (now or datetime.now(UTC)).astimezone(JST).date()
