"""A circuit breaker per OSS back-end, shared by every worker through Redis.

While OSS is away, every send job would otherwise call it, wait for its
timeouts and use up one attempt of each row: after ``SUBMIT_MAX_ATTEMPTS``
(≈ 1 h 40 min with the default delays) a long outage would leave a whole day's
sends in 申請エラー. So a send job that got no answer at all from a back-end
counts one failure for it; any answer (到達, found by key, a refusal) resets the
count. At ``BREAKER_FAILURES`` failures in a row the breaker opens for
``BREAKER_OPEN_SECONDS``: jobs then do not call that back-end and put its rows
back to wait until the breaker closes, without using an attempt
(``outcomes``: ``Result.paused``). The first jobs after that try again; one
more failure opens it again at once, an answer closes it.

The breaker only ever holds sends back: if Redis cannot be read it counts as
closed, and a user's 今すぐ処理する, after its own probe found OSS answering,
closes it (``close``).
"""

import logging
import time
from datetime import UTC
from datetime import datetime

from redis.exceptions import RedisError

from jobs.pipeline import settings
from jobs.queue import get_connection

log = logging.getLogger(__name__)

KEY = "ossdesk:breaker:{}"
KEEP_SECONDS = 86400  # a breaker's count is forgotten a day after its last failure


def _key(backend: str) -> str:
    return KEY.format(backend)


def open_until(backend: str) -> datetime | None:
    """When the breaker of ``backend`` closes again (naive UTC), or None while it is closed."""
    try:
        raw = get_connection().hget(_key(backend), "open_until")
    except RedisError:
        log.warning("circuit breaker of %s unreadable; treated as closed", backend)
        return None
    if raw is None or float(raw) <= time.time():
        return None
    return datetime.fromtimestamp(float(raw), UTC).replace(tzinfo=None)


def observe(backend: str, answered: bool) -> None:
    """Count a job's dealings with ``backend``: an answer closes the breaker, none counts a
    failure (and opens it at the threshold)."""
    threshold = int(settings.get("BREAKER_FAILURES"))
    if threshold <= 0:
        return
    try:
        conn = get_connection()
        if answered:
            conn.delete(_key(backend))
            return
        failures = conn.hincrby(_key(backend), "failures", 1)
        if failures >= threshold:
            until = time.time() + float(settings.get("BREAKER_OPEN_SECONDS"))
            conn.hset(_key(backend), "open_until", until)
            log.warning("OSS %s gave no answer to %d send jobs in a row: sends held back "
                        "for %s s", backend, failures, settings.get("BREAKER_OPEN_SECONDS"))
        conn.expire(_key(backend), KEEP_SECONDS)
    except RedisError:
        log.warning("circuit breaker of %s not updated (Redis)", backend)


def close(backend: str) -> None:
    """Forget ``backend``'s failures (its OSS was just found answering)."""
    try:
        get_connection().delete(_key(backend))
    except RedisError:
        log.warning("circuit breaker of %s not closed (Redis)", backend)
