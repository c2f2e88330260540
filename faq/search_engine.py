"""The connections FAQ search runs on.

On PostgreSQL, search statements go through a pool of their own whose sessions
prepare each statement when it is first used and keep one *generic* plan for
it (``plan_cache_mode = force_generic_plan``): the best plan of a search never
depends on its terms (the GIN index of grams narrows, the text check and the
score run on what it found), yet PostgreSQL's default re-plans every execution
with the values, because value-specific estimates always look cheaper; that
planning was a third of a typical search. The setting stays on these
connections: the rest of the application keeps PostgreSQL's default, where a
plan fitted to the values can matter (申請データ検索 over 100,000 rows).

They run in autocommit: psycopg forgets every prepared statement when a
transaction rolls back (as each request's session does at its end), and a
search only reads.

They do not prefetch heap pages (``effective_io_concurrency = 0``): the FAQ and
notice tables are small and stay in shared buffers, where a bitmap scan's
prefetch only looks every page up a second time (about 4 % of a typical
search's server time, measured).

On SQLite the session's own connection is used: there is nothing to plan apart.
"""

import os
import threading

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from portal.extensions import db

SESSION_OPTIONS = "-c plan_cache_mode=force_generic_plan -c effective_io_concurrency=0"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def bind() -> Engine | None:
    """The search pool for the application's PostgreSQL database; ``None`` on SQLite."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return None
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        found = _engines.get(key)
        if found is None:
            found = _engines[key] = sa.create_engine(
                engine.url, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=8,
                connect_args=connect_args(engine.url))
            sa.event.listen(found, "checkout", _ping)
    return found


def connect_args(url: sa.URL) -> dict:
    """psycopg settings of a search connection: every statement prepared on first use, and
    the session options above, added to the server options the database URL may already
    carry."""
    given = url.query.get("options", "")
    given = " ".join(given) if isinstance(given, tuple) else given
    return {"options": f"{given} {SESSION_OPTIONS}".strip(), "prepare_threshold": 0}


def _ping(dbapi_connection, _record, _proxy) -> None:
    """Check a pooled connection before use, as ``pool_pre_ping`` would, but unprepared:
    the dialect's ping is an empty statement, which psycopg prepares (threshold 0), cannot
    keep, and never deallocates, so each ping would leave one on the server."""
    try:
        dbapi_connection.execute("SELECT 1", prepare=False)
    except dbapi_connection.OperationalError as error:
        raise sa.exc.DisconnectionError() from error  # the pool opens a new connection


def _bind_arguments() -> dict | None:
    engine = bind()
    return None if engine is None else {"bind": engine}


def execute(stmt):
    """Run a search statement in the current session, on the search connection."""
    return db.session.execute(stmt, bind_arguments=_bind_arguments())


def connection() -> sa.Connection:
    """The session's search connection (the benchmark times statements on it)."""
    return db.session.connection(bind_arguments=_bind_arguments())


def dispose() -> None:
    """Close every pooled search connection (tests, before a database is dropped)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _forget_after_fork() -> None:
    # A forked process must not share its parent's sockets: it opens its own.
    for engine in _engines.values():
        engine.dispose(close=False)
    _engines.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
