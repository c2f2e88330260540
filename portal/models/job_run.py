"""A database row mirrors every background job, so the UI never reads Redis."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.extensions import db
from portal.models.base import enum_type
from portal.models.base import utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    STARTED = "started"
    FINISHED = "finished"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"queued": "待機中", "started": "実行中", "finished": "完了", "failed": "エラー"}[
            self.value
        ]

    @property
    def terminal(self) -> bool:
        return self in (JobStatus.FINISHED, JobStatus.FAILED)


class JobRun(db.Model):
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), nullable=True)
    status: Mapped[JobStatus] = mapped_column(
        enum_type(JobStatus, 10), default=JobStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)

    @classmethod
    def tenant_criteria(cls, scope):
        return cls.org_id == scope.org_id
