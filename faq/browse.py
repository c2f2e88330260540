"""What the public FAQ and notices pages show for a query string."""

from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from faq import search
from faq.models import FaqCategory
from faq.models import FaqEntry
from faq.models import Notice
from faq.models import NoticeKind
from portal.clock import utcnow
from portal.extensions import db

PER_PAGE = 20


def _page(args) -> int:
    return max(1, args.get("page", 1, type=int) or 1)


def published_categories() -> list[FaqCategory]:
    """Categories that have at least one published entry, in display order."""
    has_entries = sa.select(FaqEntry.id).where(
        FaqEntry.category_id == FaqCategory.id, FaqEntry.published.is_(True)).exists()
    return list(db.session.scalars(
        sa.select(FaqCategory).where(has_entries).order_by(FaqCategory.sort_order, FaqCategory.id)))


def faq_listing(category_id: int | None) -> list[tuple[FaqCategory, list[FaqEntry]]]:
    """Published entries grouped by category (one category when given)."""
    query = (sa.select(FaqEntry).join(FaqEntry.category).options(joinedload(FaqEntry.category))
             .where(FaqEntry.published.is_(True))
             .order_by(FaqCategory.sort_order, FaqCategory.id, FaqEntry.sort_order, FaqEntry.id))
    if category_id is not None:
        query = query.where(FaqEntry.category_id == category_id)
    entries = db.session.scalars(query).all()
    return [(category, list(rows)) for category, rows in groupby(entries, lambda e: e.category)]


def faq_context(args) -> dict:
    """Context for ``/faq``: search results when ``q`` is given, else the listing."""
    q = (args.get("q") or "").strip()
    categories = published_categories()
    category_id = args.get("category", type=int)
    if category_id not in {c.id for c in categories}:
        category_id = None
    ctx = {"q": q, "categories": categories, "category_id": category_id, "results": None}
    if q:
        ctx["results"] = search.search(search.FAQ, q, facet=category_id, page=_page(args),
                                       per_page=PER_PAGE)
    else:
        ctx["listing"] = faq_listing(category_id)
    return ctx


def notices_context(args) -> dict:
    """Context for ``/notices``: search results when ``q`` is given, else the current notices."""
    q = (args.get("q") or "").strip()
    kind = args.get("kind") if args.get("kind") in {k.value for k in NoticeKind} else None
    ctx = {"q": q, "kind": kind, "kinds": list(NoticeKind), "results": None}
    if q:
        ctx["results"] = search.search(search.NOTICES, q, facet=kind, page=_page(args),
                                       per_page=PER_PAGE)
        return ctx
    query = (sa.select(Notice).where(search.notice_visible(utcnow()))
             .order_by(*search.NOTICES.order_by()))
    if kind:
        query = query.where(Notice.kind == NoticeKind(kind))
    ctx["listing"] = db.paginate(query, page=_page(args), per_page=PER_PAGE, error_out=False)
    return ctx


def visible_entry(entry_id: int) -> FaqEntry | None:
    return db.session.scalar(sa.select(FaqEntry).where(
        FaqEntry.id == entry_id, FaqEntry.published.is_(True)))


def visible_notice(notice_id: int) -> Notice | None:
    return db.session.scalar(sa.select(Notice).where(
        Notice.id == notice_id, search.notice_visible(utcnow())))
