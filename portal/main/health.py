"""What /healthz reports: the database, the queue and the OSS endpoints."""

import sqlalchemy as sa
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


def queue_state() -> dict:
    mode = "embedded" if is_embedded() else "redis"
    try:
        get_connection().ping()
    except Exception as exc:  # any client error means "not reachable"
        return {"ok": False, "mode": mode, "detail": type(exc).__name__}
    return {"ok": True, "mode": mode}


def report() -> tuple[dict, int]:
    """The health document and its HTTP status (503 when the database is down)."""
    database = database_state()
    body = {
        "database": database,
        "queue": queue_state(),
        "oss": {
            "mlit": probe(current_app.config["OSS_MLIT_URL"]),
            "kei": probe(current_app.config["OSS_KEI_URL"]),
        },
    }
    body["status"] = "ok" if database["ok"] and body["queue"]["ok"] else "degraded"
    return body, 200 if database["ok"] else 503
