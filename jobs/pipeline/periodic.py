"""The periodic tick (a job): pipeline upkeep plus the other rows that must come back by
themselves after a lost queue — reaper, outbox relay, status polls, stale 受付番号リスト
sends, due 予約送信 and the monthly billing close."""

import logging

from jobs.pipeline.outbox import relay
from jobs.pipeline.poll import schedule_polls
from jobs.pipeline.reaper import reap
from jobs.receipts import requeue_stale
from portal.billing.close import schedule_close
from portal.extensions import db
from portal.hours.scheduled import dispatch_due

log = logging.getLogger(__name__)

FAILED = "failed"
STEPS = (
    ("reaped", reap),
    ("relayed", relay),
    ("polling", schedule_polls),
    ("receipt_lists", requeue_stale),
    ("scheduled_sends", dispatch_due),
    ("billing_close", schedule_close),
)


def tick() -> dict:
    """One round of upkeep; safe to run twice or concurrently.

    Each step runs on its own: one that fails is logged (``FAILED`` in the
    answer) and retried on the next tick without keeping the others from running.
    """
    done: dict = {}
    for name, step in STEPS:
        try:
            done[name] = step()
        except Exception:  # noqa: BLE001 - the next tick retries; the others must still run
            db.session.rollback()
            log.exception("pipeline tick: %s failed", name)
            done[name] = FAILED
    reaped = done["reaped"] if isinstance(done["reaped"], dict) else {}
    if any(reaped.values()) or done["relayed"] or done["scheduled_sends"]:
        log.info("pipeline tick: %s", done)
    return done
