"""The monthly close: open billing records become one statement per organisation and month.

Months end at midnight Japan time. ``close_ended_months`` closes every ended
month that still has open records, oldest first, and is safe to run any
number of times (the unique (organisation, month) statement makes a
concurrent second close a no-op). A record reported after its month was
closed goes on the organisation's next statement. The close runs as a job
that the pipeline's periodic tick keeps scheduled for the end of the current
month, and can be run by ``ossdesk billing close`` or from the association's page.
"""

import logging
from collections import defaultdict
from datetime import timedelta

import redis
import sqlalchemy as sa
from rq.exceptions import DuplicateJobError
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.billing import months
from portal.billing.debit import debit_date
from portal.extensions import db
from portal.models import BillingRecord
from portal.models import Statement

log = logging.getLogger(__name__)

# The close job runs this long after midnight, so a completion reported at
# 23:59:59 has been recorded.
CLOSE_DELAY = timedelta(minutes=5)
KEEP_JOB = timedelta(days=45)


def _close_one(org_id: int, month: str) -> Statement | None:
    """Create the statement of ``org_id`` for ``month`` with every open record up to it."""
    open_up_to_month = sa.and_(BillingRecord.org_id == org_id,
                               BillingRecord.statement_id.is_(None),
                               BillingRecord.month <= month)
    try:
        with db.session.begin_nested():
            statement = Statement(org_id=org_id, month=month, debit_date=debit_date(month),
                                  closed_at=clock.utcnow())
            db.session.add(statement)
            db.session.flush()
            prices = db.session.scalars(
                sa.update(BillingRecord).where(open_up_to_month)
                .values(statement_id=statement.id).returning(BillingRecord.unit_price)
                .execution_options(synchronize_session=False)).all()
            statement.item_count, statement.total = len(prices), sum(prices)
    except IntegrityError:  # another close made this statement meanwhile
        return None
    return statement


def close_ended_months(moment=None) -> list[Statement]:
    """Close every month that has ended at ``moment`` (default: now); return the new statements."""
    last = months.shift(months.month_of(moment or clock.now()), -1)
    open_months = db.session.execute(
        sa.select(BillingRecord.org_id, BillingRecord.month).distinct()
        .where(BillingRecord.statement_id.is_(None), BillingRecord.month <= last)
        .execution_options(skip_tenant_scope=True)).all()
    by_org: dict[int, set[str]] = defaultdict(set)
    for org_id, month in open_months:
        by_org[org_id].add(month)
    made = []
    for org_id in sorted(by_org):
        closed = set(db.session.scalars(
            sa.select(Statement.month).where(Statement.org_id == org_id)
            .execution_options(skip_tenant_scope=True)))
        for month in sorted(by_org[org_id]):
            target = month
            while target in closed and target <= last:
                target = months.shift(target, 1)
            if target > last:
                continue  # its months are closed: it waits for the next statement
            statement = _close_one(org_id, target)
            closed.add(target)
            if statement is not None:
                made.append(statement)
    return made


def run_close() -> int:
    """Job: close the ended months and commit; returns the number of statements made."""
    made = close_ended_months()
    db.session.commit()
    log.info("billing close: %d statements", len(made))
    return len(made)


def schedule_close() -> None:
    """Make sure close jobs wait for the end of this month and ran for the last one.

    Called by the periodic tick (``jobs.pipeline.periodic``). Each job has
    a fixed id per month and is kept for 45 days, so each month closes once
    per queue; a lost queue gets its jobs back on the next call (a close of
    the month just ended, due already, runs at once).
    """
    from jobs.queue import get_queue

    current = months.month_of(clock.now())
    for month in (months.shift(current, -1), current):
        runs_at = months.start_of(months.shift(month, 1)) + CLOSE_DELAY
        try:
            get_queue().enqueue_at(clock.to_wall(runs_at), "portal.billing.close.run_close",
                                   job_id=f"billing-close-{month}", unique=True,
                                   result_ttl=KEEP_JOB.total_seconds())
        except DuplicateJobError:
            pass
        except redis.RedisError:  # billing never fails for the queue; the tick retries
            log.warning("could not schedule the billing close for %s", month, exc_info=True)
