"""One search over FAQ entries and notices, backed by the database's index.

Matching and ranking happen in SQL (``faq.index``): one statement returns
only the requested page of ids with their scores and the total number of
matches. Only that page is loaded, highlighted and cut into snippets.
"""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from faq import index
from faq.markdown import plain_text
from faq.models import FaqEntry
from faq.models import Notice
from faq.models import NoticeKind
from faq.synonyms import expand
from faq.text import Query
from faq.text import highlight
from faq.text import parse_query
from faq.text import snippet
from portal.extensions import db
from portal.models.base import utcnow


def notice_visible(now: datetime):
    """Published notices inside their publish window at ``now``."""
    return sa.and_(
        Notice.published.is_(True),
        Notice.publish_from <= now,
        sa.or_(Notice.publish_until.is_(None), Notice.publish_until > now),
    )


@dataclass(frozen=True)
class Source:
    """A searchable table: its name (prefix of its index tables), facet, visibility, order."""

    model: type
    table: str
    facet: Callable
    visible: Callable
    order: Callable
    options: tuple = ()


FAQ = Source(
    model=FaqEntry,
    table="faq_entry",
    facet=lambda value: FaqEntry.category_id == value,
    visible=lambda now: FaqEntry.published.is_(True),
    order=lambda: (FaqEntry.sort_order, FaqEntry.id),
    options=(joinedload(FaqEntry.category),),
)
NOTICES = Source(
    model=Notice,
    table="notice",
    facet=lambda value: Notice.kind == NoticeKind(value),
    visible=notice_visible,
    order=lambda: (Notice.publish_from.desc(), Notice.id.desc()),
)


@dataclass
class Hit:
    item: object
    title: Markup
    snippet: Markup
    score: float


@dataclass
class Results:
    query: Query
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def term_groups(query: Query) -> list[tuple[str, ...]]:
    """Each term with its synonyms: the groups are ANDed, the members ORed."""
    return [expand(term) for term in query.terms]


@dataclass(frozen=True)
class Statements:
    """The page of ranked ids with the total, and the count alone (for a page past the end)."""

    page: sa.Select
    count: sa.Select


def statements(source: Source, query: Query, *, facet=None, page: int = 1, per_page: int = 20,
               include_hidden: bool = False, now: datetime | None = None,
               use_index: bool = True) -> Statements:
    """Build the SELECT for one page of ranked ids with the total, and the count alone.

    The total travels with the page: on SQLite's index as a count subquery
    (FTS5 counts its matches without ranking them, cheaper than a window),
    elsewhere as a window count over the rows that are ranked anyway.
    """
    dialect = db.session.get_bind().dialect.name
    found = index.match(source.model, source.table, term_groups(query), dialect, use_index)
    conditions = list(found.conditions)
    if facet is not None:
        conditions.append(source.facet(facet))
    if not include_hidden:
        conditions.append(source.visible(now or utcnow()))
    count = sa.select(sa.func.count()).select_from(found.selectable).where(*conditions)
    if use_index and dialect == "sqlite":
        total = count.scalar_subquery()
    else:
        total = sa.func.count().over()
    score = found.score.label("score")
    rows = (sa.select(source.model.id, score, total.label("total"))
            .select_from(found.selectable).where(*conditions)
            .order_by(score.desc(), *source.order())
            .limit(per_page).offset((page - 1) * per_page))
    return Statements(rows, count)


def ranked(stmts: Statements, page: int) -> tuple[list[tuple[int, float]], int]:
    """Run the page query; the count query only runs for an empty page past the first."""
    rows = db.session.execute(stmts.page).all()
    if rows:
        total = rows[0].total
    else:
        total = db.session.scalar(stmts.count) if page > 1 else 0
    return [(row.id, row.score) for row in rows], total


def search(source: Source, raw: str | None, *, facet=None, page: int = 1, per_page: int = 20,
           include_hidden: bool = False, now: datetime | None = None,
           use_index: bool = True) -> Results:
    """Find the rows of ``source`` matching ``raw``, best first, one page at a time.

    :param facet: a category id (FAQ) or notice kind value to filter on.
    :param include_hidden: also find unpublished rows (association staff).
    :param use_index: ``False`` answers by a plain ``LIKE`` scan (benchmark baseline).
    """
    query = parse_query(raw)
    page = max(1, page)
    results = Results(query=query, page=page, per_page=per_page)
    if not query:
        return results
    stmts = statements(source, query, facet=facet, page=page, per_page=per_page,
                       include_hidden=include_hidden, now=now, use_index=use_index)
    rows, results.total = ranked(stmts, page)
    items = {item.id: item for item in db.session.scalars(
        sa.select(source.model).where(source.model.id.in_([item_id for item_id, _ in rows]))
        .options(*source.options))}
    marks = [alt for alts in term_groups(query) for alt in alts]
    results.hits = [
        Hit(item=items[item_id], title=highlight(items[item_id].title, marks),
            snippet=snippet(plain_text(items[item_id].body), marks), score=score)
        for item_id, score in rows
    ]
    return results


def rebuild_index() -> int:
    """Refresh every folded copy and rebuild the SQLite FTS5 tables (PostgreSQL's index
    follows the rows by itself); return the row count."""
    count = 0
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    for source in (FAQ, NOTICES):
        for row in db.session.scalars(sa.select(source.model)):
            row.refresh_search_fields()
            count += 1
        db.session.flush()
        for table in index.fts_tables(source.table) if sqlite else ():
            db.session.execute(sa.text(f"INSERT INTO {table}({table}) VALUES ('rebuild')"))
    db.session.commit()
    return count
