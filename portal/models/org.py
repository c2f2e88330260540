"""Organisations, their branches and agent-requester links."""

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


class OrgKind(enum.StrEnum):
    GYOSEISHOSHI = "gyoseishoshi"
    GYOSEISHOSHI_CORP = "gyoseishoshi_corp"
    EXEMPT = "exempt"
    REQUESTER = "requester"
    ASSOCIATION = "association"

    @property
    def label(self) -> str:
        return ORG_KIND_LABELS[self]

    @property
    def is_agent(self) -> bool:
        return self in AGENT_KINDS


ORG_KIND_LABELS = {
    OrgKind.GYOSEISHOSHI: "行政書士",
    OrgKind.GYOSEISHOSHI_CORP: "行政書士法人",
    OrgKind.EXEMPT: "適用除外者",
    OrgKind.REQUESTER: "依頼人",
    OrgKind.ASSOCIATION: "協会",
}
AGENT_KINDS = frozenset({OrgKind.GYOSEISHOSHI, OrgKind.GYOSEISHOSHI_CORP, OrgKind.EXEMPT})


class Organization(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(enum_type(OrgKind, 20))
    name: Mapped[str] = mapped_column(sa.String(120))
    name_kana: Mapped[str] = mapped_column(sa.String(120), default="")
    registration_number: Mapped[str] = mapped_column(sa.String(20), default="")
    postal_code: Mapped[str] = mapped_column(sa.String(8), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_person: Mapped[str] = mapped_column(sa.String(60), default="")
    bank_name: Mapped[str] = mapped_column(sa.String(60), default="")
    bank_branch: Mapped[str] = mapped_column(sa.String(60), default="")
    bank_account_type: Mapped[str] = mapped_column(sa.String(10), default="普通")
    bank_account_number: Mapped[str] = mapped_column(sa.String(10), default="")
    bank_account_holder: Mapped[str] = mapped_column(sa.String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Applications it may send per day (Japan time); None: the SEND_DAILY_QUOTA setting.
    daily_send_quota: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    branches: Mapped[list["Branch"]] = relationship(
        back_populates="organization", order_by="Branch.id"
    )

    @classmethod
    def tenant_criteria(cls, scope):
        return cls.id.in_(scope.visible_org_ids)

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def masked_account(self) -> str:
        """Bank account number with all but the last three digits hidden."""
        number = self.bank_account_number or ""
        if not number:
            return "未登録"
        return "＊" * max(len(number) - 3, 0) + number[-3:]


class Branch(TenantOwned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    kei_manager_name: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="branches")


class AgentRequesterLink(db.Model):
    """A requester hands work to an agent; made when the agent onboards it."""

    __table_args__ = (sa.UniqueConstraint("agent_org_id", "requester_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    requester_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    agent: Mapped[Organization] = relationship(foreign_keys=[agent_org_id])
    requester: Mapped[Organization] = relationship(foreign_keys=[requester_org_id])

    @classmethod
    def tenant_criteria(cls, scope):
        return sa.or_(cls.agent_org_id == scope.org_id, cls.requester_org_id == scope.org_id)
