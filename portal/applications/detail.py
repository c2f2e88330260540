"""状況照会: what the detail page shows about where an application stands.

The portal's own state and the raw OSS status side by side, the flags with
their contents, the fee lines with the payment channel each allows, the
certificate the last submission was signed with, the history, and — when
something failed — a specific reason in Japanese.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from oss.status import Flag
from portal.applications import fees as fee_rules
from portal.applications import flags as flag_rules
from portal.applications.live import POLL_SECONDS
from portal.applications.live import app_is_live
from portal.applications.live import detail_version
from portal.applications.services import EVENT_LABELS
from portal.applications.services import history
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState as S
from portal.models import SigningCertificate
from portal.models import Submission
from portal.models import SubmissionState
from portal.models.application import EDITABLE_STATES

BARE_REASONS = {"", "システムエラー", "エラー"}
WAITING_LABELS = {
    "receipt_list": "受付番号リストの送信待ち", "paper": "窓口への書類提出待ち",
    "correction": "補正待ち(OSSポータルで補正してください)", "payment": "納付待ち",
    "confirm": "納付の確認待ち", "suspended": "中断中",
}


@dataclass(frozen=True)
class Failure:
    title: str
    reason: str
    code: str = ""


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    label: str
    state_label: str
    oss_status: str
    who: str
    comment: str


@dataclass(frozen=True)
class StatusView:
    app: Application
    live: bool
    version: str
    flags: list[Flag]
    fee_lines: list[fee_rules.FeeLine]
    fee_total: int
    submission: Submission | None
    certificate: SigningCertificate | None
    failure: Failure | None
    timeline: list[TimelineRow]
    substeps: list[dict]
    waiting: str
    receipt_list_id: str
    paper_deadline: str
    payment_note: str = fee_rules.PAYMENT_NOTE
    poll_seconds: int = POLL_SECONDS


def latest_submission(app: Application) -> Submission | None:
    """The application's last submission, if the viewer may see it (the agent's row)."""
    return db.session.scalar(sa.select(Submission).where(Submission.application_id == app.id)
                             .order_by(Submission.id.desc()).limit(1))


def certificate_of(submission: Submission | None) -> SigningCertificate | None:
    if submission is None or submission.certificate_id is None:
        return None
    return db.session.scalar(sa.select(SigningCertificate)
                             .where(SigningCertificate.id == submission.certificate_id))


def submission_failure(sub: Submission) -> Failure | None:
    """Why the last send failed or waits, in the pipeline's words (never a bare システムエラー)."""
    if sub.state not in (SubmissionState.FAILED, SubmissionState.RETRY, SubmissionState.UNKNOWN):
        return None
    message = (sub.error_message or "").strip()
    if message in BARE_REASONS:
        code = f"(エラーコード {sub.error_code})" if sub.error_code else ""
        message = (f"OSSへの送信が「{sub.state.label}」の状態で止まっています{code}。"
                   "詳しい理由が記録されていないため、管理者に連絡してください。")
    titles = {SubmissionState.FAILED: "申請エラー",
              SubmissionState.RETRY: "送信を再試行します",
              SubmissionState.UNKNOWN: "OSSに届いたか確認しています"}
    return Failure(titles[sub.state], message, sub.error_code)


def oss_failure(app: Application) -> Failure | None:
    """却下 and 取下げ: the reason OSS gave in its history (the メ message holds the rest)."""
    if app.state not in (S.REJECTED, S.WITHDRAWN):
        return None
    events = (app.oss_detail or {}).get("history") or []
    last = next((e for e in reversed(events) if e.get("status") == app.oss_status), None)
    detail = (last or {}).get("detail") or ""
    reason = detail or "OSSから理由の記載はありません。メッセージ(メ)の内容を確認してください。"
    return Failure(app.state.label, reason)


def failure_of(app: Application, sub: Submission | None) -> Failure | None:
    if app.state in EDITABLE_STATES:  # prepared again after a failed send: it is history
        return None
    found = oss_failure(app) or (submission_failure(sub) if sub is not None else None)
    if found is None and app.state == S.SEND_ERROR:
        found = Failure("申請エラー", "送信に失敗しました。理由は代理人の担当者が確認できます。"
                        "代理人にお問い合わせください。")
    return found


def _state_label(value: str) -> str:
    try:
        return S(value).label
    except ValueError:
        return value


def _who(event) -> str:
    if event.user is not None:
        return event.user.display_name
    return "自動処理" if event.user_id is None else "他の組織の担当者"


def timeline(app: Application) -> list[TimelineRow]:
    rows = []
    for e in history(app):
        detail = e.detail if isinstance(e.detail, dict) else {}
        rows.append(TimelineRow(
            at=e.created_at, label=EVENT_LABELS.get(e.kind, "状況の更新"),
            state_label=_state_label(e.to_state) if e.to_state != e.from_state else "",
            oss_status=str(detail.get("oss_status") or detail.get("status") or ""),
            who=_who(e),
            comment=e.comment or str(detail.get("detail") or detail.get("reason") or "")))
    return rows


def status_view(app: Application) -> StatusView:
    sub = latest_submission(app)
    lines = fee_rules.fee_lines(app)
    detail = app.oss_detail if isinstance(app.oss_detail, dict) else {}
    return StatusView(
        app=app, live=app_is_live(app), version=detail_version(app.id),
        flags=flag_rules.flags_of(app), fee_lines=lines, fee_total=fee_rules.total(lines),
        submission=sub, certificate=certificate_of(sub), failure=failure_of(app, sub),
        timeline=timeline(app), substeps=list(detail.get("substeps") or []),
        waiting=WAITING_LABELS.get(detail.get("waiting") or "", ""),
        receipt_list_id=str(detail.get("receipt_list") or ""),
        paper_deadline=str(detail.get("paper_deadline") or "").replace("T", " ")[:16])
