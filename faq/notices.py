"""Which notices are current, which outage to announce, and the outage windows.

``outages_between`` is the interface for service hours (issue 7): it returns
the planned maintenance windows of *published* maintenance notices, whether or
not the notice is still on display (the outage happens either way).

"Now" is the portal clock (``portal.clock``), the same moment service hours
and billing read, so a demo started at another moment shows the banners of
that moment.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import g
from flask import has_request_context
from sqlalchemy.exc import SQLAlchemyError

from faq.models import Notice
from faq.models import NoticeKind
from faq.search import notice_visible
from portal.clock import utcnow
from portal.extensions import db


@dataclass(frozen=True)
class Outage:
    """A planned outage, naive UTC, ``start`` inclusive and ``end`` exclusive."""

    start: datetime
    end: datetime
    title: str
    notice_id: int

    @property
    def ongoing(self) -> bool:
        return self.start <= utcnow() < self.end


def current_notices(limit: int = 5, now: datetime | None = None) -> list[Notice]:
    """Notices on display now, important ones first, newest first."""
    now = now or utcnow()
    importance = sa.case((Notice.kind == NoticeKind.IMPORTANT, 0),
                         (Notice.kind == NoticeKind.MAINTENANCE, 1), else_=2)
    return list(db.session.scalars(
        sa.select(Notice).where(notice_visible(now))
        .order_by(importance, Notice.publish_from.desc(), Notice.id.desc()).limit(limit)
    ))


def outages_between(start: datetime, end: datetime) -> list[Outage]:
    """Planned outages overlapping ``[start, end)`` (naive UTC), earliest first."""
    rows = db.session.scalars(
        sa.select(Notice).where(
            Notice.published.is_(True),
            Notice.kind == NoticeKind.MAINTENANCE,
            Notice.outage_start.is_not(None),
            Notice.outage_end.is_not(None),
            Notice.outage_start < end,
            Notice.outage_end > start,
        ).order_by(Notice.outage_start, Notice.id)
    )
    return [Outage(n.outage_start, n.outage_end, n.title, n.id) for n in rows]


def announced_outage(now: datetime | None = None) -> Outage | None:
    """The next or ongoing outage whose notice is on display, for the page banner."""
    now = now or utcnow()
    notice = db.session.scalar(
        sa.select(Notice).where(
            notice_visible(now),
            Notice.kind == NoticeKind.MAINTENANCE,
            Notice.outage_start.is_not(None),
            Notice.outage_end > now,
        ).order_by(Notice.outage_start, Notice.id).limit(1)
    )
    if notice is None:
        return None
    return Outage(notice.outage_start, notice.outage_end, notice.title, notice.id)


def outage_banner() -> Outage | None:
    """Jinja global for ``base.html``; once per request, and never an error page's error."""
    if has_request_context() and "faq_outage" in g:
        return g.faq_outage
    try:
        outage = announced_outage()
    except SQLAlchemyError:
        db.session.rollback()  # the page being rendered may itself report a database outage
        outage = None
    if has_request_context():
        g.faq_outage = outage
    return outage
