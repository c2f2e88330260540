"""予約送信: a send refused outside service hours, carried out at the next opening."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.extensions import db
from portal.models.base import TenantOwned
from portal.models.base import enum_type
from portal.models.base import utcnow
from portal.models.user import User


class ScheduledState(enum.StrEnum):
    SCHEDULED = "scheduled"  # waiting for run_at
    RUNNING = "running"      # claimed by the job (lease_until says until when)
    DONE = "done"            # handed to the pipeline as a send batch
    FAILED = "failed"        # the pipeline refused it; error_message says why
    CANCELLED = "cancelled"  # cancelled by a user before it ran

    @property
    def label(self) -> str:
        return {"scheduled": "予約中", "running": "送信処理中", "done": "送信開始済",
                "failed": "送信できませんでした", "cancelled": "取消済"}[self.value]

    @property
    def live(self) -> bool:
        return self in (ScheduledState.SCHEDULED, ScheduledState.RUNNING)


class ScheduledSend(TenantOwned, db.Model):
    __table_args__ = (sa.Index("ix_scheduled_send_state_run_at", "state", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(sa.String(10), default="submit")  # SubmissionKind value
    application_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    run_at: Mapped[datetime] = mapped_column(sa.DateTime)  # naive UTC, portal clock
    state: Mapped[ScheduledState] = mapped_column(enum_type(ScheduledState, 10),
                                                  default=ScheduledState.SCHEDULED)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("send_batch.id"), nullable=True)
    error_message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)

    user: Mapped[User] = relationship()
