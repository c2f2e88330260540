"""The search index is created, dropped and re-created with the schema, on both engines."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade
from flask_migrate import upgrade

from faq import search
from faq import search_engine
from faq import services
from portal.extensions import db
from tests.conftest import make_app


def _round_trip(url: str) -> None:
    app = make_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        downgrade(revision="0001")
        names = set(sa.inspect(db.engine).get_table_names())
        assert not {n for n in names if n.startswith(("faq", "notice"))}
        upgrade()
        category = services.save_category(None, name="全般")
        entry = services.save_entry(None, category_id=category.id, question="索引は戻りますか?",
                                    answer="はい、作り直されます。")
        services.set_published(entry, True)
        db.session.commit()
        assert [h.item.id for h in search.search(search.FAQ, "作り直され").hits] == [entry.id]
        assert [h.item.id for h in search.search(search.FAQ, "索").hits] == [entry.id]
        db.session.remove()
        db.engine.dispose()
        search_engine.dispose()


def test_sqlite_down_and_up(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'mig.db'}")


@pytest.mark.postgres
def test_postgres_down_and_up(postgres_server):
    _round_trip(postgres_server.create_database("ossdesk_faq_migration"))
