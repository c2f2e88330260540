"""ダイレクト納付: national money only, when the account's 納付形態 allows; the rest is まとめ納付."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent
from portal.models import PaymentMode
from tests.conftest import login
from tests.receipts.helpers import body
from tests.receipts.helpers import panel_shown

NOTE = "技術情報管理手数料と軽自動車検査手数料は、ダイレクト納付できません。"


def fees_by_code(app):
    db.session.rollback()
    db.session.refresh(app)
    return {f["code"]: f for f in app.fees}


def test_direct_payment_pays_national_money_and_leaves_the_rest(any_app, tenants, flow):
    office = flow.office(tenants["a"], payment_mode=PaymentMode.DIRECT_NATIONAL)
    staff = tenants["a_staff"]
    app = flow.until(flow.file(office, staff, "keizoku"), "納付待ち", steps=6)
    client = any_app.test_client()
    login(client, staff)
    page = body(client.get(f"/applications/{app.id}"))
    assert panel_shown(page, "payment", app.id) and NOTE in page
    assert "ダイレクト納付(国庫金限定)" in page
    assert "ダイレクト納付する(国庫金 25,800円)" in page  # 検査手数料 1,200 + 重量税 24,600
    assert "技術情報管理手数料 400円(ダイレクト納付できない料金です)" in page

    resp = client.post(f"/applications/{app.id}/oss/direct-payment", follow_redirects=True)
    page = body(resp)
    assert "ダイレクト納付を依頼しました(25,800円)" in page
    assert "残りの料金(技術情報管理手数料)はOSSポータルでまとめ納付してください" in page
    fees = fees_by_code(app)
    assert fees["inspection_fee"]["paid_via"] == "direct" == fees["weight_tax"]["paid_via"]
    assert fees["tech_info_fee"]["paid_via"] is None
    assert "ダイレクト納付できる未納の料金はありません" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "oss_direct_payment")) == 1

    flow.portal_action(app, "matome-payment")  # the rest, on the OSS portal
    flow.until(app, "手続完了", steps=3)
    assert fees_by_code(app)["tech_info_fee"]["paid_via"] == "matome"


def test_a_payment_whose_status_cannot_be_read_is_not_offered_again(app, client, tenants, flow,
                                                                    monkeypatch):
    """OSS paid, then the status query failed: the page says so, names the fees OSS says are
    left, and takes what OSS paid off the button, so nobody pays twice."""
    from oss.client import OssClient
    from oss.errors import OssNotSent

    office = flow.office(tenants["a"], payment_mode=PaymentMode.DIRECT_NATIONAL)
    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff, "keizoku"), "納付待ち", steps=6)
    login(client, staff)

    def unreachable(self, arrival_number):
        raise OssNotSent("OSSに接続できませんでした(未送信)。")

    with monkeypatch.context() as m:
        m.setattr(OssClient, "status", unreachable)
        page = body(client.post(f"/applications/{filed.id}/oss/direct-payment",
                                follow_redirects=True))
    assert "ダイレクト納付を依頼しました(25,800円)。OSSの最新の状況はまだ確認できていません" in page
    assert "残りの料金(技術情報管理手数料)はOSSポータルでまとめ納付してください" in page
    fees = fees_by_code(filed)
    assert fees["inspection_fee"]["paid_via"] == "direct" == fees["weight_tax"]["paid_via"]
    assert fees["tech_info_fee"]["paid_via"] is None
    assert "ダイレクト納付できる未納の料金はありません" in page
    assert "ダイレクト納付する(国庫金" not in page


def test_kei_direct_payment_covers_the_weight_tax_only(app, client, tenants, flow):
    office = flow.office(tenants["a"], payment_mode=PaymentMode.DIRECT_NATIONAL)
    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff, "kei_keizoku"), "納付待ち", steps=6)
    login(client, staff)
    page = body(client.get(f"/applications/{filed.id}"))
    assert "ダイレクト納付する(国庫金 6,600円)" in page and NOTE in page
    client.post(f"/applications/{filed.id}/oss/direct-payment")
    fees = fees_by_code(filed)
    assert fees["weight_tax"]["paid_via"] == "direct"
    assert fees["kei_inspection_fee"]["paid_via"] is None
    assert fees["tech_info_fee"]["paid_via"] is None


def test_matome_account_gets_no_direct_payment(app, client, tenants, flow):
    office = flow.office(tenants["a"])  # まとめ払い
    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff, "keizoku"), "納付待ち", steps=6)
    login(client, staff)
    page = body(client.get(f"/applications/{filed.id}"))
    assert "納付形態は「まとめ払い」です" in page and NOTE in page
    assert "ダイレクト納付する" not in page
    resp = client.post(f"/applications/{filed.id}/oss/direct-payment", follow_redirects=True)
    assert "納付形態は「まとめ払い」です" in body(resp)
    assert all(f["paid_via"] is None for f in fees_by_code(filed).values())


@pytest.mark.parametrize("who,status", [("b_staff", 404), ("r_staff", 403), ("a_admin", 403)])
def test_actions_of_other_offices_and_roles_are_refused(app, client, tenants, flow, who, status):
    office = flow.office(tenants["a"], payment_mode=PaymentMode.DIRECT_NATIONAL)
    filed = flow.until(flow.file(office, tenants["a_staff"], "keizoku"), "受付審査中")
    login(client, tenants[who])
    for path in ("suspension", "suspension/cancel", "direct-payment", "resubmit"):
        assert client.post(f"/applications/{filed.id}/oss/{path}").status_code == status, path
    assert client.get(f"/applications/{filed.id}/oss").status_code == (
        403 if who == "a_admin" else 404)  # staff elsewhere: not visible at all
    assert all(f["paid_via"] is None for f in fees_by_code(filed).values())
    assert not filed.suspend_reserved
