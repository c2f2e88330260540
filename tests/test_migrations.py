"""The migrations build exactly the schema the models describe, on both databases."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def _ignored(name, type_, parent_names):
    # search objects made by hand in the FAQ migrations, not by the models
    return not (name and ("_fts" in name or name.startswith("trgm_") or "_bigram" in name))


def test_models_match_migrations(any_app):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_name": _ignored,
                                                     "compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == []


@pytest.mark.postgres
def test_signed_documents_are_compressed_with_lz4_on_postgresql(pg_app):
    method = db.session.scalar(sa.text(
        "SELECT attcompression FROM pg_attribute "
        "WHERE attrelid = 'submission'::regclass AND attname = 'document'"))
    assert method == "l"
