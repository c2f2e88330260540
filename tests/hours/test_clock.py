"""The portal clock: frozen, ticking, advanced, and mapped to wall time for the scheduler."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from portal import clock
from portal.config import ConfigError
from portal.config import load_config
from tests.conftest import make_app
from tests.timekeeping import jst


def test_system_time_by_default(app):
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)
    assert clock.utcnow().tzinfo is None


def test_frozen_clock_and_advance(app, set_clock):
    set_clock(jst(2026, 12, 28, 21, 59, 30))
    assert clock.now() == jst(2026, 12, 28, 21, 59, 30)
    assert clock.now().tzinfo == UTC
    clock.advance(timedelta(seconds=45))
    assert clock.now() == jst(2026, 12, 28, 22, 0, 15)
    assert clock.utcnow() == datetime(2026, 12, 28, 13, 0, 15)


def test_ticking_clock_moves_on_from_the_moment_set(app, set_clock):
    set_clock(jst(2027, 1, 4, 6, 59, 58), frozen=False)
    first = clock.now()
    assert jst(2027, 1, 4, 6, 59, 58) <= first < jst(2027, 1, 4, 7, 0, 8)
    assert clock.now() >= first


def test_to_wall_maps_a_portal_moment_to_real_time(app, set_clock):
    set_clock(jst(2026, 6, 10, 21, 0))
    wall = clock.to_wall(jst(2026, 6, 10, 21, 0, 30))
    assert timedelta(seconds=29) < wall - datetime.now(UTC) <= timedelta(seconds=30)


def test_the_clock_belongs_to_one_app(app, set_clock, sqlite_url):
    set_clock(jst(2026, 1, 1, 0, 0))
    other = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url})
    with other.app_context():
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    assert clock.now() == jst(2026, 1, 1, 0, 0)


def test_clock_start_setting_for_development(sqlite_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url,
                    "CLOCK_START": "2026-12-28T21:55:00+09:00"})
    with app.app_context():
        assert abs(clock.now() - jst(2026, 12, 28, 21, 55)) < timedelta(seconds=5)


def test_clock_start_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("OSSDESK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("OSSDESK_KEYS", '{"primary": "k1", "keys": {"k1": "' + "A" * 44 + '"}}')
    monkeypatch.setenv("OSSDESK_CLOCK_START", "2026-12-28T21:55:00+09:00")
    with pytest.raises(ConfigError, match="development only"):
        load_config()
