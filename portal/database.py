"""Engine settings: SQLite gets WAL, a busy timeout, BEGIN IMMEDIATE and the
SQL functions its triggers call (``faq_grams`` for the FAQ search index).

A deferred SQLite transaction that reads and later writes can fail with
SQLITE_BUSY despite the busy timeout; starting every transaction with
``BEGIN IMMEDIATE`` makes writers queue instead. Transactions are kept short:
none waits on an HTTP call (a send job signs one part of at most 100 documents
per transaction, whatever OSS is doing meanwhile).
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine

from faq.index import register_sqlite_functions


def _sqlite_connect(dbapi_connection, _record):
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()
    register_sqlite_functions(dbapi_connection)


def configure_engine(engine: Engine, begin: str = "IMMEDIATE") -> None:
    """Apply the SQLite settings; ``begin`` is IMMEDIATE except in unit tests,
    where test code and requests interleave on one thread."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _sqlite_connect):
        return
    if begin not in ("IMMEDIATE", "DEFERRED"):
        raise ValueError("SQLITE_BEGIN must be IMMEDIATE or DEFERRED")
    statement = f"BEGIN {begin}"

    def _sqlite_begin(conn):
        conn.exec_driver_sql(statement)

    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
