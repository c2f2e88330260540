"""The billing hook the submission pipeline calls when OSS reports completion.

``portal.submissions.status.record_oss_status`` calls
``on_completed(application_id)`` after it has put the completed status on the
application, inside its own transaction (this module never commits). The
application is billed once: a second report finds the record, and the unique
constraint on ``billing_record.application_id`` stops a concurrent one.
"""

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from oss.status import COMPLETED
from portal import clock
from portal.billing.months import month_of
from portal.billing.prices import unit_price
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState
from portal.models import BillingRecord

log = logging.getLogger(__name__)

# Portal states that follow completion (検査・登録・記録完了).
COMPLETED_STATES = frozenset({ApplicationState.COMPLETED, ApplicationState.DELIVERY,
                              ApplicationState.CLOSED})


def is_billable(application: Application) -> bool:
    """Only a completed application is billed: never one not accepted, rejected or in error.

    A 再申請 after 却下 is the same application: it becomes billable only if it completes.
    """
    return application.oss_status == COMPLETED or application.state in COMPLETED_STATES


def billed_org_id(application: Application) -> int:
    """The filing organisation: the agent a request was handed to, else the owner."""
    return application.agent_org_id or application.org_id


def _existing(application_id: int) -> BillingRecord | None:
    return db.session.scalar(
        sa.select(BillingRecord).where(BillingRecord.application_id == application_id)
        .execution_options(skip_tenant_scope=True))


def on_completed(application_id: int, completed_at: datetime | None = None
                 ) -> BillingRecord | None:
    """Bill ``application_id`` once if it is complete; return its record (None if not billable)."""
    application = db.session.scalar(
        sa.select(Application).where(Application.id == application_id)
        .execution_options(skip_tenant_scope=True))
    if application is None or not is_billable(application):
        return None
    existing = _existing(application_id)
    if existing is not None:
        return existing
    when = completed_at or application.completed_at or clock.now()
    record = BillingRecord(
        org_id=billed_org_id(application), application_id=application.id,
        receipt_number=application.receipt_number, procedure=application.procedure,
        backend=application.backend, completed_at=clock.naive_utc(when), month=month_of(when),
        unit_price=unit_price(when))
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:  # a concurrent report billed it first
        return _existing(application_id)
    return record
