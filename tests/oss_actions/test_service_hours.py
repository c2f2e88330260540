"""Every request that acts at OSS keeps the service hours, not only sending applications:
a 受付番号リスト's send, 中断予約 and its cancellation, ダイレクト納付. Outside the hours
nothing reaches OSS and the user is told when it opens again (no 予約送信 offer: these
are decided at the moment). Reading and status queries stay open."""

from portal.extensions import db
from portal.models import ListStatus
from portal.models import PaymentMode
from portal.models import ReceiptList
from tests.conftest import login
from tests.receipts.helpers import body
from tests.timekeeping import jst
from tests.timekeeping import shipped_calendar  # noqa: F401  (autouse: the shipped hours)

NIGHT = jst(2026, 6, 10, 23, 0)
MORNING = jst(2026, 6, 11, 7, 0)
CLOSED = "ただいまOSSへの送信・操作はできません"


def test_oss_actions_outside_service_hours_are_refused_and_reach_nothing(
        app, client, tenants, flow, set_clock):
    office = flow.office(tenants["a"], payment_mode=PaymentMode.DIRECT_NATIONAL)
    staff = tenants["a_staff"]
    at_review = flow.until(flow.file(office, staff), "受付審査中")
    paying = flow.until(flow.file(office, staff, "keizoku"), "納付待ち", steps=6)
    login(client, staff)
    set_clock(NIGHT)
    assert client.post("/receipts/new", data={"application_id": [at_review.id]}).status_code == 302
    rl = db.session.scalar(db.select(ReceiptList))

    for path in (f"/applications/{at_review.id}/oss/suspension",
                 f"/applications/{at_review.id}/oss/suspension/cancel",
                 f"/applications/{paying.id}/oss/direct-payment",
                 f"/receipts/{rl.id}/send"):
        resp = client.post(path)
        page = body(resp)
        assert resp.status_code == 409, path
        assert CLOSED in page and "2026年6月11日" in page and "7:00" in page, path
        assert "予約送信する" not in page, path
    resp = client.post(f"/applications/{at_review.id}/oss/suspension",
                       headers={"HX-Request": "true"})
    assert resp.status_code == 409 and resp.headers["HX-Retarget"] == "#flash"

    db.session.expire_all()
    assert not at_review.suspend_reserved
    assert not (at_review.oss_detail.get("suspension") or {}).get("reserved")
    assert all(fee["paid_via"] is None for fee in paying.fees)
    assert (rl.status, rl.requested_at) == (ListStatus.UNSENT, None)
    assert client.get(f"/applications/{at_review.id}").status_code == 200  # reading stays open

    set_clock(MORNING)
    resp = client.post(f"/applications/{at_review.id}/oss/suspension", follow_redirects=True)
    assert "中断予約を受け付けました" in body(resp)
    assert client.post(f"/receipts/{rl.id}/send").status_code == 302
