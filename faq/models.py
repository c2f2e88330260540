"""FAQ categories and entries, and notices (お知らせ): global, public content.

Each searchable row keeps a folded copy of its text (``search_title``,
``search_text``) beside the original. The copy is recomputed before every
insert and update, and the database's search indexes follow it (SQLite FTS5
tables kept by triggers, or a PostgreSQL GIN index over an expression; see
``faq.index`` and the ``0006``/``0007`` migrations).
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from faq.markdown import plain_text
from faq.text import fold
from portal.extensions import db
from portal.models.base import enum_type
from portal.models.base import utcnow


class FaqCategory(db.Model):
    __tenant_global__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    entries: Mapped[list["FaqEntry"]] = relationship(
        back_populates="category", order_by="(FaqEntry.sort_order, FaqEntry.id)"
    )


class FaqEntry(db.Model):
    __tenant_global__ = True
    __table_args__ = (sa.UniqueConstraint("category_id", "search_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("faq_category.id"), index=True)
    question: Mapped[str] = mapped_column(sa.String(300))
    answer: Mapped[str] = mapped_column(sa.Text)  # safe Markdown subset (faq.markdown)
    keywords: Mapped[str] = mapped_column(sa.String(200), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    published: Mapped[bool] = mapped_column(default=False)
    search_title: Mapped[str] = mapped_column(sa.Text, default="")
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[FaqCategory] = relationship(back_populates="entries")

    @property
    def title(self) -> str:
        return self.question

    @property
    def body(self) -> str:
        return self.answer

    def refresh_search_fields(self) -> None:
        """Recompute the folded copy from question, keywords and answer."""
        self.search_title = fold(self.question or "")
        parts = (self.question or "", self.keywords or "", plain_text(self.answer or ""))
        self.search_text = fold("\n".join(parts))


class NoticeKind(enum.StrEnum):
    IMPORTANT = "important"
    MAINTENANCE = "maintenance"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"important": "重要", "maintenance": "メンテナンス", "info": "お知らせ"}[self.value]


class Notice(db.Model):
    """A notice shown between ``publish_from`` and ``publish_until`` once published.

    Maintenance notices carry the planned outage (``outage_start``–``outage_end``).
    All times are naive UTC.
    """

    __tenant_global__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = mapped_column(enum_type(NoticeKind, 20), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)  # safe Markdown subset
    published: Mapped[bool] = mapped_column(default=False)
    publish_from: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    publish_until: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    outage_start: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    outage_end: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    search_title: Mapped[str] = mapped_column(sa.Text, default="")
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    def refresh_search_fields(self) -> None:
        """Recompute the folded copy from title and body."""
        self.search_title = fold(self.title or "")
        self.search_text = fold("\n".join((self.title or "", plain_text(self.body or ""))))


def _refresh(_mapper, _connection, target) -> None:
    target.refresh_search_fields()


for _model in (FaqEntry, Notice):
    event.listen(_model, "before_insert", _refresh)
    event.listen(_model, "before_update", _refresh)
