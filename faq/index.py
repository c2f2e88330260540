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

Where the index only narrows (a long term looked up by its pairs), a
candidate is kept when the term occurs in its text: the occurrence count
the score needs anyway decides (``Match.confirm``), so the text is read
once, not once to check and again to count.

``use_index=False`` answers the same query with a ``LIKE`` scan of the
folded text (the benchmark's baseline).

A statement depends on the query's *shape* alone (``shape``: how many groups,
how many members each, which are short); the members themselves are bound
parameters (``Member``), whose values ``values`` gives. So ``faq.search``
builds the statement of a shape once and runs it with each query's values:
building and keying a statement of this size took SQLAlchemy longer than the
database took to answer it.
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


def _written(text: str, type_) -> sa.ColumnElement:
    """A constant of the statement's own, written into its text instead of bound."""
    return sa.literal_column(text, type_)


ZERO = _written("0", sa.Integer())
EMPTY = _written("''", sa.Text())
WEIGHT = _written(str(int(TITLE_WEIGHT)), sa.Integer())


Shape = tuple[tuple[bool, ...], ...]
"""Per term group, per member: whether the member is short."""


def group_shape(alts) -> tuple[bool, ...]:
    return tuple(is_short(alt) for alt in alts)


def shape(groups) -> Shape:
    """The shape of ``groups``: what their statement depends on."""
    return tuple(group_shape(alts) for alts in groups)


@dataclass(frozen=True)
class Member:
    """The parameters of one group member in a statement, and their values for a term."""

    key: str

    @property
    def text(self):
        return sa.bindparam(self.key, type_=sa.String())

    @property
    def octets(self):
        return sa.bindparam(f"{self.key}_octets", type_=sa.Integer())

    @property
    def pattern(self):
        return sa.bindparam(f"{self.key}_like", type_=sa.String())

    @property
    def grams(self):
        return sa.bindparam(f"{self.key}_grams", type_=ARRAY(sa.Text))

    def values(self, alt: str, dialect: str, use_index: bool) -> dict:
        found = {self.key: alt, f"{self.key}_octets": len(alt.encode())}
        if not use_index:
            found[f"{self.key}_like"] = _like(alt)
        elif dialect == "postgresql":
            found[f"{self.key}_grams"] = term_grams(alt)
        return found


def members(groups_shape: Shape) -> list[list[Member]]:
    return [[Member(f"g{g}m{m}") for m in range(len(group))]
            for g, group in enumerate(groups_shape)]


@dataclass
class Match:
    """The candidate rows of a search, and how they are kept and scored.

    ``selectable`` and ``conditions`` select the candidates (through the index, or by a
    scan). ``title`` scores a candidate's title hits; ``occurrences`` counts, per term
    group, how often its members occur in the text. A candidate is a match when every
    group listed in ``confirm`` occurs in its text (the index found the group's grams,
    not necessarily side by side); its score is the title score plus the counts.
    """

    selectable: object
    conditions: list
    title: object
    occurrences: list
    confirm: tuple[int, ...] = ()


def _like(alt: str) -> str:
    return "%" + alt.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _contains(column, pattern, dialect: str):
    """``column LIKE pattern``. PostgreSQL's escape character is the backslash already;
    spelt out, the ``ESCAPE`` clause would be applied to the pattern again on every row
    of a generic plan."""
    if dialect == "postgresql":
        return column.like(pattern)
    return column.like(pattern, escape="\\")


def title_score(model, groups: list[list[Member]]):
    """A title hit of any member weighs ``TITLE_WEIGHT`` occurrences in the text."""
    hits = [sa.case((position(model.search_title, member.text) > ZERO, WEIGHT), else_=ZERO)
            for group in groups for member in group]
    return sum(hits[1:], hits[0])


def occurrences(model, group: list[Member]):
    """How often the members of a group occur in the folded text, together: the bytes
    that removing each takes away, over its length."""
    text = model.search_text
    counts = [(octets(text) - octets(sa.func.replace(text, member.text, EMPTY))) // member.octets
              for member in group]
    return sum(counts[1:], counts[0])


def _scored(model, groups, selectable, conditions, confirm=()) -> Match:
    return Match(selectable, conditions, title_score(model, groups),
                 [occurrences(model, group) for group in groups], tuple(confirm))


def like_scan(model, groups_shape: Shape, dialect: str) -> Match:
    """Every group by ``LIKE`` on the folded text: no index can serve it."""
    groups = members(groups_shape)
    conditions = [sa.or_(*(_contains(model.search_text, member.pattern, dialect)
                           for member in group)) for group in groups]
    return _scored(model, groups, model.__table__, conditions)


def _gram_query(alt: str) -> str:
    if is_short(alt):
        return _fts_string(alt)
    return "(" + " AND ".join(_fts_string(g) for g in term_grams(alt)) + ")"


def _needs_text(group_shape: tuple[bool, ...]) -> bool:
    """A group with a long member: its pairs may lie apart, so the text decides."""
    return not all(group_shape)


def _by_trigrams(group_shape: tuple[bool, ...]) -> bool:
    """SQLite: a group of long members only is answered by the trigram table."""
    return not any(group_shape)


TRIGRAM_MATCH, GRAM_MATCH = "trigram_match", "gram_match"


def sqlite_fts(model, table: str, groups_shape: Shape) -> Match:
    """Trigram phrases for long groups, grams for short and mixed ones, joined by rowid;
    a mixed group is confirmed against the text. Each FTS5 table gets one MATCH string
    (``sqlite_match_values``)."""
    routes = [_by_trigrams(group) for group in groups_shape]
    confirm = [n for n, group in enumerate(groups_shape) if not routes[n] and _needs_text(group)]
    joined = model.__table__
    conditions: list = []
    for name, key, used in zip(fts_tables(table), (TRIGRAM_MATCH, GRAM_MATCH),
                               (any(routes), not all(routes)), strict=True):
        if used:
            fts = sa.table(name, sa.column("rowid"))
            joined = joined.join(fts, fts.c.rowid == model.id)
            conditions.append(sa.literal_column(name).op("MATCH")(
                sa.bindparam(key, type_=sa.String())))
    return _scored(model, members(groups_shape), joined, conditions, confirm)


def sqlite_match_values(groups) -> dict:
    """The MATCH strings of ``sqlite_fts`` for ``groups``."""
    trigram: list[str] = []
    gram: list[str] = []
    for alts in groups:
        if _by_trigrams(group_shape(alts)):
            trigram.append("(" + " OR ".join(_fts_string(a) for a in alts) + ")")
        else:
            gram.append("(" + " OR ".join(_gram_query(a) for a in alts) + ")")
    found = {}
    for key, parts in ((TRIGRAM_MATCH, trigram), (GRAM_MATCH, gram)):
        if parts:
            found[key] = " AND ".join(parts)
    return found


def postgres_grams(model, groups_shape: Shape) -> Match:
    """Each group by the GIN index of grams (the grams never recomputed: the index
    condition is the only place they appear); a group with a long member is confirmed
    against the text."""
    groups = members(groups_shape)
    indexed = sa.func.faq_grams(model.search_text)
    conditions = [sa.or_(*(indexed.op("@>", is_comparison=True)(member.grams)
                           for member in group)) for group in groups]
    confirm = [n for n, group in enumerate(groups_shape) if _needs_text(group)]
    return _scored(model, groups, model.__table__, conditions, confirm)


def essential(alts: tuple[str, ...]) -> tuple[str, ...]:
    """Drop the members that contain another member: they match nothing more
    ("印鑑証明書" adds nothing to "印鑑証明"), and each would be scored twice."""
    return tuple(a for a in alts if not any(b != a and b in a for b in alts))


def match(model, table: str, groups_shape: Shape, dialect: str, use_index: bool) -> Match:
    """The matching rows of ``model`` for term groups of ``groups_shape`` (``essential``
    members only) on ``dialect``, their members bound parameters."""
    if not use_index:
        return like_scan(model, groups_shape, dialect)
    if dialect == "sqlite":
        return sqlite_fts(model, table, groups_shape)
    return postgres_grams(model, groups_shape)


def values(groups, dialect: str, use_index: bool) -> dict:
    """The parameter values of ``match`` for ``groups`` (``essential`` members only)."""
    found: dict = {}
    for group, alts in zip(members(shape(groups)), groups, strict=True):
        for member, alt in zip(group, alts, strict=True):
            found.update(member.values(alt, dialect, use_index))
    if use_index and dialect == "sqlite":
        found.update(sqlite_match_values(groups))
    return found
