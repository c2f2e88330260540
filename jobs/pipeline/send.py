"""The send job: claim, sign and commit, then talk to OSS, then record.

1. Claim the chunk's due rows by compare-and-set (PENDING/RETRY to send, UNKNOWN
   to look up first) and commit.
2. Part by part (one HTTP batch each): sign what is not signed yet and store
   certificate, account, password version, document and digest on the row;
   refuse what cannot be sent; commit.
3. Each committed part goes to a sender thread, which looks up unresolved keys
   and sends the rest (one batch request per back-end where OSS takes batches)
   with no database access, while the job signs the next part. Parts go out one
   after another; once one has died, the later ones are not sent. Rows of a
   back-end whose circuit breaker is open (``breaker``) stay here: OSS is not
   called for them.
4. When every part is back, tell each back-end's breaker whether OSS answered,
   and record every outcome in one transaction.

A crash anywhere leaves rows that the reaper and the outbox relay put back in
play; running a chunk twice is harmless.
"""

import logging
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import undefer

from jobs.pipeline import breaker
from jobs.pipeline import document
from jobs.pipeline import outcomes
from jobs.pipeline import reasons
from jobs.pipeline import settings
from jobs.pipeline import transport
from jobs.pipeline.claim import SENDABLE
from jobs.pipeline.claim import UNRESOLVED
from jobs.pipeline.claim import claim
from jobs.pipeline.claim import still_mine
from portal import bulk
from portal.extensions import db
from portal.models import Application
from portal.models import Submission
from portal.models import SubmissionKind
from portal.models.base import utcnow

log = logging.getLogger(__name__)

GONE = "申請データが見つかりません(削除された可能性があります)。"


def _prepare(ids: list[int], claims: dict[int, int], unresolved: set[int],
             filers: document.Filers) -> list[transport.Outgoing]:
    """Sign the claimed rows ``ids`` that need it and store what was signed (one
    statement); return what goes to OSS (the caller commits)."""
    subs = db.session.scalars(sa.select(Submission).options(undefer(Submission.document))
                              .where(Submission.id.in_(ids)).order_by(Submission.id)).all()
    apps = {a.id: a for a in db.session.scalars(
        sa.select(Application).where(Application.id.in_([s.application_id for s in subs])))}
    rows, signed = [], {}
    for sub in subs:
        app = apps.get(sub.application_id)
        resubmit = sub.kind == SubmissionKind.RESUBMIT
        data = sub.document
        try:
            if app is None:
                raise document.NotSendable(GONE, "portal")
            if data is None:
                signed[sub.id] = document.sign(sub, app, filers)
                data = signed[sub.id]["document"]
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
            resubmit_of=app.arrival_number if resubmit else "", document=data,
            unresolved=sub.id in unresolved))
    bulk.update_rows(db.session.connection(), Submission.__table__, signed)
    filers.audit_use()
    return rows


class _Sender:
    """Delivers prepared parts in order on one thread while the job signs the next part."""

    def __init__(self, config: Mapping, batch: bool):
        self.config, self.batch = config, batch
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oss-send")
        self.futures: list[Future] = []
        self.broken = threading.Event()

    def _deliver(self, rows: list[transport.Outgoing]) -> dict[int, transport.Result]:
        if self.broken.is_set():
            return {}  # an earlier part died: these stay claimed, for the reaper
        try:
            return transport.deliver(rows, self.config, batch=self.batch)
        except BaseException:
            self.broken.set()
            raise

    def post(self, rows: list[transport.Outgoing]) -> None:
        self.futures.append(self.pool.submit(self._deliver, rows))

    def results(self) -> dict[int, transport.Result]:
        """Every part's results; re-raises what stopped a part."""
        results: dict[int, transport.Result] = {}
        for future in self.futures:
            results.update(future.result())
        return results

    def answered(self) -> dict[int, transport.Result]:
        """The results of the parts that came back whole (after a failure elsewhere)."""
        results: dict[int, transport.Result] = {}
        for future in self.futures:
            if future.done() and not future.cancelled() and future.exception() is None:
                results.update(future.result())
        return results

    def close(self, failed: bool) -> None:
        self.pool.shutdown(wait=True, cancel_futures=failed)


class _Breakers:
    """The circuit breakers of the back-ends a job sends to, read once per job."""

    def __init__(self):
        self.until: dict[str, datetime | None] = {}
        self.held: dict[int, transport.Result] = {}

    def hold(self, part: list[transport.Outgoing]) -> list[transport.Outgoing]:
        """The rows of ``part`` that may go to OSS; the others are held back."""
        going = []
        for row in part:
            if row.backend not in self.until:
                self.until[row.backend] = breaker.open_until(row.backend)
            if self.until[row.backend] is None:
                going.append(row)
            else:
                self.held[row.id] = transport.Result(paused=self.until[row.backend])
        return going

    def observe(self, rows: list[transport.Outgoing], results: dict) -> None:
        """One verdict per back-end called: did OSS answer about any of its rows?"""
        answered: dict[str, bool] = {}
        for row in rows:
            if row.id not in self.held:
                result = results.get(row.id)
                answered[row.backend] = (answered.get(row.backend, False)
                                         or bool(result and result.answered))
        for backend, verdict in answered.items():
            breaker.observe(backend, verdict)


def _record_answered(rows: list[transport.Outgoing], answered: dict) -> None:
    """On the way out of a failed job, record what OSS already answered, so those rows need
    not wait for the reaper and a look-up by key. Best effort: the reaper covers the rest."""
    done = [row for row in rows if row.id in answered]
    if not done:
        return
    try:
        db.session.rollback()
        outcomes.record(done, answered)
    except Exception:  # noqa: BLE001 - the job is failing already; the reaper settles these
        log.exception("recording %d answered submissions failed", len(done))
        db.session.rollback()


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
    ordered, unresolved, filers = sorted(claims), set(looked_up), document.Filers()
    sender = _Sender(dict(current_app.config), bool(settings.get("OSS_BATCH_SUBMIT")))
    breakers = _Breakers()
    rows: list[transport.Outgoing] = []
    session = db.session()
    expire = session.expire_on_commit
    # A part's commit need not reload the job's certificates, accounts and earlier rows:
    # what goes out is copied into plain data, and the session is closed after the loop.
    session.expire_on_commit = False
    try:
        for i in range(0, len(ordered), transport.SUBMIT_BATCH):
            if sender.broken.is_set():
                break             # a part died: the rest stay claimed, for the reaper
            part = _prepare(ordered[i:i + transport.SUBMIT_BATCH], claims, unresolved, filers)
            db.session.commit()   # persisted before any byte of the part goes to OSS
            if going := breakers.hold(part):
                sender.post(going)
            rows += part
        db.session.close()        # no transaction stays open while the last parts are out
        signed = time.perf_counter()
        results = sender.results()
    except BaseException:
        sender.close(failed=True)
        _record_answered(rows, {**sender.answered(), **breakers.held})
        raise
    finally:
        session.expire_on_commit = expire
    sender.close(failed=False)
    delivered = time.perf_counter()
    breakers.observe(rows, results)
    counts = outcomes.record(rows, {**results, **breakers.held})
    return {"claimed": len(claims), **counts, "seconds": {
        "prepare": round(signed - started, 4), "oss": round(delivered - signed, 4),
        "record": round(time.perf_counter() - delivered, 4)}}
