"""The periodic tick runs once per interval however many workers run, and in the embedded
default it sends and polls with nobody enqueueing anything by hand."""

import time

import fakeredis
from rq import Queue

from jobs.pipeline.ticker import Ticker
from jobs.worker import EmbeddedWorker
from portal.extensions import db
from portal.models import ApplicationState
from portal.models import SubmissionState
from tests.pipeline.conftest import point_at
from tests.pipeline.office import application
from tests.pipeline.office import send
from tests.pipeline.office import submissions


def test_one_tick_per_interval_across_workers():
    conn = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    workers = [Ticker(conn, 10) for _ in range(3)]
    fired = [t.maybe_tick(now=1000.0) for t in workers]
    fired += [t.maybe_tick(now=1005.0) for t in workers]  # same bucket
    assert fired.count(True) == 1
    assert [t.maybe_tick(now=1011.0) for t in workers].count(True) == 1
    assert Queue("default", connection=conn).count == 2


def test_the_ticker_is_off_when_the_interval_is_zero(app):
    app.config["PIPELINE_TICK_SECONDS"] = 0
    assert Ticker.for_app(app, fakeredis.FakeRedis()) is None


def test_the_embedded_worker_ticks_sends_and_polls(app, office, sim):
    point_at(app, sim, PIPELINE_TICK_SECONDS=0.2, STATUS_POLL_SECONDS=0)
    shop = office(app)
    ids = shop.ready(2, "keizoku")
    send(shop.staff, ids)
    from jobs.queue import get_connection

    get_connection().flushall()  # the jobs are gone: only the tick can find the rows
    worker = EmbeddedWorker(app, poll_interval=0.05).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if all(s.state == SubmissionState.SENT for s in submissions()):
                break
            time.sleep(0.1)
        assert {s.state for s in submissions()} == {SubmissionState.SENT}
        sim.advance(45)
        while time.monotonic() < deadline:
            if all(application(i).state == ApplicationState.RECEPTION_REVIEW for i in ids):
                break
            time.sleep(0.1)
        assert {application(i).state for i in ids} == {ApplicationState.RECEPTION_REVIEW}
    finally:
        worker.stop()
        db.session.rollback()


def test_the_worker_warm_up_compiles_the_jobs_statements(app, caplog):
    import gc

    from jobs.pipeline.warm import warm

    try:
        warm(app)  # a worker's start: must neither raise nor skip on a migrated database
    finally:
        gc.unfreeze()
    assert "warm-up skipped" not in caplog.text
