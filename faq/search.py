"""One search over FAQ entries and notices, backed by the database's index.

Every query term must match (AND); a term's synonyms are alternatives (OR).
Candidate rows come from the index: SQLite FTS5 (trigram) via ``MATCH``, or
PostgreSQL pg_trgm via an indexed ``LIKE``. Trigrams need three characters, so
on SQLite shorter terms filter the *content* table with ``LIKE`` (never the FTS
table: SQLite 3.40's trigram ``LIKE`` misses multibyte two-character patterns);
PostgreSQL answers them with a scan of its own choosing. Both engines rank with the same portable
score: a match in the title weighs ten body occurrences.
"""

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.functions import FunctionElement

from faq.markdown import plain_text
from faq.models import FaqEntry
from faq.models import Notice
from faq.models import NoticeKind
from faq.synonyms import expand
from faq.text import SHORT_TERM
from faq.text import Query
from faq.text import highlight
from faq.text import parse_query
from faq.text import snippet
from portal.extensions import db
from portal.models.base import utcnow

TITLE_WEIGHT = 10


class position(FunctionElement):
    """1-based position of a substring, 0 when absent (instr / strpos)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(position)
def _position_sqlite(element, compiler, **kw):
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(position, "postgresql")
def _position_pg(element, compiler, **kw):
    return f"strpos({compiler.process(element.clauses, **kw)})"


def notice_visible(now: datetime):
    """Published notices inside their publish window at ``now``."""
    return sa.and_(
        Notice.published.is_(True),
        Notice.publish_from <= now,
        sa.or_(Notice.publish_until.is_(None), Notice.publish_until > now),
    )


@dataclass(frozen=True)
class Source:
    """A searchable table: its FTS5 table, facet column, visibility and order."""

    model: type
    fts_table: str
    facet: Callable
    visible: Callable
    order: Callable
    options: tuple = ()


FAQ = Source(
    model=FaqEntry,
    fts_table="faq_entry_fts",
    facet=lambda value: FaqEntry.category_id == value,
    visible=lambda now: FaqEntry.published.is_(True),
    order=lambda: (FaqEntry.sort_order, FaqEntry.id),
    options=(joinedload(FaqEntry.category),),
)
NOTICES = Source(
    model=Notice,
    fts_table="notice_fts",
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


def _like(alt: str) -> str:
    return "%" + alt.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_phrase(alt: str) -> str:
    return '"' + alt.replace('"', '""') + '"'


def _conditions(source: Source, groups, dialect: str, use_index: bool) -> list:
    """WHERE clauses selecting rows that match every group (``use_index=False``: LIKE only;
    on PostgreSQL the caller must also disable index scans for a true scan)."""
    text = source.model.search_text
    conditions: list = []
    fts: list[str] = []
    for alts in groups:
        if use_index and dialect == "sqlite" and all(len(a) >= SHORT_TERM for a in alts):
            fts.append("(" + " OR ".join(_fts_phrase(a) for a in alts) + ")")
        else:  # pg_trgm serves LIKE from its index; SQLite scans the content table
            conditions.append(sa.or_(*(text.like(_like(a), escape="\\") for a in alts)))
    if fts:
        matching = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.table(source.fts_table))
            .where(sa.literal_column(source.fts_table).op("MATCH")(" AND ".join(fts)))
        )
        conditions.insert(0, source.model.id.in_(matching))
    return conditions


def _score(source: Source, groups):
    title, text = source.model.search_title, source.model.search_text
    parts = []
    for alts in groups:
        for alt in alts:
            in_title = sa.case((position(title, alt) > 0, TITLE_WEIGHT), else_=0)
            removed = sa.func.length(sa.func.replace(text, alt, ""))
            count = (sa.func.length(text) - removed) / len(alt)
            parts.append(in_title + count)
    return sum(parts[1:], parts[0]).label("score")


@contextmanager
def prefer_index(query: Query):
    """On PostgreSQL, steer the planner to the trigram index while searching.

    Its cost model prices ``LIKE`` on long multibyte text like a cheap
    comparison, so at ten thousand rows it picks a sequential scan (~6 ms)
    over the GIN index (~1 ms). When some term can use the index, sequential
    scans are disabled for this transaction and restored afterwards.
    """
    indexable = any(all(len(a) >= SHORT_TERM for a in alts) for alts in term_groups(query))
    if not indexable or db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    previous = db.session.execute(sa.text(
        "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
    )).scalar()
    try:
        yield
    finally:
        db.session.execute(sa.text("SELECT set_config('enable_seqscan', :v, true)"),
                           {"v": previous})


def statements(source: Source, query: Query, *, facet=None, page: int = 1, per_page: int = 20,
               include_hidden: bool = False, now: datetime | None = None,
               use_index: bool = True):
    """The SELECTs for one page of hits (ids, scores, total) and for the count alone.

    Ranking selects only ids and scores, so the sort carries narrow rows; the
    page's rows are loaded by id afterwards. The total comes with the page (a
    window count); the count query is needed only for a page past the end.
    """
    groups = term_groups(query)
    dialect = db.session.get_bind().dialect.name
    conditions = _conditions(source, groups, dialect, use_index)
    if facet is not None:
        conditions.append(source.facet(facet))
    if not include_hidden:
        conditions.append(source.visible(now or utcnow()))
    score = _score(source, groups)
    total = sa.func.count().over().label("total")
    rows = (sa.select(source.model.id, score, total).where(*conditions)
            .order_by(score.desc(), *source.order()).limit(per_page).offset((page - 1) * per_page))
    count = sa.select(sa.func.count()).select_from(source.model).where(*conditions)
    return rows, count


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
    rows_stmt, count_stmt = statements(source, query, facet=facet, page=page, per_page=per_page,
                                       include_hidden=include_hidden, now=now,
                                       use_index=use_index)
    with prefer_index(query):
        ranked = db.session.execute(rows_stmt).all()
        if ranked:
            results.total = ranked[0].total
        elif page > 1:
            results.total = db.session.scalar(count_stmt)
    items = {item.id: item for item in db.session.scalars(
        sa.select(source.model).where(source.model.id.in_([row.id for row in ranked]))
        .options(*source.options))}
    marks = [alt for alts in term_groups(query) for alt in alts]
    results.hits = [
        Hit(item=items[item_id], title=highlight(items[item_id].title, marks),
            snippet=snippet(plain_text(items[item_id].body), marks), score=score_value)
        for item_id, score_value, _ in ranked
    ]
    return results


def rebuild_index() -> int:
    """Refresh every folded copy and rebuild the FTS5 tables; return the row count."""
    count = 0
    for source in (FAQ, NOTICES):
        for row in db.session.scalars(sa.select(source.model)):
            row.refresh_search_fields()
            count += 1
        db.session.flush()
        if db.session.get_bind().dialect.name == "sqlite":
            table = source.fts_table
            db.session.execute(sa.text(f"INSERT INTO {table}({table}) VALUES ('rebuild')"))
    db.session.commit()
    return count
