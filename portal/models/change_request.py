"""変更等申込: changes an admin asks for and association staff decide."""

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
from portal.models.org import Organization
from portal.models.user import User


class ChangeKind(enum.StrEnum):
    OFFICE_ADDRESS = "office_address"
    BANK_ACCOUNT = "bank_account"
    CONTACT = "contact"
    CONVERT_TO_CORP = "convert_to_corp"

    @property
    def label(self) -> str:
        return {
            "office_address": "事務所所在地の変更",
            "bank_account": "口座振替口座の変更",
            "contact": "連絡先の変更",
            "convert_to_corp": "行政書士から行政書士法人への切替",
        }[self.value]


class ChangeStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "審査待ち", "approved": "承認済", "rejected": "却下"}[self.value]


class ChangeRequest(TenantOwned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ChangeKind] = mapped_column(enum_type(ChangeKind, 30))
    status: Mapped[ChangeStatus] = mapped_column(
        enum_type(ChangeStatus, 10), default=ChangeStatus.PENDING
    )
    payload: Mapped[dict] = mapped_column(sa.JSON)
    before: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    decision_comment: Mapped[str] = mapped_column(sa.Text, default="")

    organization: Mapped[Organization] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
