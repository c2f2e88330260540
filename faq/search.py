"""One search over FAQ entries and notices, backed by the database's index.

Matching and ranking happen in SQL (``faq.index``): one statement returns a
page of the best matches' ids with their scores, and the number of matches.
Only that page is loaded, highlighted and cut into snippets.

The statements of a shape of query (``index.shape``, with the filters used)
are built once per process and shared by every search of that shape, each
with its own values: the terms, the filter values, the page.
"""

import functools
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


def _as_given(value):
    return value


@dataclass(frozen=True)
class Source:
    """A searchable table: its name (prefix of its index tables), facet column and how a
    facet value becomes that column's value, visibility, the order of equal scores (column
    names, each ascending or not), loader options."""

    model: type
    table: str
    facet: str
    visible: Callable
    order: tuple[tuple[str, bool], ...]
    options: tuple = ()
    facet_value: Callable = _as_given

    def order_by(self, columns=None) -> list:
        """The order of equal scores, on the table's columns or on ``columns`` (a CTE's)."""
        columns = self.model.__table__.c if columns is None else columns
        return [columns[name] if ascending else columns[name].desc()
                for name, ascending in self.order]


FAQ = Source(
    model=FaqEntry,
    table="faq_entry",
    facet="category_id",
    visible=lambda now: FaqEntry.published.is_(True),
    order=(("sort_order", True), ("id", True)),
    options=(joinedload(FaqEntry.category),),
)
NOTICES = Source(
    model=Notice,
    table="notice",
    facet="kind",
    visible=notice_visible,
    order=(("publish_from", False), ("id", False)),
    facet_value=NoticeKind,
)
SOURCES = {source.table: source for source in (FAQ, NOTICES)}


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
    """The matches' ids and scores, best first, a page at a time, each row with the number
    of matches; that number alone (for a page past the last); the values of both."""

    ranked: sa.Select
    count: sa.Select
    values: dict

    def page_values(self, page: int = 1, per_page: int = 20) -> dict:
        return {**self.values, "page_size": per_page, "page_skip": (page - 1) * per_page}

    def page(self, page: int = 1, per_page: int = 20) -> sa.Select:
        """``ranked`` with one page's values bound into it, to compile or run on its own;
        ``ranked()`` runs the shared statement with the values instead."""
        return self.ranked.params(self.page_values(page, per_page))


def statements(source: Source, query: Query, *, facet=None, include_hidden: bool = False,
               now: datetime | None = None, use_index: bool = True) -> Statements:
    """The statements of ``query`` (shared by every query of its shape) and its values."""
    dialect = db.session.get_bind().dialect.name
    groups = [index.essential(alts) for alts in term_groups(query)]
    ranked_stmt, count = _built(source.table, index.shape(groups), dialect, use_index,
                                facet is not None, include_hidden)
    values = index.values(groups, dialect, use_index)
    if facet is not None:
        values["facet"] = source.facet_value(facet)
    if not include_hidden:
        values["now"] = now or utcnow()
    return Statements(ranked_stmt, count, values)


@functools.lru_cache(maxsize=512)
def _built(table: str, shape: index.Shape, dialect: str, use_index: bool, faceted: bool,
           include_hidden: bool) -> tuple[sa.Select, sa.Select]:
    """Build the SELECT of one page of ranked ids with the number of matches, and the
    count alone, for queries of ``shape``.

    The candidates are read once, into a materialised CTE with their score parts;
    the page and the total are both taken from it. Counting in a statement of its
    own read every candidate a second time, a third of a broad search; a window
    count over the candidates cost more than the CTE.
    """
    source = SOURCES[table]
    model = source.model
    found = index.match(model, table, shape, dialect, use_index)
    conditions = list(found.conditions)
    if faceted:
        conditions.append(getattr(model, source.facet) == sa.bindparam("facet"))
    if not include_hidden:
        conditions.append(source.visible(sa.bindparam("now")))
    order = [name for name, _ in source.order if name != "id"]
    candidates = (
        sa.select(model.id, *(getattr(model, name) for name in order),
                  found.title.label("title_score"),
                  *(count.label(f"in_text_{n}") for n, count in enumerate(found.occurrences)))
        .select_from(found.selectable).where(*conditions)
        .cte("candidates").prefix_with("MATERIALIZED"))
    columns = candidates.c
    matched = [columns[f"in_text_{n}"] > index.ZERO for n in found.confirm]
    score = sum((columns[f"in_text_{n}"] for n in range(len(found.occurrences))),
                columns.title_score).label("score")
    count = sa.select(sa.func.count()).select_from(candidates).where(*matched)
    ranked_stmt = (sa.select(columns.id, score, count.scalar_subquery().label("total"))
                   .where(*matched).order_by(score.desc(), *source.order_by(columns))
                   .limit(sa.bindparam("page_size", type_=sa.Integer()))
                   .offset(sa.bindparam("page_skip", type_=sa.Integer())))
    return ranked_stmt, count


def ranked(stmts: Statements, page: int, per_page: int = 20
           ) -> tuple[list[tuple[int, float]], int]:
    """One page of (id, score), best first, and the number of matches: one statement,
    on the search connection (``faq.search_engine``); the count runs alone only for a
    page past the last."""
    rows = search_engine.rows(stmts.ranked, stmts.page_values(page, per_page))
    if rows:
        total = rows[0].total
    else:
        total = 0 if page == 1 else search_engine.rows(stmts.count, stmts.values)[0][0]
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
