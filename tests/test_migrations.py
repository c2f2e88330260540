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


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path):
    """A database of its own (not the shared template): these tests migrate it down."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scratch.db'}"
    return request.getfixturevalue("postgres_server").create_database("ossdesk_scratch")


def test_the_send_quota_migration_goes_down_and_up_with_data(scratch_url):
    """0022 on a database that holds an office and rows pointing at it (SQLite: a rebuild of
    organization would break on its foreign keys)."""
    from flask_migrate import downgrade
    from flask_migrate import upgrade

    from tests.conftest import make_app

    app = make_app({"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO organization (id, kind, name, name_kana, registration_number, "
                "postal_code, address, phone, email, contact_person, bank_name, bank_branch, "
                "bank_account_type, bank_account_number, bank_account_holder, active, "
                "daily_send_quota, created_at) VALUES (1, 'gyoseishoshi', '甲', '', '', '', '', "
                "'', '', '', '', '', '普通', '', '', true, 50, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(
                "INSERT INTO audit_event (org_id, login_id, action, outcome, target, detail, "
                "ip, request_id, created_at) VALUES (1, 'x', 'login', 'ok', '', '{}', '', '', "
                "CURRENT_TIMESTAMP)"))
        downgrade(revision="0021")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("organization")}
        assert "daily_send_quota" not in columns
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name, daily_send_quota FROM organization")
                                ).one() == ("甲", None)
            assert conn.execute(sa.text("SELECT count(*) FROM audit_event")).scalar() == 1
        db.engine.dispose()
