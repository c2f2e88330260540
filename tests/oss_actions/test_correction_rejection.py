"""補正要求 shows OSS's request and sends the user to the OSS portal; 却下 offers 再申請 and 再利用."""

import pytest

from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState
from tests.conftest import login
from tests.receipts.helpers import body
from tests.receipts.helpers import panel_shown


@pytest.fixture
def office(tenants, flow):
    return flow.office(tenants["a"])


def test_correction_request_is_shown_and_made_on_the_oss_portal(any_app, tenants, flow, office):
    staff = tenants["a_staff"]
    app = flow.until(flow.file(office, staff, "keizoku", marker="01"), "補正要求", steps=4)
    assert app.state == ApplicationState.CORRECTION_REQUESTED
    client = any_app.test_client()
    login(client, staff)
    page = body(client.get(f"/applications/{app.id}"))
    assert panel_shown(page, "correction", app.id)
    assert "使用者の住所コードを確認し、OSSポータルで補正してください。" in page  # OSS's words
    assert "補正はossdeskではできません" in page and 'href="https://www.oss.mlit.go.jp/"' in page
    assert app.receipt_number in page and "到達番号パスワード(第1版)" in page
    assert "Tochaku-pass" not in page  # the password itself is never shown
    assert "補正する" not in page  # nothing here edits the application

    flow.portal_action(app, "correction")  # done on the OSS portal
    flow.poll(app)
    assert app.oss_status == "受付審査中"
    assert not panel_shown(body(client.get(f"/applications/{app.id}")), "correction", app.id)


def test_kei_correction_points_to_the_kei_portal(app, client, tenants, flow, office):
    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff, "kei_keizoku", marker="01"), "補正要求", steps=4)
    login(client, staff)
    page = body(client.get(f"/applications/{filed.id}"))
    assert 'href="https://www.k-oss.keikenkyo.or.jp/"' in page and "申請用パスワード(第1版)" in page


def test_rejection_offers_resubmission_and_reuse(app, client, tenants, flow, office):
    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff, "keizoku", marker="02"), "却下", steps=4)
    assert filed.state == ApplicationState.REJECTED
    login(client, staff)
    page = body(client.get(f"/applications/{filed.id}"))
    assert panel_shown(page, "resubmit", filed.id) and "申請内容に不備があるため却下されました" in page
    assert f'action="/applications/{filed.id}/oss/resubmit"' in page
    assert f'action="/applications/{filed.id}/reuse"' in page
    assert panel_shown(page, "suspension", filed.id) and "「却下」の申請は中断予約できません" in page

    resp = client.post(f"/applications/{filed.id}/reuse")
    assert resp.status_code == 302
    db.session.rollback()
    copy = db.session.scalars(db.select(Application).where(
        Application.source_application_id == filed.id)).one()
    assert copy.state == ApplicationState.DRAFT and copy.payload == filed.payload


def test_readers_see_the_panel_without_buttons(app, client, tenants, flow, office):
    filed = flow.until(flow.file(office, tenants["a_staff"], "keizoku", marker="02"), "却下",
                       steps=4)
    login(client, tenants["a_admin"])
    page = body(client.get(f"/admin/applications/{filed.id}"))
    assert panel_shown(page, "resubmit", filed.id) and "/oss/resubmit" not in page
    assert "中断予約する" not in page


def test_resubmission_goes_through_the_pipeline_once(app, client, tenants, flow, office):
    from portal.models import Submission
    from portal.models import SubmissionKind
    from portal.models import SubmissionState
    from tests.pipeline.office import drain

    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff, "keizoku", marker="02"), "却下", steps=4)
    first_arrival = filed.arrival_number
    login(client, staff)
    resp = client.post(f"/applications/{filed.id}/oss/resubmit")
    assert resp.status_code == 302 and "/submissions/batches/" in resp.headers["Location"]
    drain(app)
    sub = db.session.scalars(db.select(Submission).where(
        Submission.kind == SubmissionKind.RESUBMIT)).one()
    assert sub.state == SubmissionState.SENT and sub.arrival_number != first_arrival
    db.session.refresh(filed)
    assert filed.arrival_number == sub.arrival_number and filed.oss_status == "到達"
    page = body(client.get(f"/applications/{filed.id}"))
    assert not panel_shown(page, "resubmit", filed.id)
    # OSS takes one 再申請: asking again is refused before anything is written.
    filed.oss_status = "却下"
    db.session.commit()
    resp = client.post(f"/applications/{filed.id}/oss/resubmit", follow_redirects=True)
    assert "既に再申請しています" in body(resp)
    assert db.session.scalar(db.select(db.func.count()).select_from(Submission).where(
        Submission.kind == SubmissionKind.RESUBMIT)) == 1


def test_police_correction_during_review(app, client, tenants, flow, office):
    from portal.oss_actions import detail as oss_detail

    staff = tenants["a_staff"]
    filed = flow.until(flow.file(office, staff, "iten", marker="07"), "受付審査中")
    flow.client().send_receipt_list(oss_detail.filing_account(filed).bulk_user_id,
                                    [filed.receipt_number], idempotency_key=f"rl-pc-{filed.id:026d}")
    flow.until(filed, "補正要求", steps=8)
    login(client, staff)
    page = body(client.get(f"/applications/{filed.id}"))
    assert panel_shown(page, "correction", filed.id)
    assert "保管場所の所在図の内容を確認し、OSSポータルで補正してください。" in page
    flow.portal_action(filed, "correction")
    flow.poll(filed)
    assert filed.oss_status == "審査中"


def test_no_resubmission_while_the_vehicle_is_filed_again(app, client, tenants, flow, office):
    """却下, then the same vehicle filed as a new application: 再申請 of the first would
    file it twice."""
    from portal.models import ApplicationState
    from tests.applications.filed import filed as new_application

    staff = tenants["a_staff"]
    rejected = flow.until(flow.file(office, staff, "keizoku", marker="02"), "却下", steps=4)
    twin = new_application(staff, "keizoku", ApplicationState.READY,
                           chassis_no=rejected.chassis_no)
    login(client, staff)
    page = body(client.get(f"/applications/{rejected.id}"))
    assert f"同じ車台番号の継続検査が既にあります(No.{twin.id}、申請準備完了)" in page
    resp = client.post(f"/applications/{rejected.id}/oss/resubmit", follow_redirects=True)
    assert "同じ車台番号の継続検査が既にあります" in body(resp)
