"""Fixtures: a live simulator and applications filed at it (tests/oss_flow.py)."""

from tests.oss_flow import flow  # noqa: F401
from tests.oss_flow import flow_authorities  # noqa: F401
from tests.oss_flow import portal_simulator  # noqa: F401
from tests.timekeeping import set_clock  # noqa: F401
