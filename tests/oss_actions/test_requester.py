"""A requester follows the request it handed over; the agent acts on it; nobody else sees it."""

from portal.models import PaymentMode
from tests.conftest import login
from tests.receipts.helpers import body
from tests.receipts.helpers import panel_shown


def test_requester_reads_the_agent_acts(app, client, tenants, flow):
    office = flow.office(tenants["a"], payment_mode=PaymentMode.DIRECT_NATIONAL)
    filed = flow.until(flow.file(office, tenants["a_staff"], "iten", requester=tenants["r"]),
                       "受付審査中")
    login(client, tenants["r_staff"])
    page = body(client.get(f"/applications/{filed.id}"))
    assert panel_shown(page, "suspension", filed.id)  # where it stands, read-only
    assert "/oss/suspension" not in page and "/receipts/" not in page
    assert not panel_shown(page, "receipt-list", filed.id)
    assert not panel_shown(page, "payment", filed.id)  # the agent's account is not theirs
    assert office.accounts["mlit"].bulk_user_id not in page
    assert client.post(f"/applications/{filed.id}/oss/suspension").status_code == 403

    client.post("/logout")
    login(client, tenants["a_staff"])
    page = body(client.get(f"/applications/{filed.id}"))
    assert panel_shown(page, "receipt-list", filed.id) and panel_shown(page, "payment", filed.id)
    resp = client.post(f"/applications/{filed.id}/oss/suspension", follow_redirects=True)
    assert "中断予約を受け付けました" in body(resp)

    client.post("/logout")
    login(client, tenants["b_staff"])
    assert client.get(f"/applications/{filed.id}").status_code == 404
