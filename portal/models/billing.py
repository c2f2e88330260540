"""Usage billing: one record per completed application, one statement per organisation and month.

See docs/hours-and-billing.md. A record is written when OSS reports the
application complete (``portal.billing.hooks.on_completed``); the unique
``application_id`` makes a second report a no-op. The monthly close attaches
the open records to a ``Statement``; a record whose completion month was
already closed when it arrived goes on the next statement.
"""

from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.extensions import db
from portal.models.base import TenantOwned
from portal.models.base import enum_type
from portal.models.base import utcnow
from portal.models.org import Organization
from portal.models.oss_account import Backend


class Statement(TenantOwned, db.Model):
    """The closed usage of one organisation for one month (Japan time)."""

    __table_args__ = (sa.UniqueConstraint("org_id", "month", name="uq_statement_org_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), index=True)  # "YYYY-MM"
    item_count: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)  # yen, tax included
    debit_date: Mapped[date] = mapped_column(sa.Date)
    closed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    records: Mapped[list["BillingRecord"]] = relationship(
        back_populates="statement", order_by="BillingRecord.completed_at, BillingRecord.id")


class BillingRecord(TenantOwned, db.Model):
    """One billable completion; ``org_id`` is the filing (billed) organisation."""

    __table_args__ = (
        sa.UniqueConstraint("application_id", name="uq_billing_record_application"),
        sa.Index("ix_billing_record_open", "org_id", "statement_id", "month"),
        sa.Index("ix_billing_record_month_backend", "month", "backend"),  # the usage counts
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"))
    statement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("statement.id"),
                                                     nullable=True, index=True)
    receipt_number: Mapped[str] = mapped_column(sa.String(40), default="")
    procedure: Mapped[str] = mapped_column(sa.String(40))
    backend: Mapped[Backend] = mapped_column(enum_type(Backend, 10))
    completed_at: Mapped[datetime] = mapped_column(sa.DateTime)  # naive UTC
    month: Mapped[str] = mapped_column(sa.String(7))  # completion month, Japan time
    unit_price: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    statement: Mapped[Statement | None] = relationship(back_populates="records")
