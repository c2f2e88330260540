"""Enqueue the periodic tick at most once per interval, however many workers run.

Every worker process (and the embedded worker thread) runs a ``Ticker``. Time
is cut into buckets of ``PIPELINE_TICK_SECONDS``; for each bucket the first
process to set the Redis key ``ossdesk:tick:<bucket>`` (SET NX, with expiry)
enqueues the tick job. If Redis is flushed or restarted a bucket may tick
twice, which is harmless: the tick is idempotent.
"""

import logging
import os
import threading
import time

from redis.exceptions import RedisError
from rq import Queue

log = logging.getLogger(__name__)

LOCK_PREFIX = "ossdesk:tick:"
TICK_JOB = "jobs.pipeline.periodic.tick"
ALIVE_KEY = "ossdesk:workers:alive"  # when a worker process last looked in (/healthz)


def last_alive_age(connection) -> float | None:
    """Seconds since any worker process last looked in (None: none ever did, or long ago)."""
    raw = connection.get(ALIVE_KEY)
    return None if raw is None else max(0.0, time.time() - float(raw))


class Ticker:
    def __init__(self, connection, interval: float, queue: str = "default"):
        self.connection = connection
        self.interval = float(interval)
        self.queue = queue
        self._last_bucket: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_app(cls, app, connection) -> "Ticker | None":
        """The app's ticker, or None when ``PIPELINE_TICK_SECONDS`` is 0."""
        from jobs.pipeline import settings

        with app.app_context():
            interval = float(settings.get("PIPELINE_TICK_SECONDS"))
        return cls(connection, interval) if interval > 0 else None

    def maybe_tick(self, now: float | None = None) -> bool:
        """Enqueue the tick if this bucket has not ticked yet anywhere; True if we did."""
        moment = now if now is not None else time.time()
        bucket = int(moment // self.interval)
        if bucket == self._last_bucket:
            return False
        try:
            # Alive: written by the ticker of every worker process (a thread beside the work,
            # or the embedded worker's loop), so a busy worker still counts as running.
            self.connection.set(ALIVE_KEY, f"{moment:.0f}", ex=86400)
            won = self.connection.set(f"{LOCK_PREFIX}{bucket}", os.getpid(), nx=True,
                                      ex=max(int(self.interval * 3), 2))
            if won:
                Queue(self.queue, connection=self.connection).enqueue(
                    TICK_JOB, job_id=f"tick-{bucket}", result_ttl=60, failure_ttl=3600,
                    job_timeout=max(int(self.interval * 6), 60))
        except RedisError as exc:  # Redis away: try again in the next round
            log.warning("ticker cannot reach Redis: %s", exc)
            return False
        self._last_bucket = bucket
        return bool(won)

    def _run(self) -> None:
        pause = min(1.0, self.interval / 4)
        while not self._stop.wait(pause):
            self.maybe_tick()

    def start(self) -> "Ticker":
        """Tick from a daemon thread (the ``ossdesk worker`` process)."""
        self._thread = threading.Thread(target=self._run, name="ossdesk-ticker", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
