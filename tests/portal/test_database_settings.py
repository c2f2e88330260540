"""SECURITY.md R6: the embedded default's SQLite connection settings, as production runs them
(the test suite itself runs with DEFERRED transactions; this checks the real setting)."""

import threading

import pytest

from portal.extensions import db
from tests.conftest import make_app


def test_every_connection_gets_wal_a_busy_timeout_foreign_keys_and_full_sync(tmp_path):
    app = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
                    "SQLITE_BEGIN": "IMMEDIATE"})
    with app.app_context(), db.engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")}
        db.engine.dispose()
    assert pragma == {"journal_mode": "wal", "busy_timeout": 10000, "foreign_keys": 1,
                      "synchronous": 2}  # 2 = FULL


@pytest.mark.parametrize("begin, other", [("IMMEDIATE", "database is locked"),
                                          ("DEFERRED", "got the lock")])
def test_every_transaction_begins_immediate(tmp_path, begin, other):
    """A transaction takes the write lock when it begins: a second writer waits for it (here
    past a short busy timeout), instead of failing later in the middle of its work. (The
    test suite's DEFERRED, for contrast, takes it only at the first write.)"""
    path = tmp_path / "p.db"
    app = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SQLITE_BEGIN": begin})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM t").scalar()  # only read so far
            outcome = []

            def other_writer():
                import sqlite3

                other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
                try:
                    other.execute("BEGIN IMMEDIATE")
                    outcome.append("got the lock")
                except sqlite3.OperationalError as exc:
                    outcome.append(str(exc))
                finally:
                    other.close()

            thread = threading.Thread(target=other_writer)
            thread.start()
            thread.join()
        assert outcome == [other]
        db.engine.dispose()


def test_an_unknown_begin_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="SQLITE_BEGIN"):
        make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
                  "SQLITE_BEGIN": "EXCLUSIVE-ish"})
