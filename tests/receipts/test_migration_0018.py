"""Migration 0018 gives existing 受付番号リスト items the numbers they were listed with: the
application's, unless it was resubmitted after the list was made (then they are unknown and
stay empty, so the new filing can go on a new list), on both databases."""

from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade
from flask_migrate import upgrade

from portal.extensions import db
from tests.conftest import make_app

T0 = datetime(2026, 11, 1, 9, 0)


def _row(table: sa.Table, **given) -> dict:
    """``given`` plus a plain value for every other required column of ``table``."""
    plain = {sa.String: "", sa.Text: "", sa.Integer: 0, sa.Boolean: False, sa.JSON: {},
             sa.DateTime: T0, sa.Date: T0.date()}
    row = dict(given)
    for col in table.columns:
        if col.name in row or col.nullable or col.primary_key or col.server_default is not None:
            continue
        row[col.name] = next(v for t, v in plain.items() if isinstance(col.type, t))
    return row


def _check(url: str) -> None:
    app = make_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        downgrade(revision="0017")
        meta = sa.MetaData()
        meta.reflect(db.engine, only=["organization", "application", "application_event",
                                      "receipt_list", "receipt_list_item", "oss_account"])
        t = meta.tables
        with db.engine.begin() as conn:
            conn.execute(t["organization"].insert(), [_row(
                t["organization"], id=1, kind="gyoseishoshi", name="甲", active=True)])
            conn.execute(t["oss_account"].insert(), [_row(
                t["oss_account"], id=1, org_id=1, backend="mlit", bulk_user_id="MIG00001",
                payment_mode="matome")])
            conn.execute(t["application"].insert(), [_row(
                t["application"], id=n, org_id=1, agent_org_id=1, procedure="iten",
                backend="mlit", state="list_sent", receipt_number=f"R{n}-new",
                arrival_number=f"A{n}-new") for n in (1, 2)])
            conn.execute(t["receipt_list"].insert(), [_row(
                t["receipt_list"], id=1, org_id=1, backend="mlit", oss_account_id=1,
                status="sent", idempotency_key="rl-mig", created_at=T0)])
            conn.execute(t["receipt_list_item"].insert(), [_row(
                t["receipt_list_item"], id=n, org_id=1, receipt_list_id=1, application_id=n)
                for n in (1, 2)])
            conn.execute(t["application_event"].insert(), [_row(  # 2 resubmitted after
                t["application_event"], application_id=2, kind="resubmit_requested",
                created_at=T0 + timedelta(days=3))])
        upgrade()
        with db.engine.connect() as conn:
            items = conn.execute(sa.text(
                "SELECT application_id, receipt_number, arrival_number FROM receipt_list_item "
                "ORDER BY application_id")).all()
        assert [tuple(r) for r in items] == [(1, "R1-new", "A1-new"), (2, "", "")]
        db.session.remove()
        db.engine.dispose()


def test_items_take_their_numbers_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path}/mig.db")


@pytest.mark.postgres
def test_items_take_their_numbers_on_postgresql(postgres_server):
    _check(postgres_server.create_database("mig_0018"))
