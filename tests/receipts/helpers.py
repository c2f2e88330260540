"""Helpers for the 受付番号リスト tests."""

import requests
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ReceiptList


def body(resp) -> str:
    return resp.get_data(as_text=True)


def lists() -> list[ReceiptList]:
    db.session.rollback()
    return db.session.scalars(sa.select(ReceiptList).order_by(ReceiptList.id)).all()


def reload(row):
    db.session.rollback()
    db.session.refresh(row)
    return row


def sim_requests(flow, op: str) -> list[dict]:
    log = requests.get(f"{flow.sim.url}/_sim/requests").json()["requests"]
    return [r for r in log if r["op"] == op]


def received_lists(flow) -> int:
    return requests.get(f"{flow.sim.url}/_sim/stats").json()["receipt_lists"]


def panel_shown(page: str, part: str, app_id: int) -> bool:
    """Whether the detail page shows action panel ``part`` (it is present but hidden when not)."""
    import re

    found = re.search(rf'<section id="oss-{part}-{app_id}"[^>]*>', page)
    assert found, f"panel {part} missing"
    return " hidden" not in found.group(0)
