"""Fixtures shared by the service-hours, billing and usage tests."""

from tests.timekeeping import make_application  # noqa: F401
from tests.timekeeping import outage  # noqa: F401
from tests.timekeeping import set_clock  # noqa: F401
from tests.timekeeping import shipped_calendar  # noqa: F401
