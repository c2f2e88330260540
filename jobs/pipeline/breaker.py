"""A circuit breaker per OSS back-end, shared by every worker through Redis.

While OSS is away, every send job would otherwise call it, wait for its
timeouts and use up one attempt of each row: after ``SUBMIT_MAX_ATTEMPTS``
(≈ 1 h 40 min with the default delays) a long outage would leave a whole day's
sends in 申請エラー. So a send job that got no answer at all from a back-end
counts one failure for it; any answer (到達, found by key, a refusal) resets the
count. At ``BREAKER_FAILURES`` failures in a row the breaker opens for
``BREAKER_OPEN_SECONDS``: jobs then do not call that back-end and put its rows
back to wait, without using an attempt (``outcomes``: ``Result.paused``).
When that time is over one job at a time may try (a probe, a Redis token that
lasts as long as an open period); the others keep holding back meanwhile. The
probe's failure opens the breaker again, its answer closes it.

The breaker only ever holds sends back: if Redis cannot be read it counts as
closed. A user's 今すぐ処理する, after its own probe found OSS answering, lets
sends go again with one failure left before the breaker reopens (``rearm``).
"""

import logging
import math
import time
from datetime import UTC
from datetime import datetime

from redis.exceptions import RedisError

from jobs.pipeline import settings
from jobs.queue import get_connection

log = logging.getLogger(__name__)

KEY = "ossdesk:breaker:{}"
PROBE = "ossdesk:breaker:{}:probe"
OPENED = "ossdesk:breaker:opened"  # how often any breaker opened (a figure for operators)
KEEP_SECONDS = 86400  # a breaker's count is forgotten a day after its last failure


def _key(backend: str) -> str:
    return KEY.format(backend)


def _naive(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def _open_seconds() -> float:
    return float(settings.get("BREAKER_OPEN_SECONDS"))


def open_until(backend: str) -> datetime | None:
    """Until when a job must hold ``backend``'s rows back (naive UTC), or None: call OSS."""
    try:
        conn = get_connection()
        if int(settings.get("BREAKER_FAILURES")) <= 0:  # turned off: an open one is released
            conn.delete(_key(backend), PROBE.format(backend))
            return None
        until = conn.hget(_key(backend), "open_until")
        if until is None:
            return None                      # closed
        now = time.time()
        if float(until) > now:
            return _naive(float(until))      # open
        if conn.set(PROBE.format(backend), 1, nx=True, ex=max(1, math.ceil(_open_seconds()))):
            return None                      # its time is over: this job tries
        return _naive(now + _open_seconds())  # another job is trying
    except RedisError:
        log.warning("circuit breaker of %s unreadable; treated as closed", backend)
        return None


def observe(backend: str, answered: bool) -> None:
    """Count a job's dealings with ``backend``: an answer closes the breaker, none counts a
    failure (and opens it at the threshold)."""
    threshold = int(settings.get("BREAKER_FAILURES"))
    try:
        conn = get_connection()
        if answered or threshold <= 0:
            conn.delete(_key(backend), PROBE.format(backend))
            return
        failures = conn.hincrby(_key(backend), "failures", 1)
        if failures >= threshold:
            conn.hset(_key(backend), "open_until", time.time() + _open_seconds())
            conn.delete(PROBE.format(backend))
            conn.incr(OPENED)
            log.warning("OSS %s gave no answer to %d send jobs in a row: sends held back "
                        "for %s s", backend, failures, _open_seconds())
        conn.expire(_key(backend), KEEP_SECONDS)
    except RedisError:
        log.warning("circuit breaker of %s not updated (Redis)", backend)


def rearm(backend: str) -> None:
    """OSS was just found answering: let sends go, with one failure left before the breaker
    opens again (a health check that answers does not prove that sending works)."""
    threshold = int(settings.get("BREAKER_FAILURES"))
    try:
        conn = get_connection()
        if conn.hexists(_key(backend), "open_until"):
            conn.hset(_key(backend), "failures", max(threshold - 1, 0))
            conn.hdel(_key(backend), "open_until")
            conn.delete(PROBE.format(backend))
    except RedisError:
        log.warning("circuit breaker of %s not rearmed (Redis)", backend)
