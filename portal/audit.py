"""Write audit events. Secrets are never passed here."""

import re
import uuid

from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEvent

# Keys that must never reach the audit log, whatever a caller passes.
_FORBIDDEN = ("password", "secret", "token", "key", "pkcs12")


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,32}")  # the column holds 32


def request_id() -> str:
    """The id that ties a request's audit events (and the proxy's log line) together: the
    reverse proxy's ``X-Request-ID`` when the app is configured behind one
    (``PROXY_FIX_HOPS``) and it looks like an id; otherwise one of our own, so a client
    cannot choose the id its events are filed under."""
    if not has_request_context():
        return ""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        trusted = current_app.config.get("PROXY_FIX_HOPS") and _REQUEST_ID.fullmatch(given)
        g.request_id = given if trusted else uuid.uuid4().hex
    return g.request_id


def record(action: str, *, outcome: str = "ok", target: str = "", user=None, org_id=None,
           login_id: str = "", **detail) -> AuditEvent:
    """Add an audit event to the session; the caller's transaction commits it."""
    clean = {k: v for k, v in detail.items() if not any(f in k.lower() for f in _FORBIDDEN)}
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        action=action,
        outcome=outcome,
        target=target[:120],
        detail=clean,
        user_id=user.id if user is not None else None,
        org_id=org_id if org_id is not None else (user.org_id if user is not None else None),
        login_id=login_id or (user.login_id if user is not None else ""),
        ip=(request.remote_addr or "") if has_request_context() else "",
        request_id=request_id(),
    )
    db.session.add(event)
    return event


ACTION_LABELS = {
    "login": "ログイン",
    "login_failed": "ログイン失敗",
    "login_locked": "ログイン(ロック中)",
    "login_refused": "ログイン拒否(無効・利用停止)",
    "logout": "ログアウト",
    "access_denied": "アクセス拒否",
    "csrf_refused": "画面の有効期限切れ・不正な送信元による拒否",
    "password_changed": "パスワード変更",
    "user_created": "ユーザー作成",
    "user_updated": "ユーザー更新",
    "password_reset": "パスワード再設定",
    "user_deactivated": "ユーザー無効化",
    "user_activated": "ユーザー有効化",
    "org_renamed": "組織名変更",
    "branch_created": "拠点作成",
    "branch_updated": "拠点更新",
    "org_onboarded": "組織の利用登録",
    "requester_linked": "依頼人の紐付け",
    "change_requested": "変更等申込",
    "change_approved": "変更等申込の承認",
    "change_rejected": "変更等申込の却下",
    "oss_account_saved": "一括利用者アカウント設定",
    "oss_secret_changed": "一括利用者パスワード変更",
    "org_suspended": "組織の利用停止",
    "org_send_quota_set": "送信上限の変更",
    "org_reactivated": "組織の利用再開",
    "job_started": "ジョブ開始",
    "faq_category_saved": "FAQカテゴリ保存",
    "faq_entry_saved": "FAQ保存",
    "faq_entry_published": "FAQ公開",
    "faq_entry_unpublished": "FAQ非公開",
    "faq_imported": "FAQ取り込み",
    "notice_saved": "お知らせ保存",
    "notice_published": "お知らせ公開",
    "notice_unpublished": "お知らせ非公開",
    "certificate_uploaded": "電子証明書の登録",
    "certificate_refused": "電子証明書の登録拒否",
    "certificate_start_date_changed": "電子証明書の利用開始日変更",
    "certificate_disabled": "電子証明書の利用停止",
    "certificate_enabled": "電子証明書の利用再開",
    "certificate_decrypted": "電子証明書の復号",
    "certificate_used": "電子証明書による署名",
    "request_handed_over": "依頼データの依頼",
    "request_returned": "依頼データの差戻し",
    "applications_imported": "申請データの一括取込",
    "application_deleted": "申請データの削除",
    "receipt_list_created": "受付番号リストの作成",
    "receipt_list_changed": "受付番号リストの変更",
    "receipt_list_deleted": "受付番号リストの削除",
    "receipt_list_send_requested": "受付番号リストの送信指示",
    "receipt_list_recheck": "受付番号リストの送信結果再確認",
    "receipt_list_sent": "受付番号リストの送信",
    "receipt_list_failed": "受付番号リストの送信エラー",
    "oss_suspension_reserved": "中断予約",
    "oss_suspension_cancelled": "中断予約の取消",
    "oss_suspension_resumed": "中断の解除",
    "oss_direct_payment": "ダイレクト納付",
    "submissions_queued": "申請データの送信指示",
    "send_scheduled": "予約送信の登録",
    "scheduled_send_cancelled": "予約送信の取消",
    "scheduled_send_started": "予約送信の実行",
    "billing_closed": "利用料金の締め処理",
    "billing_debit_exported": "口座振替データの出力",
}
