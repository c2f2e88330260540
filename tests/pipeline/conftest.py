"""Fixtures for the submission pipeline: a live simulator, a filing office, job draining."""

from pathlib import Path

import pytest

from tests import certs
from tests.oss.conftest import LiveSimulator
from tests.oss.conftest import SimulatorPool

# Quick settings for tests: short leases and backoffs, a fast client timeout.
FAST = {
    "OSS_TIMEOUT": 5.0,  # generous: a busy CI machine must not turn answers into timeouts
    "OSS_CONNECT_TIMEOUT": 2.0,
    "SUBMIT_LEASE_SECONDS": 60,
    "SUBMIT_RETRY_DELAYS": (0, 0, 0, 0, 0),
    "SUBMIT_MAX_ATTEMPTS": 3,
    "RECONCILE_DELAYS": (0,),
    "OUTBOX_GRACE_SECONDS": 0,
    "PIPELINE_TICK_SECONDS": 0,
    "STATUS_POLL_SECONDS": 0,
    "BREAKER_FAILURES": 0,  # off: tests of failures count attempts; test_breaker turns it on
}


@pytest.fixture(scope="session")
def pipeline_authorities(tmp_path_factory) -> certs.Authorities:
    return certs.make_authorities(tmp_path_factory.mktemp("pipeline-issuers"))


@pytest.fixture
def make_sim(tmp_path, pipeline_authorities):
    pool = SimulatorPool(tmp_path)

    def _make(step: float = 30.0, issuer_dir=None, **faults) -> LiveSimulator:
        """A simulator in fast mode; one flow step takes ``step`` seconds (``sim.advance``)."""
        live = pool.start(step_seconds=step,
                          issuer_dir=Path(issuer_dir or pipeline_authorities.directory))
        if faults:
            live.faults(**faults)
        return live

    yield _make
    pool.stop_all()


@pytest.fixture
def sim(make_sim) -> LiveSimulator:
    return make_sim()


def point_at(app, sim: LiveSimulator | None = None, **extra) -> None:
    """Configure ``app`` for quick pipeline tests against ``sim``."""
    app.config.update(FAST)
    if sim is not None:
        app.config.update(OSS_MLIT_URL=f"{sim.url}/mlit", OSS_KEI_URL=f"{sim.url}/kei")
    app.config.update(extra)


@pytest.fixture
def office(pipeline_authorities):
    """``office(app)``: a 行政書士 office with a certificate, accounts and staff in ``app``'s DB."""
    from tests.pipeline.office import Office

    def _make(app, **kw) -> Office:
        app.config["CERT_ISSUER_DIR"] = str(pipeline_authorities.directory)
        app.extensions.pop("ossdesk_issuers", None)
        return Office.create(pipeline_authorities, **kw)

    return _make
