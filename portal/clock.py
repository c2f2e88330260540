"""The portal's clock: the one ``now()`` that service hours, billing and scheduled sends use.

Outside tests it is the system clock. Tests (and a development demo) move it:
``set_now(moment)`` freezes it, ``set_now(moment, frozen=False)`` lets it tick
on from ``moment``, ``advance(delta)`` moves it, ``reset()`` restores the
system clock. The setting belongs to the Flask app, so the web threads and the
embedded worker of that app share it. ``OSSDESK_CLOCK_START`` (config
``CLOCK_START``, refused in production) starts a development server at a
chosen moment, e.g. ``2026-12-28T21:55:00+09:00`` to try the night closing.

Times are aware UTC here; ``utcnow()`` gives the naive UTC the database stores.
"""

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from flask import current_app
from flask import has_app_context

_EXTENSION = "ossdesk_clock"


@dataclass
class _Setting:
    offset: timedelta = timedelta(0)
    frozen_at: datetime | None = None


def system_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC; a naive value is taken to be UTC (as stored)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def naive_utc(moment: datetime) -> datetime:
    return as_utc(moment).replace(tzinfo=None)


def _setting(app=None) -> _Setting | None:
    if app is None:
        if not has_app_context():
            return None
        app = current_app
    setting = app.extensions.get(_EXTENSION)
    if setting is None:
        setting = _Setting()
        start = app.config.get("CLOCK_START")
        if start:
            setting.offset = as_utc(datetime.fromisoformat(start)) - system_now()
        app.extensions[_EXTENSION] = setting
    return setting


def now() -> datetime:
    """The current moment (aware UTC) as the portal sees it."""
    setting = _setting()
    if setting is None:
        return system_now()
    if setting.frozen_at is not None:
        return setting.frozen_at
    return system_now() + setting.offset


def utcnow() -> datetime:
    """``now()`` as naive UTC, for database columns."""
    return now().replace(tzinfo=None)


def set_now(moment: datetime, *, frozen: bool = True, app=None) -> None:
    """Make the clock read ``moment`` (frozen, or ticking on from it)."""
    setting = _setting(app)
    moment = as_utc(moment)
    if frozen:
        setting.frozen_at = moment
    else:
        setting.frozen_at = None
        setting.offset = moment - system_now()


def advance(delta: timedelta, app=None) -> None:
    setting = _setting(app)
    if setting.frozen_at is not None:
        setting.frozen_at += delta
    else:
        setting.offset += delta


def reset(app=None) -> None:
    setting = _setting(app)
    setting.frozen_at = None
    setting.offset = timedelta(0)


def to_wall(moment: datetime) -> datetime:
    """The real (system) time at which the portal clock will read ``moment``.

    The job scheduler runs on real time, so a job meant for a moment on the
    portal clock is scheduled at this wall time.
    """
    return system_now() + (as_utc(moment) - now())
