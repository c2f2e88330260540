"""Applications (申請データ and 依頼データ) and their history.

Who sees an application (``tenant_criteria``):

- the owning organisation (``org_id``): the agent for its own work, the
  requester for the 依頼データ it entered;
- the agent it is handed to (``agent_org_id``), while that agent is linked to
  the requester (or when there is no requester);
- the requester (``requester_org_id``) of a 依頼データ;

and nobody once it is deleted (``deleted_at``: data never filed, emptied).

A requester therefore sees only its own requests, and an agent sees its own
work plus what its linked requesters handed it — never a requester's draft
that has not been handed over (``agent_org_id`` is set on hand-over).
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.extensions import db
from portal.models.base import enum_type
from portal.models.base import utcnow
from portal.models.org import Branch
from portal.models.org import Organization
from portal.models.oss_account import Backend
from portal.models.user import User


class ApplicationState(enum.StrEnum):
    """Portal-local state (DOMAIN.md §3.2). The raw OSS status is kept apart."""

    DRAFT = "draft"
    READY = "ready"
    REQUESTED = "requested"
    RETURNED = "returned"
    # Sending and after (the submission pipeline, issue 5).
    SIGNED = "signed"
    SENDING = "sending"
    SEND_ERROR = "send_error"
    ARRIVED = "arrived"
    RECEPTION_REVIEW = "reception_review"
    LIST_SENT = "list_sent"
    UNDER_REVIEW = "under_review"
    PAYMENT_PENDING = "payment_pending"
    CORRECTION_REQUESTED = "correction_requested"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    DELIVERY = "delivery"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    ApplicationState.DRAFT: "作成中",
    ApplicationState.READY: "申請準備完了",
    ApplicationState.REQUESTED: "依頼中",
    ApplicationState.RETURNED: "差戻し",
    ApplicationState.SIGNED: "署名済",
    ApplicationState.SENDING: "送信中",
    ApplicationState.SEND_ERROR: "申請エラー",
    ApplicationState.ARRIVED: "到達",
    ApplicationState.RECEPTION_REVIEW: "受付審査中",
    ApplicationState.LIST_SENT: "受付番号リスト送信済",
    ApplicationState.UNDER_REVIEW: "審査中",
    ApplicationState.PAYMENT_PENDING: "納付待ち",
    ApplicationState.CORRECTION_REQUESTED: "補正要求",
    ApplicationState.SUSPENDED: "中断",
    ApplicationState.COMPLETED: "手続完了",
    ApplicationState.DELIVERY: "交付待ち",
    ApplicationState.CLOSED: "完了",
    ApplicationState.REJECTED: "却下",
    ApplicationState.WITHDRAWN: "取下げ",
}

# States in which the data may still be edited in the portal.
EDITABLE_STATES = frozenset({ApplicationState.DRAFT, ApplicationState.READY,
                             ApplicationState.REQUESTED, ApplicationState.RETURNED})
# States in which the application has not (successfully) reached OSS yet.
UNSENT_STATES = EDITABLE_STATES | {ApplicationState.SEND_ERROR}


# 申請データ検索 (issue 5) reads indexes only, never the rows with their JSON: this index
# holds every column the search filters, sorts or checks visibility on, in the order of the
# default sort (newest first), so the first pages are read in order and the walk stops early.
SEARCH_INDEX_COLUMNS = (
    "updated_at", "id", "org_id", "agent_org_id", "requester_org_id", "state", "procedure",
    "backend", "oss_status", "created_by_id", "created_at", "submitted_at", "accepted_at",
    "completed_at", "registration_no", "chassis_no", "owner_name", "receipt_number",
    "deleted_at",
)


class Application(db.Model):
    __table_args__ = (
        sa.Index("ix_application_search", *SEARCH_INDEX_COLUMNS),
        # The visibility columns alone: counting what a tenant may see reads this small index.
        sa.Index("ix_application_visibility", "org_id", "agent_org_id", "requester_org_id",
                 "deleted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    agent_org_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id"), nullable=True, index=True)
    requester_org_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id"), nullable=True, index=True)
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branch.id"), nullable=True)
    procedure: Mapped[str] = mapped_column(sa.String(40), index=True)
    backend: Mapped[Backend] = mapped_column(enum_type(Backend, 10))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[ApplicationState] = mapped_column(
        enum_type(ApplicationState, 30), default=ApplicationState.DRAFT, index=True)
    hybrid: Mapped[bool] = mapped_column(default=False)
    # Denormalised from the payload for lists and search (kept in step by the service).
    registration_no: Mapped[str] = mapped_column(sa.String(40), default="", index=True)
    chassis_no: Mapped[str] = mapped_column(sa.String(30), default="", index=True)
    owner_name: Mapped[str] = mapped_column(sa.String(120), default="")
    source_application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("application.id"), nullable=True)
    # The bulk import whose row it was (its result page lists exactly these). No foreign
    # key: adding one rebuilds this table on SQLite; batches are never deleted.
    import_batch_id: Mapped[int | None] = mapped_column(nullable=True, index=True)
    return_comment: Mapped[str] = mapped_column(sa.Text, default="")
    # What OSS last reported (kept raw, beside the portal's own state).
    oss_status: Mapped[str] = mapped_column(sa.String(30), default="", index=True)
    oss_status_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    arrival_number: Mapped[str] = mapped_column(sa.String(40), default="", index=True)
    receipt_number: Mapped[str] = mapped_column(sa.String(40), default="", index=True)
    flags: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    fees: Mapped[list] = mapped_column(sa.JSON, default=list)
    oss_detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    suspend_reserved: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), nullable=True)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)
    # Deleted before it was ever filed: emptied and seen by no one; the id is never reused.
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)

    organization: Mapped[Organization] = relationship(foreign_keys=[org_id])
    agent: Mapped[Organization | None] = relationship(foreign_keys=[agent_org_id])
    requester: Mapped[Organization | None] = relationship(foreign_keys=[requester_org_id])
    branch: Mapped[Branch | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    @classmethod
    def tenant_criteria(cls, scope):
        return sa.and_(cls.deleted_at.is_(None), sa.or_(
            cls.org_id == scope.org_id,
            cls.requester_org_id == scope.org_id,
            sa.and_(
                cls.agent_org_id == scope.org_id,
                sa.or_(cls.requester_org_id.is_(None),
                       cls.requester_org_id.in_(scope.linked_org_ids)),
            ),
        ))

    @property
    def is_request(self) -> bool:
        return self.requester_org_id is not None

    @property
    def state_label(self) -> str:
        return self.state.label


class ApplicationEvent(db.Model):
    """One step in an application's history (created, saved, handed over …)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), nullable=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"), nullable=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    from_state: Mapped[str] = mapped_column(sa.String(30), default="")
    to_state: Mapped[str] = mapped_column(sa.String(30), default="")
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    user: Mapped[User | None] = relationship()

    @classmethod
    def tenant_criteria(cls, scope):
        """The events of the applications ``scope`` sees — but of a 依頼データ handed from
        one office to another (returned by the first, then given to a second), an office
        sees the requester's steps, its own and OSS's, never the other office's (its
        差戻し comment, its staff's edits). The requester sees every step of its request."""
        visible = sa.select(Application.id).where(Application.tenant_criteria(scope))
        owned = sa.select(Application.id).where(Application.org_id == scope.org_id)
        return sa.and_(cls.application_id.in_(visible), sa.or_(
            cls.org_id.is_(None), cls.org_id.in_(scope.visible_org_ids),
            cls.application_id.in_(owned)))
