"""状況照会: state and raw OSS status, flags with contents, fees and channels, certificate,
failure reasons, history, the self-refreshing status part and the action slots."""

import re
import uuid

import pytest

from portal.applications import fees as fee_rules
from portal.extensions import db
from portal.htmx import HTMX_STOP_POLLING
from portal.models import ApplicationEvent
from portal.models import ApplicationState as S
from portal.models import Submission
from portal.models import SubmissionState
from tests.applications.filed import filed
from tests.applications.filed import flag_items
from tests.applications.filed import move
from tests.applications.helpers import body
from tests.conftest import login
from tests.routes import signing_certificate_row

MLIT_FEES = [
    {"code": "registration_fee", "label": "登録手数料", "amount": 500, "money": "national",
     "paid_via": "direct", "paid_at": "2026-11-21T09:30:00+09:00"},
    {"code": "tech_info_fee", "label": "技術情報管理手数料", "amount": 400, "money": "general",
     "paid_via": None, "paid_at": None},
    {"code": "parking_cert_fee", "label": "保管場所証明手数料", "amount": 2100, "money": "local",
     "paid_via": None, "paid_at": None},
]
KEI_FEES = [
    {"code": "kei_inspection_fee", "label": "軽自動車検査手数料", "amount": 1200,
     "money": "general", "paid_via": None, "paid_at": None},
    {"code": "weight_tax", "label": "自動車重量税", "amount": 6600, "money": "national",
     "paid_via": None, "paid_at": None},
]


@pytest.fixture
def client(db_app, tenants):
    client = db_app.test_client()
    login(client, tenants["a_staff"])
    return client


def submission(app, state: SubmissionState, **cols) -> Submission:
    sub = Submission(org_id=app.org_id, application_id=app.id, state=state,
                     idempotency_key=uuid.uuid4().hex, **cols)
    db.session.add(sub)
    db.session.commit()
    return sub


def fee_row(html: str, code: str) -> str:
    return re.search(rf'<tr data-fee="{code}">.*?</tr>', html, re.S).group(0)


def test_status_flags_fees_and_certificate(client, tenants):
    user = tenants["a_staff"]
    app = filed(user, "iten", S.PAYMENT_PENDING, oss_status="納付待ち",
                arrival_number="20261120100000001", receipt_number="20261120101",
                flags={"message": {"items": flag_items("書類不備のお知らせ")},
                       "notice": {"items": []}},
                fees=MLIT_FEES,
                oss_detail={"substeps": [{"authority": "police", "label": "警察署(保管場所)",
                                          "status": "審査完了"}],
                            "waiting": "payment", "receipt_list": "00000042"})
    cert = signing_certificate_row(tenants["a"])
    db.session.add(cert)
    db.session.commit()
    submission(app, SubmissionState.SENT, certificate_id=cert.id, secret_version=3,
               arrival_number=app.arrival_number)
    html = body(client.get(f"/applications/{app.id}"))
    assert '<td id="app-state">納付待ち</td>' in html
    assert '<td id="app-oss-status">納付待ち' in html
    assert "20261120100000001" in html and "20261120101" in html and "00000042" in html
    assert "警察署(保管場所)" in html and "納付待ち" in html
    # Flags with their contents inline.
    message = re.search(r'<div class="flag" id="flag-message">.*?</div>', html, re.S).group(0)
    assert '<span class="flag-on">有</span>' in message
    assert "書類不備のお知らせ" in message and "書類不備のお知らせの本文です。" in message
    notice = re.search(r'<div class="flag" id="flag-notice">.*?</div>', html, re.S).group(0)
    assert "運輸支局等からのお知らせ" in notice and "なし" in notice
    # Fee lines and the channel each allows; the まとめ納付 rule is said in words.
    assert "ダイレクト納付またはまとめ納付" in fee_row(html, "registration_fee")
    assert "ダイレクト納付済" in fee_row(html, "registration_fee")
    assert "まとめ納付のみ" in fee_row(html, "tech_info_fee")
    assert "未納付" in fee_row(html, "tech_info_fee")
    assert "まとめ納付のみ" in fee_row(html, "parking_cert_fee")
    assert "3,000円" in html
    assert fee_rules.PAYMENT_NOTE in html
    assert "技術情報管理手数料と軽自動車検査手数料" in fee_rules.PAYMENT_NOTE
    # The certificate of the last submission and the password version it was sent with.
    assert "行政書士電子証明書" in html and cert.subject_cn in html
    assert "到達番号パスワード" in html and "送信時の第3版" in html


def test_kei_fees_split_between_channels(client, tenants):
    app = filed(tenants["a_staff"], "kei_keizoku", S.PAYMENT_PENDING, oss_status="納付待ち",
                fees=KEI_FEES)
    html = body(client.get(f"/applications/{app.id}"))
    assert "まとめ納付のみ" in fee_row(html, "kei_inspection_fee")
    assert "ダイレクト納付またはまとめ納付" in fee_row(html, "weight_tax")
    for label in ("メ", "軽", "期"):
        assert f'<span class="flag-letter">{label}</span>' in html


@pytest.mark.parametrize("message,code,expected", [
    ("OSSが申請を受け付けませんでした(OSS-304): 証明書の有効期限切れ", "OSS-304",
     "OSSが申請を受け付けませんでした(OSS-304): 証明書の有効期限切れ"),
    ("システムエラー", "OSS-900", "「申請エラー」の状態で止まっています(エラーコード OSS-900)"),
    ("", "", "詳しい理由が記録されていないため、管理者に連絡してください。"),
])
def test_a_failed_send_gives_a_specific_reason(client, tenants, message, code, expected):
    app = filed(tenants["a_staff"], "iten", S.SEND_ERROR)
    submission(app, SubmissionState.FAILED, error_message=message, error_code=code)
    html = body(client.get(f"/applications/{app.id}"))
    failure = re.search(r'<div class="failure" role="alert".*?</div>', html, re.S).group(0)
    assert "申請エラー" in failure and expected in failure
    assert not re.search(r"<p>\s*システムエラー\s*</p>", failure)


def test_a_fixed_send_error_is_history_and_the_sent_data_is_not_deletable(client, tenants):
    """Edited and ready again after 申請エラー: no red box for the old failure (the timeline
    keeps it), and no 削除 button, since a send is on record."""
    app = filed(tenants["a_staff"], "iten", S.SEND_ERROR)
    submission(app, SubmissionState.FAILED, error_message="OSS-601: 受付できません",
               error_code="OSS-601")
    assert '<div class="failure" role="alert"' in body(client.get(f"/applications/{app.id}"))
    move(app, S.READY)
    html = body(client.get(f"/applications/{app.id}"))
    assert '<div class="failure" role="alert"' not in html
    assert f'/applications/{app.id}/delete"' not in html
    summary = body(client.get(f"/applications/{app.id}/summary"))
    assert f'/applications/{app.id}/delete"' not in summary
    draft = filed(tenants["a_staff"], "iten", S.DRAFT)  # never sent: deletable
    assert f'/applications/{draft.id}/delete"' in body(client.get(f"/applications/{draft.id}"))


def test_retry_and_unknown_outcomes_are_explained(client, tenants):
    app = filed(tenants["a_staff"], "iten", S.SENDING)
    submission(app, SubmissionState.UNKNOWN, error_message="応答がなかったため到達を確認中です。")
    html = body(client.get(f"/applications/{app.id}"))
    assert "OSSに届いたか確認しています" in html and "応答がなかったため到達を確認中です。" in html


def test_rejection_shows_the_reason_oss_gave(client, tenants):
    reason = "書類が期限までに提出されませんでした"
    app = filed(tenants["a_staff"], "iten", S.REJECTED, oss_status="却下", oss_detail={
        "history": [{"status": "到達", "at": "…", "detail": "到達しました"},
                    {"status": "却下", "at": "…", "detail": reason}]})
    html = body(client.get(f"/applications/{app.id}"))
    assert "書類が期限までに提出されませんでした" in html


def test_history_lists_events_with_state_and_oss_status(client, tenants):
    app = filed(tenants["a_staff"], "iten", S.RECEPTION_REVIEW, oss_status="受付審査中")
    db.session.add(ApplicationEvent(application_id=app.id, kind="oss_status",
                                    from_state="arrived", to_state="reception_review",
                                    detail={"oss_status": "受付審査中"}))
    db.session.commit()
    html = body(client.get(f"/applications/{app.id}"))
    timeline = re.search(r'<table class="list timeline">.*?</table>', html, re.S).group(0)
    assert "<td>作成</td>" in timeline
    assert re.search(r"<td>OSS状況の変化</td><td>受付審査中</td><td>受付審査中</td>"
                     r"<td>自動処理</td>", timeline)


def status_url(html: str, app_id: int) -> str | None:
    tag = re.search(rf'<section class="card status-part" id="application-{app_id}-status"[^>]*>',
                    html).group(0)
    found = re.search(r'hx-get="([^"]+)"', tag)
    assert ("hx-trigger" in tag) == (found is not None)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_status_part_refreshes_until_terminal(client, tenants):
    app = filed(tenants["a_staff"], "iten", S.UNDER_REVIEW, oss_status="審査中")
    html = body(client.get(f"/applications/{app.id}"))
    assert html.count("hx-trigger") == 1
    url = status_url(html, app.id)
    assert client.get(url).status_code == 204
    move(app, S.PAYMENT_PENDING, oss_status="納付待ち")
    resp = client.get(url, headers={"HX-Request": "true"})
    assert resp.status_code == 200 and "<html" not in body(resp)
    assert "application-status-changed" in resp.headers["HX-Trigger"]
    assert '<td id="app-oss-status">納付待ち' in body(resp)
    url = status_url(body(resp), app.id)
    move(app, S.COMPLETED, oss_status="手続完了")
    resp = client.get(url)
    assert resp.status_code == HTMX_STOP_POLLING
    assert status_url(body(resp), app.id) is None and "手続完了" in body(resp)
    assert "hx-trigger" not in body(client.get(f"/applications/{app.id}"))


def test_the_head_card_follows_a_status_change(client, tenants):
    """State and state-bound buttons live in the head card, which reloads on the status
    part's change event (no polling of its own): 却下 shows 却下 there without a reload."""
    app = filed(tenants["a_staff"], "iten", S.UNDER_REVIEW, oss_status="審査中")
    html = body(client.get(f"/applications/{app.id}"))
    url = f"/applications/{app.id}/summary"
    assert (f'id="application-{app.id}-summary" data-refresh-on="application-status-changed" '
            f'data-refresh-url="{url}"') in html
    move(app, S.REJECTED, oss_status="却下")
    part = body(client.get(url, headers={"HX-Request": "true"}))
    assert "<html" not in part and "<tr><th>状態</th><td>却下</td></tr>" in part
    assert 'data-refresh-on="application-status-changed"' in part  # stays refreshable


def test_a_draft_does_not_poll(client, tenants):
    app = filed(tenants["a_staff"], "iten", S.DRAFT)
    assert status_url(body(client.get(f"/applications/{app.id}")), app.id) is None


def test_action_slots_for_the_receipt_and_oss_action_panels(client, tenants):
    app = filed(tenants["a_staff"], "iten", S.RECEPTION_REVIEW)
    html = body(client.get(f"/applications/{app.id}"))
    assert f'<div class="action-panels" id="application-{app.id}-actions">' in html


def test_admins_read_the_same_status(db_app, tenants):
    app = filed(tenants["a_staff"], "iten", S.UNDER_REVIEW, oss_status="審査中")
    client = db_app.test_client()
    login(client, tenants["a_admin"])
    html = body(client.get(f"/admin/applications/{app.id}"))
    assert status_url(html, app.id).startswith(f"/admin/applications/{app.id}/status?v=")
    assert client.get(status_url(html, app.id)).status_code == 204
