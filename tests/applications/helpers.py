"""Helpers for application tests."""

import html as html_module
import re

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


def waiting_lines(html: str) -> dict[str, tuple[int, str]]:
    """{line id: (count, link)} of the dashboard's 「対応が必要な申請」 table."""
    return {key: (int(count.replace(",", "")), html_module.unescape(href))
            for key, href, count in re.findall(
        r'<tr id="waiting-([a-z_]+)">\s*<td><a href="([^"]+)">[^<]+</a></td>\s*'
        r'<td class="num">([\d,]+)件</td>', html)}
