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

They run in autocommit, outside the request's session: psycopg forgets every
prepared statement when a transaction rolls back (as each request's session
does at its end), and a search only reads. They are not pinged before use (a
round trip, a third of a typical search's own time): a connection that the
server has dropped (a restart) fails the search, the pool discards it with
every connection opened before it, and the search runs once more on a new one.

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
    return found


def connect_args(url: sa.URL) -> dict:
    """psycopg settings of a search connection: every statement prepared on first use, and
    the session options above, added to the server options the database URL may already
    carry."""
    given = url.query.get("options", "")
    given = " ".join(given) if isinstance(given, tuple) else given
    return {"options": f"{given} {SESSION_OPTIONS}".strip(), "prepare_threshold": 0}


def rows(stmt, values: dict | None = None) -> list[sa.Row]:
    """The rows of a search statement run with ``values``: on PostgreSQL from a search
    connection, on SQLite from the session's own."""
    engine = bind()
    if engine is None:
        return db.session.execute(stmt, values).all()
    try:
        return _rows(engine, stmt, values)
    except sa.exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        return _rows(engine, stmt, values)  # the server had dropped that connection: again


def _rows(engine: Engine, stmt, values: dict | None) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(stmt, values).all()


def connection() -> sa.Connection:
    """A search connection held by the session (tests and the benchmark run statements on
    it as a search does)."""
    engine = bind()
    return db.session.connection(bind_arguments=None if engine is None else {"bind": engine})


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
