"""The submission pipeline's records: submissions (the outbox), bulk sends and
受付番号リスト. See docs/pipeline.md."""

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
from portal.models.oss_account import Backend


class SubmissionState(enum.StrEnum):
    PENDING = "pending"    # written with the user's action; a job will claim it
    SENDING = "sending"    # claimed by a job (lease_until says until when)
    SENT = "sent"          # OSS answered with a 到達番号
    UNKNOWN = "unknown"    # sent, no answer (timeout / 5xx): resolved by a status query by key
    RETRY = "retry"        # failed before sending; tried again at next_attempt_at
    FAILED = "failed"      # refused or given up; the reason is in error_message

    @property
    def label(self) -> str:
        return {"pending": "送信待ち", "sending": "送信中", "sent": "送信済", "unknown": "確認中",
                "retry": "再試行待ち", "failed": "申請エラー"}[self.value]

    @property
    def terminal(self) -> bool:
        return self in (SubmissionState.SENT, SubmissionState.FAILED)


class SubmissionKind(enum.StrEnum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"  # 再申請 after 却下


ACTIVE_STATES = ("pending", "sending", "sent", "unknown", "retry")
BATCH_RANK = "CASE state WHEN 'failed' THEN 0 WHEN 'sent' THEN 2 ELSE 1 END"


class SendBatch(TenantOwned, db.Model):
    """One bulk send by one user; its progress is read from its submissions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), nullable=True)
    total: Mapped[int] = mapped_column(default=0)
    # Applications the user picked that were not sent: [{"application_id", "reason"}].
    refused: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    submissions: Mapped[list["Submission"]] = relationship(back_populates="batch",
                                                           order_by="Submission.id")


class Submission(TenantOwned, db.Model):
    __table_args__ = (
        # At most one live (not failed) first submission per application.
        sa.Index("uq_submission_live_per_application", "application_id", unique=True,
                 sqlite_where=sa.text("state IN ('pending','sending','sent','unknown','retry') "
                                      "AND kind = 'submit'"),
                 postgresql_where=sa.text("state IN ('pending','sending','sent','unknown','retry')"
                                          " AND kind = 'submit'")),
        sa.Index("ix_submission_state_next", "state", "next_attempt_at"),
        # A bulk send's page (scoped to the office) in page order: its poll sorts nothing.
        sa.Index("ix_submission_batch_page", "batch_id", "org_id", "batch_rank", "id"),
        # An office's sends of the day, counted against its daily quota.
        sa.Index("ix_submission_org_created", "org_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("send_batch.id"), nullable=True)
    kind: Mapped[SubmissionKind] = mapped_column(enum_type(SubmissionKind, 10),
                                                 default=SubmissionKind.SUBMIT)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    state: Mapped[SubmissionState] = mapped_column(enum_type(SubmissionState, 10),
                                                   default=SubmissionState.PENDING)
    # Where the row stands on its bulk send's page: refused first, then in flight, then sent.
    batch_rank: Mapped[int] = mapped_column(sa.SmallInteger, sa.Computed(BATCH_RANK,
                                                                         persisted=True))
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    enqueued_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    job_id: Mapped[str] = mapped_column(sa.String(80), default="")  # RQ job last enqueued
    certificate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("signing_certificate.id"), nullable=True)
    oss_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("oss_account.id"),
                                                       nullable=True)
    secret_version: Mapped[int | None] = mapped_column(nullable=True)
    document_digest: Mapped[str] = mapped_column(sa.String(128), default="")
    # The signed bytes, kept until the outcome is known (a resend after "not found"
    # sends exactly these under the same key); cleared when the row is terminal.
    document: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True,
                                                   deferred=True)
    signed_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    arrival_number: Mapped[str] = mapped_column(sa.String(40), default="")
    error_code: Mapped[str] = mapped_column(sa.String(40), default="")
    error_message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    batch: Mapped[SendBatch | None] = relationship(back_populates="submissions")
    application = relationship("Application")


class ListStatus(enum.StrEnum):
    UNSENT = "unsent"
    SENDING = "sending"
    SENT = "sent"
    ERROR = "error"

    @property
    def label(self) -> str:
        return {"unsent": "未送信", "sending": "送信中", "sent": "送信済", "error": "エラー"}[
            self.value]


class ReceiptList(TenantOwned, db.Model):
    """受付番号リスト: receipt numbers taken to one counter visit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[Backend] = mapped_column(enum_type(Backend, 10))
    oss_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("oss_account.id"),
                                                       nullable=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    status: Mapped[ListStatus] = mapped_column(enum_type(ListStatus, 10),
                                               default=ListStatus.UNSENT)
    identification_number: Mapped[str] = mapped_column(sa.String(40), default="")
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    error_message: Mapped[str] = mapped_column(sa.Text, default="")
    error_code: Mapped[str] = mapped_column(sa.String(40), default="")
    # The send job claims the list by compare-and-set on the lease (jobs/receipts.py).
    attempts: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"),
                                                      nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)

    items: Mapped[list["ReceiptListItem"]] = relationship(back_populates="receipt_list",
                                                          order_by="ReceiptListItem.id")


class ReceiptListItem(TenantOwned, db.Model):
    __table_args__ = (sa.UniqueConstraint("receipt_list_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_list_id: Mapped[int] = mapped_column(sa.ForeignKey("receipt_list.id"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    # The filing the list is for: after 再申請 the application has new numbers (0018).
    receipt_number: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    arrival_number: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")

    receipt_list: Mapped[ReceiptList] = relationship(back_populates="items")
    application = relationship("Application")
