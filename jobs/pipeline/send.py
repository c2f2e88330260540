"""The send job: claim, sign and commit, then talk to OSS, then record.

1. Claim the chunk's due rows by compare-and-set (PENDING/RETRY to send, UNKNOWN
   to look up first) and commit.
2. Sign what is not signed yet and store certificate, account, password version,
   document and digest on the row; refuse what cannot be sent; commit.
3. Outside any transaction: look up unresolved keys, send the rest (one batch
   request per back-end where OSS takes batches).
4. Record the outcomes in one transaction.

Steps 2–4 run per part of one HTTP batch, the next part signed while the
previous one is with OSS.

A crash anywhere leaves rows that the reaper and the outbox relay put back in
play; running a chunk twice is harmless.
"""

import logging
import time
from collections import Counter
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import undefer

from jobs.pipeline import document
from jobs.pipeline import outcomes
from jobs.pipeline import reasons
from jobs.pipeline import settings
from jobs.pipeline import transport
from jobs.pipeline.claim import SENDABLE
from jobs.pipeline.claim import UNRESOLVED
from jobs.pipeline.claim import claim
from jobs.pipeline.claim import still_mine
from portal.extensions import db
from portal.models import Application
from portal.models import Submission
from portal.models import SubmissionKind
from portal.models.base import utcnow

log = logging.getLogger(__name__)

GONE = "申請データが見つかりません(削除された可能性があります)。"


def _prepare(claims: dict[int, int], unresolved: set[int]) -> list[transport.Outgoing]:
    """Sign the claimed rows that need it; return what goes to OSS (the caller commits)."""
    subs = db.session.scalars(sa.select(Submission).options(undefer(Submission.document))
                              .where(Submission.id.in_(claims)).order_by(Submission.id)).all()
    apps = {a.id: a for a in db.session.scalars(
        sa.select(Application).where(Application.id.in_([s.application_id for s in subs])))}
    filers = document.Filers()
    rows = []
    for sub in subs:
        app = apps.get(sub.application_id)
        resubmit = sub.kind == SubmissionKind.RESUBMIT
        try:
            if app is None:
                raise document.NotSendable(GONE, "portal")
            if sub.document is None:
                document.sign(sub, app, filers)
        except document.NotSendable as exc:
            outcomes.failed(sub.id, resubmit, app, exc.reason, exc.code,
                            where=still_mine(sub.id, claims[sub.id]))
            continue
        except SQLAlchemyError:
            raise
        except Exception as exc:  # a bug must not block the chunk; the row says what happened
            log.exception("preparing submission %s failed", sub.id)
            outcomes.failed(sub.id, resubmit, app, reasons.unexpected(exc), "portal:error",
                            where=still_mine(sub.id, claims[sub.id]))
            continue
        rows.append(transport.Outgoing(
            id=sub.id, application_id=app.id, attempt=claims[sub.id],
            key=sub.idempotency_key, backend=app.backend.value,
            resubmit_of=app.arrival_number if resubmit else "", document=sub.document,
            unresolved=sub.id in unresolved))
    filers.audit_use()
    return rows


def send_chunk(submission_ids: list[int]) -> dict:
    """Send the submissions ``submission_ids`` that are due (a job; idempotent).

    The claimed rows go out in parts of one HTTP batch each. While one part is
    with OSS (a thread, no database), the next is signed and committed, so the
    worker's core signs while it waits; each part's outcomes are recorded once
    its answer is in. A crash leaves the in-flight part SENDING with its signed
    document: the reaper and the lookup by key settle it, as for any crash.
    """
    now = utcnow()
    fresh = claim(submission_ids, SENDABLE, now)
    looked_up = claim(submission_ids, UNRESOLVED, now)
    db.session.commit()
    claims = {**fresh, **looked_up}
    if not claims:
        return {"claimed": 0}
    config = current_app.config
    batch = bool(settings.get("OSS_BATCH_SUBMIT"))
    seconds: Counter = Counter()
    counts: Counter = Counter()
    ordered = sorted(claims)
    parts = [ordered[i:i + transport.SUBMIT_BATCH]
             for i in range(0, len(ordered), transport.SUBMIT_BATCH)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="oss-send") as pool:
        in_flight: tuple[list, Future] | None = None
        for part in parts:
            started = time.perf_counter()
            rows = _prepare({i: claims[i] for i in part}, set(looked_up).intersection(part))
            db.session.commit()   # persisted before any byte goes to OSS
            db.session.close()    # and no transaction stays open while we wait for OSS
            seconds["prepare"] += time.perf_counter() - started
            answered = _answer(in_flight, seconds)
            in_flight = (rows, pool.submit(transport.deliver, rows, config, batch=batch))
            counts += _record(answered, seconds)  # while the part just sent is with OSS
        counts += _record(_answer(in_flight, seconds), seconds)
    return {"claimed": len(claims), **counts,
            "seconds": {phase: round(value, 4) for phase, value in seconds.items()}}


def _answer(in_flight, seconds: Counter):
    """Wait for the answer to the part in flight: (rows, results), or None."""
    if in_flight is None:
        return None
    rows, answer = in_flight
    started = time.perf_counter()
    results = answer.result()
    seconds["oss"] += time.perf_counter() - started
    return rows, results


def _record(answered, seconds: Counter) -> Counter:
    if answered is None:
        return Counter()
    started = time.perf_counter()
    counts = outcomes.record(*answered)
    seconds["record"] += time.perf_counter() - started
    return counts
