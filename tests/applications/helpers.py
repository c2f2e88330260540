"""Helpers for application tests."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Application


def fresh():
    """End the test session's read transaction, so it sees what requests committed."""
    db.session.rollback()
    return db.session


def body(resp) -> str:
    return resp.get_data(as_text=True)


def applications() -> list[Application]:
    return fresh().scalars(sa.select(Application).order_by(Application.id)).all()
