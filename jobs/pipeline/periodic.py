"""The periodic tick: reaper, outbox relay and status polls, in that order (a job)."""

import logging

from jobs.pipeline.outbox import relay
from jobs.pipeline.poll import schedule_polls
from jobs.pipeline.reaper import reap

log = logging.getLogger(__name__)


def tick() -> dict:
    """One round of pipeline upkeep; safe to run twice or concurrently."""
    reaped = reap()
    relayed = relay()
    polled = schedule_polls()
    if any(reaped.values()) or relayed:
        log.info("pipeline tick: reaped %s, re-enqueued %d, polling %d", reaped, relayed, polled)
    return {"reaped": reaped, "relayed": relayed, "polling": polled}
