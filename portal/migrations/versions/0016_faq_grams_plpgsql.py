"""faq search: faq_grams in PL/pgSQL, so planning a search no longer parses its body

PostgreSQL tries to inline an SQL-language function wherever it is called,
and to find out whether it can, it parses and analyses the function's body:
every search statement names ``faq_grams(search_text)`` (to match the GIN
index), so every plan paid for that parse, about half of a search's planning.
A PL/pgSQL function is never inlined. It returns the same arrays, so the
indexes built on it stay valid. SQLite is unchanged (its ``faq_grams`` is the
application's Python function).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 02:10:00

"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BODY = """
  SELECT coalesce(array_agg(DISTINCT g.gram), '{}')
  FROM generate_series(1, char_length(doc)) AS i,
       LATERAL (VALUES (substr(doc, i, 1)), (substr(doc, i, 2))) AS g(gram)
  WHERE strpos(g.gram, ' ') = 0
"""

PLPGSQL = f"""
CREATE OR REPLACE FUNCTION faq_grams(doc text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN ({BODY});
END
$$
"""

SQL = f"""
CREATE OR REPLACE FUNCTION faq_grams(doc text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $${BODY}$$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PLPGSQL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SQL)
