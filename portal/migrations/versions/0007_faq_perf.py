"""faq search: one- and two-character terms indexed

SQLite: a second FTS5 table per searchable table indexes the folded text as
single characters and neighbouring pairs: ``ascii`` tokenizer over
``faq_grams(search_text)``, a function the application registers on every
connection. Its external content is a view computing the grams, so
``rebuild`` and ``integrity-check`` work; triggers keep it in sync like the
trigram table of 0006.

PostgreSQL: ``faq_grams(text)`` returns the same characters and pairs as an
array; a GIN index over it (``<table>_fts_grams``, named like the SQLite
table, so autogenerate leaves both alone) replaces the pg_trgm index, which
cannot serve terms under three characters and whose planning alone took
over a millisecond for Japanese text. The index is written through
(``fastupdate`` off): edits are rare, and a pending list would be scanned by
every search until the next vacuum.

Revision ID: 0007_faq_perf
Revises: 0010
Create Date: 2026-11-25 21:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_faq_perf"
down_revision = "0010"
branch_labels = None
depends_on = None

SEARCHABLE = ("faq_entry", "notice")
# Every ASCII character but letters, digits and the space stays inside a gram ("0%", "a_").
TOKEN_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isalnum())

PG_GRAMS = """
CREATE FUNCTION faq_grams(doc text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g.gram), '{}')
  FROM generate_series(1, char_length(doc)) AS i,
       LATERAL (VALUES (substr(doc, i, 1)), (substr(doc, i, 2))) AS g(gram)
  WHERE strpos(g.gram, ' ') = 0
$$
"""


def _quoted(text: str, quote: str) -> str:
    return quote + text.replace(quote, quote * 2) + quote


def _sqlite_create(table: str) -> None:
    grams = f"{table}_fts_grams"
    tokenizer = "ascii tokenchars " + _quoted(TOKEN_CHARS, "'")
    op.execute(f"CREATE VIEW {grams}_source AS "
               f"SELECT id, faq_grams(search_text) AS search_text FROM {table}")
    op.execute(f"CREATE VIRTUAL TABLE {grams} USING fts5(search_text, "
               f"content='{grams}_source', content_rowid='id', "
               f"tokenize={_quoted(tokenizer, chr(34))})")
    add = (f"INSERT INTO {grams}(rowid, search_text) "
           "VALUES (new.id, faq_grams(new.search_text));")
    remove = (f"INSERT INTO {grams}({grams}, rowid, search_text) "
              "VALUES ('delete', old.id, faq_grams(old.search_text));")
    op.execute(f"CREATE TRIGGER {grams}_ai AFTER INSERT ON {table} BEGIN {add} END")
    op.execute(f"CREATE TRIGGER {grams}_ad AFTER DELETE ON {table} BEGIN {remove} END")
    op.execute(f"CREATE TRIGGER {grams}_au AFTER UPDATE OF search_text ON {table} "
               f"BEGIN {remove} {add} END")
    op.execute(f"INSERT INTO {grams}({grams}) VALUES ('rebuild')")


def _sqlite_drop(table: str) -> None:
    grams = f"{table}_fts_grams"
    for suffix in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS {grams}_{suffix}")
    op.execute(f"DROP TABLE IF EXISTS {grams}")
    op.execute(f"DROP VIEW IF EXISTS {grams}_source")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in SEARCHABLE:
            _sqlite_create(table)
    elif dialect == "postgresql":
        op.execute(PG_GRAMS)
        for table in SEARCHABLE:
            op.execute(f"DROP INDEX IF EXISTS trgm_{table}_search_text")
            op.execute(f"CREATE INDEX {table}_fts_grams ON {table} "
                       "USING gin (faq_grams(search_text)) WITH (fastupdate = off)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in SEARCHABLE:
            _sqlite_drop(table)
    elif dialect == "postgresql":
        for table in SEARCHABLE:
            op.execute(f"DROP INDEX IF EXISTS {table}_fts_grams")
            op.execute(f"CREATE INDEX trgm_{table}_search_text ON {table} "
                       "USING gin (search_text gin_trgm_ops)")
        op.execute("DROP FUNCTION IF EXISTS faq_grams(text)")
