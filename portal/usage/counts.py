"""Monthly counts of completed applications by back-end.

A completed application has exactly one billing record, stamped with its
completion month in Japan time, so the counts are read from those records.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Backend
from portal.models import BillingRecord


@dataclass(frozen=True)
class MonthCount:
    month: str
    mlit: int
    kei: int

    @property
    def total(self) -> int:
        return self.mlit + self.kei


def monthly_counts(month_list: list[str], org_id: int | None = None) -> list[MonthCount]:
    """Counts for each month of ``month_list``: all organisations, or only ``org_id``.

    The all-organisations figures are public aggregates, read outside the tenant scope.
    """
    query = (sa.select(BillingRecord.month, BillingRecord.backend, sa.func.count())
             .where(BillingRecord.month.in_(month_list))
             .group_by(BillingRecord.month, BillingRecord.backend))
    if org_id is None:
        query = query.execution_options(skip_tenant_scope=True)
    else:
        query = query.where(BillingRecord.org_id == org_id)
    found = {(m, Backend(b)): n for m, b, n in db.session.execute(query)}
    return [MonthCount(m, found.get((m, Backend.MLIT), 0), found.get((m, Backend.KEI), 0))
            for m in month_list]
