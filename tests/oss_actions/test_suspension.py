"""中断予約 against the simulator: checkpoints, taking effect, resuming, moving past."""

import re

import pytest

from portal.extensions import db
from portal.models import ApplicationEvent
from portal.models import ApplicationState
from portal.oss_actions import detail
from tests.conftest import login
from tests.receipts.helpers import body
from tests.receipts.helpers import panel_shown


@pytest.fixture
def office(tenants, flow):
    return flow.office(tenants["a"])


def listed(flow, app):
    """Send the 受付番号リスト and bring the documents, as the agent would."""
    flow.client().send_receipt_list(detail.filing_account(app).bulk_user_id,
                                    [app.receipt_number], idempotency_key=f"rl-test-{app.id:028d}")
    flow.portal_action(app, "documents")


def test_reservation_takes_effect_at_the_next_checkpoint_and_resumes(any_app, tenants, flow,
                                                                      office):
    staff = tenants["a_staff"]
    app = flow.until(flow.file(office, staff), "受付審査中")
    client = any_app.test_client()
    login(client, staff)
    page = body(client.get(f"/applications/{app.id}"))
    assert panel_shown(page, "suspension", app.id) and "OSSが示すこの申請のチェックポイント" in page
    assert 'data-checkpoint="審査中"' in page and 'data-checkpoint="納付待ち"' in page
    assert "中断予約する" in page and "予約なし" in page

    resp = client.post(f"/applications/{app.id}/oss/suspension", follow_redirects=True)
    assert "中断予約を受け付けました。「審査中」に達した時点で中断します。" in body(resp)
    db.session.refresh(app)
    assert app.suspend_reserved and app.oss_detail["suspension"]["reserved"]
    assert "予約中: ここで中断します" in body(resp) and "中断予約を取り消す" in body(resp)

    listed(flow, app)
    flow.until(app, "中断")
    assert app.state == ApplicationState.SUSPENDED
    page = body(client.get(f"/applications/{app.id}"))
    assert "ここで中断中です(中断予約が有効になりました)" in page and "中断を解除する" in page

    resp = client.post(f"/applications/{app.id}/oss/suspension/cancel", follow_redirects=True)
    assert "中断を解除しました" in body(resp)
    db.session.refresh(app)
    assert app.oss_status == "審査中" and not app.suspend_reserved
    page = body(resp)
    assert "中断後に再開し、現在この段階です" in page and "その後、中断は解除されました" in page
    kinds = db.session.scalars(db.select(ApplicationEvent.kind).where(
        ApplicationEvent.application_id == app.id)).all()
    assert "suspension_reserved" in kinds and "suspension_resumed" in kinds
    page = body(client.get(f"/applications/{app.id}"))
    timeline = page[page.index('<table class="list timeline">'):]
    timeline = timeline[:timeline.index("</table>")]
    labels = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", timeline)  # the 内容 column
    assert "中断予約" in labels and "中断の解除" in labels


def test_cancelled_reservation_lets_the_status_move_past(app, client, tenants, flow, office):
    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff), "受付審査中")
    login(client, staff)
    client.post(f"/applications/{filed.id}/oss/suspension")
    resp = client.post(f"/applications/{filed.id}/oss/suspension/cancel", follow_redirects=True)
    assert "中断予約を取り消しました" in body(resp)
    listed(flow, filed)
    flow.until(filed, "納付待ち")
    page = body(client.get(f"/applications/{filed.id}"))
    assert "予約がなかったため通過しました" in page  # 審査中: passed without a stop
    assert "予約がなかったため中断せずに進み、現在この段階です" in page  # 納付待ち: here now
    assert "中断できる段階(チェックポイント)を既に過ぎているため" in page
    assert "中断予約する" not in page
    resp = client.post(f"/applications/{filed.id}/oss/suspension", follow_redirects=True)
    assert "既に過ぎているため、中断予約できません" in body(resp)


def test_oss_refusal_when_the_status_moved_on_unseen(app, client, tenants, flow, office):
    """Our last status still allows it, OSS has moved past: its refusal and status are shown."""
    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff), "受付審査中")
    listed(flow, filed)
    flow.until(filed, "審査中")
    for _ in range(4):
        flow.advance()  # OSS reaches 納付待ち; nobody polls
    login(client, staff)
    resp = client.post(f"/applications/{filed.id}/oss/suspension", follow_redirects=True)
    assert "OSSが受け付けませんでした" in body(resp) and "中断予約できません" in body(resp)
    db.session.refresh(filed)
    assert filed.oss_status == "納付待ち"  # what OSS reported while refusing is recorded


def test_htmx_answers_the_panel(app, client, tenants, flow, office):
    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff), "受付審査中")
    login(client, staff)
    resp = client.post(f"/applications/{filed.id}/oss/suspension",
                       headers={"HX-Request": "true"})
    page = body(resp)
    assert resp.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith(f'<section id="oss-suspension-{filed.id}"')
    assert "中断予約を受け付けました" in page and f'hx-target="#oss-suspension-{filed.id}"' in page
    assert 'data-refresh-on="application-status-changed"' in page and "hx-trigger" not in page
    assert 'style="' not in page and "<script" not in page


def test_receipt_list_panel_and_part_refresh(app, client, tenants, flow, office):
    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff), "受付審査中")
    login(client, staff)
    page = body(client.get(f"/applications/{filed.id}"))
    assert panel_shown(page, "receipt-list", filed.id)
    assert f'href="/receipts/new?application_id={filed.id}"' in page
    client.post("/receipts/new", data={"application_id": [filed.id]})
    part = body(client.get(f"/applications/{filed.id}/oss", query_string={"part": "receipt_list"},
                           headers={"HX-Request": "true"}))
    assert part.lstrip().startswith(f'<section id="oss-receipt-list-{filed.id}"')
    assert "に載っています(送信状況: 未送信)" in part and "受付番号リストを作成" not in part
    assert client.get(f"/applications/{filed.id}/oss", query_string={"part": "x"}).status_code \
        == 404
    for name in ("suspension", "correction", "resubmit", "payment"):
        resp = client.get(f"/applications/{filed.id}/oss", query_string={"part": name})
        assert resp.status_code == 200 and f'id="oss-{name}-{filed.id}"' in body(resp)


def test_the_admins_read_only_panels_follow_the_status_too(app, client, tenants, flow, office):
    filed = flow.until(flow.file(office, tenants["a_staff"]), "受付審査中")
    login(client, tenants["a_admin"])
    page = body(client.get(f"/admin/applications/{filed.id}"))
    url = f"/applications/{filed.id}/oss/read-only?part=suspension"
    assert f'data-refresh-url="{url}"' in page
    panel = body(client.get(url, headers={"HX-Request": "true"}))
    assert panel.lstrip().startswith(f'<section id="oss-suspension-{filed.id}"')
    assert "<form" not in panel  # an admin reads, never files
    assert client.get(f"/applications/{filed.id}/oss?part=suspension").status_code == 403
    other = app.test_client()
    login(other, tenants["b_admin"])
    assert other.get(url).status_code == 404


def test_a_cancellation_says_what_oss_reports_afterwards(app, client, tenants, flow, office,
                                                         monkeypatch):
    """「取り消しました」 only when OSS's status agrees; a cancellation whose status cannot be
    read says so instead of claiming success."""
    from oss.client import OssClient
    from oss.errors import OssNotSent
    from oss.errors import OssOutcomeUnknown

    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff), "受付審査中")
    login(client, staff)
    client.post(f"/applications/{filed.id}/oss/suspension")
    url = f"/applications/{filed.id}/oss/suspension/cancel"

    def lost(self, arrival_number):  # the answer never came, and nothing was done
        raise OssOutcomeUnknown("OSSからの応答がタイムアウトしました。")

    with monkeypatch.context() as m:
        m.setattr(OssClient, "cancel_suspension", lost)
        page = body(client.post(url, follow_redirects=True))
    assert "OSSの状況では、中断予約はまだ残っています。状況を確認してください。" in page
    assert "中断予約を取り消しました。" not in page

    def unreadable(self, arrival_number):
        raise OssNotSent("OSSに接続できませんでした(未送信)。")

    with monkeypatch.context() as m:
        m.setattr(OssClient, "status", unreadable)
        page = body(client.post(url, follow_redirects=True))
    assert "中断予約を取り消しました。OSSの最新の状況はまだ確認できていません" in page
    flow.poll(filed)  # the next status read shows it is gone
    assert not detail.suspension(filed).get("reserved")
