"""The production worker (``jobs.worker.AppWorker``) runs send jobs itself and forks a
work-horse for every other job."""

import os
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from rq import Worker

from jobs import runs
from jobs.queue import get_connection
from jobs.worker import IN_PROCESS
from jobs.worker import AppWorker
from portal.extensions import db
from portal.models import AuditEvent
from portal.models import JobRun
from portal.models import JobStatus
from portal.models import SubmissionState
from tests.pipeline.conftest import point_at
from tests.pipeline.office import send
from tests.pipeline.office import submissions


@pytest.mark.redis
def test_send_jobs_run_in_the_worker_and_other_jobs_in_a_fork(pg_app, office, sim, monkeypatch):
    """…and so the worker opens (and audits) the office's signing key once for all of them."""
    point_at(pg_app, sim)
    shop = office(pg_app)
    pg_app.config["SUBMIT_CHUNK_SIZE"] = 3  # a send of 7: three jobs
    send(shop.staff, shop.ready(7))
    check = runs.start("oss-check", "jobs.system.check_oss")
    forked, ran_in = [], []
    real_fork, real_perform = Worker.fork_work_horse, AppWorker.perform_job

    def fork_work_horse(self, job, queue):
        forked.append(job.func_name)
        return real_fork(self, job, queue)

    def perform_job(self, job, queue, *args, **kwargs):
        ran_in.append((job.func_name, os.getpid()))
        return real_perform(self, job, queue, *args, **kwargs)

    monkeypatch.setattr(Worker, "fork_work_horse", fork_work_horse)
    monkeypatch.setattr(AppWorker, "perform_job", perform_job)
    worker = AppWorker(["default"], connection=get_connection())
    worker.flask_app = pg_app
    worker.work(burst=True)

    sends = [pid for name, pid in ran_in if name == "jobs.pipeline.send.send_chunk"]
    assert sends == [os.getpid()] * 3         # in this process, one after another
    assert forked == ["jobs.system.check_oss"]  # (its horse's own call is not seen here)
    assert {s.state for s in submissions()} == {SubmissionState.SENT}
    db.session.rollback()
    assert db.session.get(JobRun, check.id).status == JobStatus.FINISHED  # in its horse
    opened = db.session.scalars(sa.select(AuditEvent.detail).where(
        AuditEvent.action == "certificate_decrypted")).all()
    assert len(opened) == 1 and opened[0]["purpose"].startswith("submission:")


def test_an_in_process_job_keeps_the_worker_alive_for_its_whole_timeout():
    """No horse monitor renews the worker's heartbeat while the worker runs a job itself:
    the heartbeat it sets first must outlast the job's timeout (as RQ's SimpleWorker's)."""
    worker = AppWorker.__new__(AppWorker)
    worker.job_monitoring_interval = 30
    send_job = SimpleNamespace(func_name=next(iter(IN_PROCESS)), timeout=900)
    other = SimpleNamespace(func_name="jobs.system.check_oss", timeout=900)
    assert worker.get_heartbeat_ttl(send_job) == 960
    assert worker.get_heartbeat_ttl(other) == 90  # a horse's monitor renews it every 30 s
