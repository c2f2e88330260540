"""The audit log: logins, denials and admin actions."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.extensions import db
from portal.models.base import utcnow


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, index=True)
    org_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id"), nullable=True, index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), nullable=True)
    login_id: Mapped[str] = mapped_column(sa.String(40), default="")
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(10), default="ok")
    target: Mapped[str] = mapped_column(sa.String(120), default="")
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    request_id: Mapped[str] = mapped_column(sa.String(32), default="")

    @classmethod
    def tenant_criteria(cls, scope):
        return cls.org_id == scope.org_id
