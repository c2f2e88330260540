"""How a parsed query becomes SQL against each engine's search index
(migrations 0006, 0007, 0016).

Every query term must match (AND); a term's synonyms are alternatives (OR).

SQLite, two FTS5 tables per searchable table, each kept in sync by triggers:

* ``<table>_fts`` (trigram tokenizer) answers terms of three or more
  characters as phrases;
* ``<table>_fts_grams`` indexes the folded text split into single characters
  and overlapping pairs (``faq_grams``, a function registered on every
  connection), so a one-character term is one token and a two-character term
  another. A synonym group mixing short and long members is answered here as
  well: a long member needs pairs covering it and is then checked against the text.

PostgreSQL: a GIN index over ``faq_grams(search_text)``, the same characters
and pairs as an array (a PL/pgSQL function, migration 0016). A short term is
one element; a long one needs pairs covering it and is then checked against
the text. The statements run on ``faq.search_engine``'s connections.

Both engines rank the matches alike, in SQL: a title hit weighs
``TITLE_WEIGHT`` occurrences in the text (keywords count as text). FTS5's
bm25 was not used: it normalises by the length of the whole row, so a long
answer demotes its own title hit, and it cost more than this count.

``use_index=False`` answers the same query with a ``LIKE`` scan of the
folded text (the benchmark's baseline).
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from faq.text import SHORT_TERM

TITLE_WEIGHT = 10


def grams(folded: str | None) -> str | None:
    """Every character and every pair of neighbouring characters of folded text,
    space-separated, in text order (SQLite's ``faq_grams``); pairs never span a space."""
    if folded is None:
        return None
    out: list[str] = []
    for i, ch in enumerate(folded):
        if ch == " ":
            continue
        out.append(ch)
        if i + 1 < len(folded) and folded[i + 1] != " ":
            out.append(folded[i:i + 2])
    return " ".join(out)


def register_sqlite_functions(dbapi_connection) -> None:
    """Make ``faq_grams`` available to the index triggers of this SQLite connection."""
    dbapi_connection.create_function("faq_grams", 1, grams, deterministic=True)


def term_grams(term: str) -> list[str]:
    """Grams a text must contain to contain ``term``: the term itself when it is
    short, else every other pair and the last (together they cover every
    character; the text check that follows decides), or its characters when
    spaces separate them all. Each gram is one more posting list for the index
    to read, and the neighbouring pairs left out narrow the matches little."""
    if len(term) < SHORT_TERM:
        return [term]
    pairs = [term[i:i + 2] for i in range(len(term) - 1) if " " not in term[i:i + 2]]
    if not pairs:
        return list(dict.fromkeys(term.replace(" ", "")))
    return list(dict.fromkeys(pairs[::2] + pairs[-1:]))


def fts_tables(table: str) -> tuple[str, str]:
    """The SQLite FTS5 tables of ``table``: trigrams, then grams."""
    return f"{table}_fts", f"{table}_fts_grams"


def is_short(term: str) -> bool:
    return len(term) < SHORT_TERM


def _renderer(template: str):
    def render(element, compiler, **kw):
        return template.format(compiler.process(element.clauses, **kw))
    return render


def _dialect_function(name: str, doc: str, sqlite: str, postgresql: str) -> type:
    """An integer SQL function spelt ``sqlite`` or ``postgresql`` (``{}``: its arguments)."""
    cls = type(name, (FunctionElement,), {"__doc__": doc, "type": sa.Integer(),
                                          "inherit_cache": True})
    compiles(cls)(_renderer(sqlite))
    compiles(cls, "postgresql")(_renderer(postgresql))
    return cls


position = _dialect_function("position", "1-based position of a substring, 0 when absent.",
                             "instr({})", "strpos({})")
octets = _dialect_function("octets", "Length in bytes (constant time, unlike characters).",
                           "length(CAST({} AS BLOB))", "octet_length({})")


@dataclass
class Match:
    """FROM clause, WHERE clauses and score (higher is better) selecting matching rows."""

    selectable: object
    conditions: list
    score: object


def _like(alt: str) -> str:
    return "%" + alt.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _contains(column, alt: str):
    return column.like(_like(alt), escape="\\")


def occurrence_score(model, groups):
    """Relevance: a title hit weighs ``TITLE_WEIGHT`` occurrences in the text."""
    title, text = model.search_title, model.search_text
    parts = []
    for alts in groups:
        for alt in alts:
            in_title = sa.case((position(title, alt) > 0, TITLE_WEIGHT), else_=0)
            removed = octets(sa.func.replace(text, alt, ""))
            parts.append(in_title + (octets(text) - removed) // len(alt.encode()))
    return sum(parts[1:], parts[0])


def like_scan(model, groups) -> Match:
    """Every group by ``LIKE`` on the folded text: no index can serve it."""
    conditions = [sa.or_(*(_contains(model.search_text, a) for a in alts)) for alts in groups]
    return Match(model.__table__, conditions, occurrence_score(model, groups))


def _gram_query(alt: str) -> str:
    if is_short(alt):
        return _fts_string(alt)
    return "(" + " AND ".join(_fts_string(g) for g in term_grams(alt)) + ")"


def sqlite_fts(model, table: str, groups) -> Match:
    """Trigram phrases for long groups, grams for short and mixed ones, joined by rowid."""
    trigram: list[str] = []
    gram: list[str] = []
    conditions: list = []
    for alts in groups:
        if not any(is_short(a) for a in alts):
            trigram.append("(" + " OR ".join(_fts_string(a) for a in alts) + ")")
            continue
        gram.append("(" + " OR ".join(_gram_query(a) for a in alts) + ")")
        if not all(is_short(a) for a in alts):  # the pairs of a long member may lie apart
            conditions.append(sa.or_(*(position(model.search_text, a) > 0 for a in alts)))
    joined = model.__table__
    for name, parts in zip(fts_tables(table), (trigram, gram), strict=True):
        if parts:
            fts = sa.table(name, sa.column("rowid"))
            joined = joined.join(fts, fts.c.rowid == model.id)
            conditions.insert(0, sa.literal_column(name).op("MATCH")(" AND ".join(parts)))
    return Match(joined, conditions, occurrence_score(model, groups))


def postgres_grams(model, groups) -> Match:
    """Each group by the GIN index of grams; a group with a long member is then checked
    against the text (apart from the index condition, so the grams are never recomputed;
    with ``strpos``, not ``LIKE``, whose selectivity estimate doubled the planning time)."""
    indexed = sa.func.faq_grams(model.search_text)
    conditions = []
    for alts in groups:
        conditions.append(sa.or_(*(
            indexed.op("@>", is_comparison=True)(sa.literal(term_grams(alt), ARRAY(sa.Text)))
            for alt in alts)))
        if not all(is_short(a) for a in alts):
            conditions.append(sa.or_(*(position(model.search_text, a) > 0 for a in alts)))
    return Match(model.__table__, conditions, occurrence_score(model, groups))


def essential(alts: tuple[str, ...]) -> tuple[str, ...]:
    """Drop the members that contain another member: they match nothing more
    ("印鑑証明書" adds nothing to "印鑑証明"), and each would be scored twice."""
    return tuple(a for a in alts if not any(b != a and b in a for b in alts))


def match(model, table: str, groups, dialect: str, use_index: bool) -> Match:
    """The matching rows of ``model`` for the term ``groups`` on ``dialect``."""
    groups = [essential(alts) for alts in groups]
    if not use_index:
        return like_scan(model, groups)
    if dialect == "sqlite":
        return sqlite_fts(model, table, groups)
    return postgres_grams(model, groups)
