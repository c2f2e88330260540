"""Fixtures for tests that run service hours and billing with the submission pipeline."""

from tests.pipeline.conftest import make_sim  # noqa: F401
from tests.pipeline.conftest import office  # noqa: F401
from tests.pipeline.conftest import pipeline_authorities  # noqa: F401
from tests.pipeline.conftest import sim  # noqa: F401
from tests.timekeeping import set_clock  # noqa: F401
from tests.timekeeping import shipped_calendar  # noqa: F401
