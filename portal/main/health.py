"""What /healthz reports: the database (and whether its schema is current), the queue and
the OSS endpoints."""

import time

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from jobs.queue import get_connection
from jobs.queue import is_embedded
from oss.health import probe
from portal.extensions import db


def database_state() -> dict:
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "detail": type(exc).__name__}
    return {"ok": True, "dialect": db.engine.dialect.name}


def schema_heads() -> set[str]:
    """The migration heads this code expects (read once per process)."""
    heads = current_app.extensions.get("ossdesk.schema_heads")
    if heads is None:
        config = current_app.extensions["migrate"].migrate.get_config()
        heads = current_app.extensions["ossdesk.schema_heads"] = set(
            ScriptDirectory.from_config(config).get_heads())
    return heads


def schema_state() -> dict:
    """Whether the database's migration revision is the code's: pages fail on an older one."""
    try:
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except sa.exc.SQLAlchemyError as exc:
        return {"ok": False, "detail": type(exc).__name__}
    expected = schema_heads()
    state = {"ok": current == expected, "revision": ",".join(sorted(current)) or None,
             "expected": ",".join(sorted(expected))}
    if not state["ok"]:
        state["detail"] = "migrations pending: run `ossdesk db upgrade`"
    return state


def queue_state() -> dict:
    mode = "embedded" if is_embedded() else "redis"
    try:
        get_connection().ping()
    except Exception as exc:  # any client error means "not reachable"
        return {"ok": False, "mode": mode, "detail": type(exc).__name__}
    return {"ok": True, "mode": mode}


def workers_state() -> dict:
    """Whether a job worker process is running: each one's ticker looks in every
    PIPELINE_TICK_SECONDS (also while it runs a long job). With none, sends, imports and
    checks wait without end."""
    from jobs.pipeline import settings
    from jobs.pipeline.ticker import last_alive_age

    interval = float(settings.get("PIPELINE_TICK_SECONDS"))
    if interval <= 0:
        return {"ok": True, "checked": False}  # no ticker to watch
    try:
        age = last_alive_age(get_connection())
    except Exception as exc:  # the queue's own state says Redis is away
        return {"ok": False, "checked": True, "detail": type(exc).__name__}
    limit = max(3 * interval, 60.0)
    state = {"ok": age is not None and age <= limit, "checked": True,
             "last_seen_seconds_ago": None if age is None else round(age)}
    if not state["ok"]:
        state["detail"] = "no job worker has looked in lately"
    return state


OSS_PROBE_MAX_AGE = 15  # seconds


def oss_state(url: str) -> dict:
    """The OSS endpoint's probe, reused for ``OSS_PROBE_MAX_AGE`` seconds: /healthz is
    public, and a caller polling it in a loop must not make this process call OSS each
    time (at most one request per endpoint and process in that time)."""
    probes = current_app.extensions.setdefault("ossdesk.oss_probes", {})
    now = time.monotonic()
    cached = probes.get(url)
    if cached is not None and now - cached[0] < OSS_PROBE_MAX_AGE:
        return cached[1]
    result = probe(url)
    probes[url] = (now, result)
    return result


def report() -> tuple[dict, int]:
    """The health document and its HTTP status (503 when the database is down or its schema
    is not the one this code needs)."""
    database = database_state()
    if database["ok"]:
        database["schema"] = schema_state()
        database["ok"] = database["schema"]["ok"]
    body = {
        "database": database,
        "queue": queue_state(),
        "workers": workers_state(),
        "oss": {
            "mlit": oss_state(current_app.config["OSS_MLIT_URL"]),
            "kei": oss_state(current_app.config["OSS_KEI_URL"]),
        },
    }
    body["status"] = ("ok" if database["ok"] and body["queue"]["ok"] and body["workers"]["ok"]
                      else "degraded")
    return body, 200 if database["ok"] else 503
