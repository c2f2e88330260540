"""Workers: the embedded thread worker and the real RQ worker entry point."""

import logging
import threading

from rq import SimpleWorker
from rq import Worker
from rq.timeouts import TimerDeathPenalty

from jobs.pipeline.ticker import Ticker
from jobs.pipeline.warm import warm

log = logging.getLogger(__name__)


class AppContextMixin:
    """Run every job inside the Flask app's context."""

    flask_app = None

    def perform_job(self, job, queue, *args, **kwargs):
        with self.flask_app.app_context():
            return super().perform_job(job, queue, *args, **kwargs)


class ThreadWorker(AppContextMixin, SimpleWorker):
    """A SimpleWorker that can run in a non-main thread (no signal handlers)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


# Jobs the worker runs itself, as RQ's SimpleWorker runs every job, instead of in a forked
# work-horse. A send job is short and comes by the dozen; a fork costs it a copy of the
# worker's pages, a new database connection and a cold database backend: measured on the
# 10,000-application benchmark (jobs of 250), ≈ 50 ms of worker CPU and ≈ 20 ms of
# PostgreSQL CPU per job. Everything else (imports above all: their memory goes with the
# horse) still forks.
IN_PROCESS = frozenset({"jobs.pipeline.send.send_chunk"})


class AppWorker(AppContextMixin, Worker):
    """A forking RQ worker whose work-horses run jobs in the app context; the jobs in
    ``IN_PROCESS`` run in the worker itself."""

    def execute_job(self, job, queue):
        if job.func_name in IN_PROCESS:
            return SimpleWorker.execute_job(self, job, queue)
        return super().execute_job(job, queue)

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        # No horse monitor renews the heartbeat while the worker runs a job itself.
        if job.func_name in IN_PROCESS:
            return SimpleWorker.get_heartbeat_ttl(self, job, working_time)
        return super().get_heartbeat_ttl(job, working_time)

    def perform_job(self, job, queue, *args, **kwargs):
        if job.func_name not in IN_PROCESS:
            # The work-horse is a fork: never reuse the parent's pooled connections.
            from portal.extensions import db

            with self.flask_app.app_context():
                db.engine.dispose(close=False)
        return super().perform_job(job, queue, *args, **kwargs)


class EmbeddedWorker:
    """Runs queued jobs in a background thread of the current process."""

    def __init__(self, app, poll_interval: float = 0.2):
        from jobs.queue import QUEUE_NAMES
        from jobs.queue import get_connection

        with app.app_context():
            conn = get_connection()
        self.app = app
        self.poll_interval = poll_interval
        self.worker = ThreadWorker(list(QUEUE_NAMES), connection=conn)
        self.worker.flask_app = app
        self.ticker = Ticker.for_app(app, conn)  # periodic pipeline upkeep (jobs/pipeline)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ossdesk-worker", daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                if self.ticker is not None:
                    self.ticker.maybe_tick()
                self.worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            except Exception:  # keep the embedded worker alive; the job row has the error
                log.exception("embedded worker loop failed")
            self._stop.wait(self.poll_interval)

    def start(self) -> "EmbeddedWorker":
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)


def run_worker(app, queues: list[str], with_scheduler: bool = True, burst: bool = False) -> None:
    """Run a real RQ worker against ``REDIS_URL`` (the production profile)."""
    from jobs.queue import get_connection

    with app.app_context():
        conn = get_connection()
    worker = AppWorker(queues, connection=conn)
    worker.flask_app = app
    warm(app)  # every work-horse is a fork of this process: load and compile once here
    ticker = None if burst else Ticker.for_app(app, conn)
    if ticker is not None:
        ticker.start()
    try:
        worker.work(with_scheduler=with_scheduler, burst=burst)
    finally:
        if ticker is not None:
            ticker.stop()
