"""One search over FAQ entries and notices, backed by the database's index.

Matching and ranking happen in SQL (``faq.index``): one statement returns
the best matches' ids with their scores (and so, for all but broad terms, the
number of matches). Only the requested page is loaded, highlighted and cut
into snippets.
"""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from faq import index
from faq import search_engine
from faq.markdown import plain_text
from faq.models import FaqEntry
from faq.models import Notice
from faq.models import NoticeKind
from faq.synonyms import expand
from faq.text import Query
from faq.text import highlight
from faq.text import parse_query
from faq.text import snippet
from portal.clock import utcnow
from portal.extensions import db


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


HEAD = 200
"""Matches read in one statement. With fewer, the total is their number and the
match runs once; with more (a broad term), a count statement follows."""


@dataclass(frozen=True)
class Statements:
    """Every match's id and score, best first (no LIMIT), and the count of matches."""

    ranked: sa.Select
    count: sa.Select

    def head(self) -> sa.Select:
        """The first ``HEAD`` matches: what ``ranked()`` runs for the first pages."""
        return self.ranked.limit(HEAD)


def statements(source: Source, query: Query, *, facet=None, include_hidden: bool = False,
               now: datetime | None = None, use_index: bool = True) -> Statements:
    """Build the SELECT of ranked ids and the count of matches.

    Ranking needs every match scored and sorted anyway; returning the total
    alongside (a count subquery, or a window count) ran the match a second
    time or cost another pass, which was a third of a typical query.
    """
    dialect = db.session.get_bind().dialect.name
    found = index.match(source.model, source.table, term_groups(query), dialect, use_index)
    conditions = list(found.conditions)
    if facet is not None:
        conditions.append(source.facet(facet))
    if not include_hidden:
        conditions.append(source.visible(now or utcnow()))
    count = sa.select(sa.func.count()).select_from(found.selectable).where(*conditions)
    score = found.score.label("score")
    rows = (sa.select(source.model.id, score).select_from(found.selectable).where(*conditions)
            .order_by(score.desc(), *source.order()))
    return Statements(rows, count)


def ranked(stmts: Statements, page: int, per_page: int = 20
           ) -> tuple[list[tuple[int, float]], int]:
    """One page of (id, score), best first, and the number of matches.

    A page within the first ``HEAD`` matches is cut from them; the count runs
    only when there are ``HEAD`` or more. A deeper page is read by OFFSET. The
    statements run on the search connection (``faq.search_engine``).
    """
    start = (page - 1) * per_page
    run = search_engine.execute
    if start + per_page <= HEAD:
        rows = run(stmts.head()).all()
        total = len(rows) if len(rows) < HEAD else run(stmts.count).scalar_one()
        rows = rows[start:start + per_page]
    else:
        rows = run(stmts.ranked.limit(per_page).offset(start)).all()
        total = run(stmts.count).scalar_one()
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
    stmts = statements(source, query, facet=facet, include_hidden=include_hidden, now=now,
                       use_index=use_index)
    rows, results.total = ranked(stmts, page, per_page)
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
