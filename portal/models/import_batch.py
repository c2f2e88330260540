"""One bulk-import upload: the file (until imported), then its per-row outcome."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import deferred
from sqlalchemy.orm import mapped_column

from portal.extensions import db
from portal.models.base import TenantOwned
from portal.models.base import enum_type
from portal.models.base import utcnow


class ImportStatus(enum.StrEnum):
    PENDING = "pending"      # stored, waiting for the job
    RUNNING = "running"
    REFUSED = "refused"      # some rows are wrong: nothing was imported
    IMPORTED = "imported"    # applications made (every row, or the valid rows when asked)
    FAILED = "failed"        # the file itself could not be read

    @property
    def label(self) -> str:
        return {"pending": "待機中", "running": "取込中", "refused": "エラーあり(取込なし)",
                "imported": "取込済", "failed": "読込不可"}[self.value]

    @property
    def terminal(self) -> bool:
        return self in (ImportStatus.REFUSED, ImportStatus.IMPORTED, ImportStatus.FAILED)


class ImportBatch(TenantOwned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), nullable=True)
    procedure: Mapped[str] = mapped_column(sa.String(40))
    filename: Mapped[str] = mapped_column(sa.String(200), default="")  # shown, never used as a path
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, default=b"", nullable=False))
    valid_only: Mapped[bool] = mapped_column(default=False)
    to_full_width: Mapped[bool] = mapped_column(default=False)
    mark_ready: Mapped[bool] = mapped_column(default=False)  # rows ready to send when they can be
    # A requester's batch: the office its rows are handed to (依頼中) as they are imported.
    agent_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"),
                                                     nullable=True)
    status: Mapped[ImportStatus] = mapped_column(enum_type(ImportStatus, 10),
                                                 default=ImportStatus.PENDING)
    job_run_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    total_rows: Mapped[int] = mapped_column(default=0)
    valid_rows: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    ready_count: Mapped[int] = mapped_column(default=0)  # of ``imported``: ready / handed over
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(sa.JSON, default=list)  # [[row, column, message], …]
    message: Mapped[str] = mapped_column(sa.Text, default="")
    first_application_id: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
