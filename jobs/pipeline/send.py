"""The send job: claim, sign and commit, then talk to OSS, then record.

1. Claim the chunk's due rows by compare-and-set (PENDING/RETRY to send, UNKNOWN
   to look up first) and commit.
2. Sign what is not signed yet and store certificate, account, password version,
   document and digest on the row; refuse what cannot be sent; commit.
3. Outside any transaction: look up unresolved keys, send the rest (one batch
   request per back-end where OSS takes batches).
4. Record every outcome in one transaction.

A crash anywhere leaves rows that the reaper and the outbox relay put back in
play; running a chunk twice is harmless.
"""

import logging
import time

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
    """Send the submissions ``submission_ids`` that are due (a job; idempotent)."""
    now = utcnow()
    fresh = claim(submission_ids, SENDABLE, now)
    looked_up = claim(submission_ids, UNRESOLVED, now)
    db.session.commit()
    claims = {**fresh, **looked_up}
    if not claims:
        return {"claimed": 0}
    started = time.perf_counter()
    rows = _prepare(claims, set(looked_up))
    db.session.commit()   # persisted before any byte goes to OSS
    db.session.close()    # and no transaction stays open during the calls
    signed = time.perf_counter()
    results = transport.deliver(rows, current_app.config,
                                batch=bool(settings.get("OSS_BATCH_SUBMIT")))
    delivered = time.perf_counter()
    counts = outcomes.record(rows, results)
    return {"claimed": len(claims), **counts, "seconds": {
        "prepare": round(signed - started, 4), "oss": round(delivered - signed, 4),
        "record": round(time.perf_counter() - delivered, 4)}}
