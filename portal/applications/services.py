"""Drafts: create, save at any completeness, check fully, mark ready, reuse.

Views hand over a bound generated form (``forms.generate``); everything that
decides lives here. Saving never loses what the user typed: a draft is stored
whatever its state, and the full check (fields + filing rules) only decides
whether it may become 申請準備完了 (READY).
"""

from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask import abort

from forms import checks
from forms import poa
from forms import specs
from forms.generate import form_class
from forms.spec import ProcedureSpec
from forms.spec import field_name
from portal import audit
from portal.applications import duplicates
from portal.applications import permissions
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationEvent
from portal.models import ApplicationState as S
from portal.models import Backend
from portal.models import Branch
from portal.models.base import utcnow

POA_FIELD = field_name("poa", "e_poa")

EVENT_LABELS = {
    "created": "作成",
    "saved": "保存",
    "ready": "申請準備完了",
    "handed_over": "依頼",
    "request_updated": "依頼データ更新",
    "returned": "差戻し",
    "reused": "申請データ再利用で作成",
    "imported": "一括取込で作成",
    "deleted": "削除",
    # The submission pipeline and OSS (issue 5, portal.submissions / jobs.pipeline);
    # unknown kinds show as 状況の更新.
    "submit_requested": "送信指示",
    "resubmit_requested": "再申請の指示",
    "submitted": "OSSに到達",
    "resubmitted": "再申請がOSSに到達",
    "send_failed": "申請エラー",
    "resubmit_failed": "再申請エラー",
    "oss_status": "OSS状況の変化",
    "oss_progress": "OSSでの進捗",
    "oss_flag": "OSSからの通知",
    # Actions after filing (portal.receipts, portal.oss_actions).
    "receipt_list_sent": "受付番号リスト送信",
    "suspension_reserved": "中断予約",
    "suspension_cancelled": "中断予約の取消",
    "suspension_resumed": "中断の解除",
    "direct_payment": "ダイレクト納付",
}


@dataclass
class Outcome:
    """What a save did: ``issues`` are the full check's findings (maybe empty)."""

    application: Application
    issues: list[checks.Issue] = field(default_factory=list)
    upload_error: str | None = None
    ready: bool = False


def spec_of(app: Application) -> ProcedureSpec:
    return specs.get(app.procedure)


def spec_or_404(code: str) -> ProcedureSpec:
    try:
        return specs.get(code)
    except specs.UnknownProcedure:
        abort(404)


def filing_branch(user) -> Branch | None:
    """The branch the user files from: their own, else the organisation's first."""
    if user.branch_id:
        return db.session.get(Branch, user.branch_id)
    return db.session.scalar(sa.select(Branch).where(Branch.org_id == user.org_id)
                             .order_by(Branch.id).limit(1))


def kei_manager_name(app: Application | None, user) -> str | None:
    """The filing branch's 軽証明書等管理業者名; None while no agent branch is known."""
    if not user.organization.kind.is_agent:
        return None
    branch = app.branch if app is not None and app.branch_id else filing_branch(user)
    return branch.kei_manager_name if branch is not None else ""


def context_for(app: Application | None, user) -> dict:
    return {"kei_manager_name": kei_manager_name(app, user)}


def attachments_of(app: Application | None) -> dict:
    value = ((app.payload or {}).get("poa") or {}).get("e_poa") if app is not None else None
    return {"poa": {"e_poa": value}} if value else {}


def bind_form(spec: ProcedureSpec, app: Application | None, user, *, from_request: bool):
    """The generated form for ``spec``: from the request, or showing ``app``'s data."""
    cls = form_class(spec)
    kwargs = {"attachments": attachments_of(app), "context": context_for(app, user)}
    if from_request or app is None:
        return cls(**kwargs)
    return cls.from_payload(app.payload or {}, **kwargs)


def poa_info(app: Application | None):
    value = attachments_of(app).get("poa", {}).get("e_poa")
    if not value:
        return None
    try:
        return poa.from_payload(value)
    except poa.PoaError:
        return None


def read_capped(storage, max_bytes: int) -> bytes | None:
    """Up to ``max_bytes + 1`` bytes of an upload (so "too big" shows), None if none was sent."""
    if storage is None or not storage.filename:
        return None
    return storage.stream.read(max_bytes + 1)


def _apply_upload(payload: dict, form, files) -> str | None:
    """Attach an uploaded 電子委任状 to ``payload``; return the refusal, if any."""
    if not form.spec.has_field("poa", "e_poa"):
        return None
    data = read_capped(files.get(POA_FIELD), poa.MAX_BYTES)
    if data is not None:
        try:
            poa.parse(data)
        except poa.PoaError as exc:
            return f"【電子委任状】{exc.message}"
        payload.setdefault("poa", {})["e_poa"] = poa.encode(data)
    if (payload.get("poa") or {}).get("poa_mode") != "electronic":
        payload.get("poa", {}).pop("e_poa", None)
    return None


def summary_fields(payload: dict) -> dict:
    """The list/search columns derived from a payload."""
    vehicle = payload.get("vehicle") or {}
    parts = [vehicle.get(k) or "" for k in ("reg_office", "reg_class", "reg_kana", "reg_serial")]
    return {
        "registration_no": " ".join(str(x) for x in parts if x)[:40],
        "chassis_no": str(vehicle.get("chassis_no") or "")[:30],
        "owner_name": str((payload.get("owner") or payload.get("user") or {}).get("name")
                          or "")[:120],
        "hybrid": checks.as_bool((payload.get("filing") or {}).get("hybrid")),
    }


def summarise(app: Application) -> None:
    """Keep the list/search columns in step with the payload."""
    for name, value in summary_fields(app.payload or {}).items():
        setattr(app, name, value)


def event_values(application_id: int, kind: str, *, from_state: S, to_state: S, user=None,
                 comment: str = "", **detail) -> dict:
    """The columns of one history event (a job's events have no user)."""
    return {"application_id": application_id, "kind": kind,
            "user_id": user.id if user is not None else None,
            "org_id": user.org_id if user is not None else None,
            "from_state": from_state.value, "to_state": to_state.value, "comment": comment,
            "detail": detail}


def record_event(app: Application, kind: str, user=None, *, from_state=None, comment: str = "",
                 **detail) -> ApplicationEvent:
    event = ApplicationEvent(**event_values(app.id, kind, from_state=from_state or app.state,
                                            to_state=app.state, user=user, comment=comment,
                                            **detail))
    db.session.add(event)
    return event


def new_application(user, spec: ProcedureSpec, payload: dict | None = None,
                    *, source: Application | None = None) -> Application:
    """A new draft owned by the user's organisation (a 依頼データ for a requester)."""
    is_requester = not user.organization.kind.is_agent
    branch = None if is_requester else filing_branch(user)
    app = Application(
        org_id=user.org_id, agent_org_id=None if is_requester else user.org_id,
        requester_org_id=user.org_id if is_requester else None,
        branch_id=branch.id if branch else None, procedure=spec.code,
        backend=Backend(spec.backend), payload=payload or {}, state=S.DRAFT,
        created_by_id=user.id, updated_by_id=user.id,
        source_application_id=source.id if source is not None else None)
    summarise(app)
    db.session.add(app)
    db.session.flush()
    record_event(app, "reused" if source is not None else "created", user,
                 source=source.id if source is not None else None)
    return app


def save_form(user, app: Application, form, files, *, ready: bool = False,
              check: bool = False) -> Outcome:
    """Store the form's data on ``app``; with ``ready``, check fully and mark READY; with
    ``check`` (a requester handing its data over), check fully as well but leave the
    電子委任状 to the office, which may attach it."""
    if not permissions.can_edit(user, app) or (ready and not permissions.can_mark_ready(user, app)):
        abort(403)
    payload = form.payload()
    if attachments := attachments_of(app):
        payload.setdefault("poa", {}).setdefault("e_poa", attachments["poa"]["e_poa"])
    upload_error = _apply_upload(payload, form, files)
    before = app.state
    app.payload = payload
    app.updated_by_id = user.id
    if app.is_request and app.agent_org_id == user.org_id and app.branch_id is None:
        branch = filing_branch(user)
        app.branch_id = branch.id if branch else None
    summarise(app)
    outcome = Outcome(app, upload_error=upload_error)
    if ready or check:
        outcome.issues = checks.check(checks.Subject(
            spec_of(app), payload, attachments_pending=check and not ready,
            **context_for(app, user)))
        if upload_error:  # the refused file is the one problem with the 電子委任状
            outcome.issues = [i for i in outcome.issues if (i.section, i.field) != ("poa", "e_poa")]
        if not outcome.issues and (twin := duplicates.check_application(app)) is not None:
            outcome.issues = [twin]
        outcome.ready = ready and not outcome.issues and upload_error is None
    app.state = _next_state(user, app, outcome.ready)
    kind = "ready" if outcome.ready else (
        "request_updated" if app.is_request and app.agent_org_id == user.org_id else "saved")
    record_event(app, kind, user, from_state=before)
    return outcome


def _next_state(user, app: Application, ready: bool) -> S:
    if ready:
        return S.READY
    if app.is_request and app.agent_org_id == user.org_id:
        return S.REQUESTED  # changed by the agent: needs checking again before filing
    if app.state in (S.READY, S.SEND_ERROR):
        return S.DRAFT  # changed: checked again before it is sent
    return app.state


def check_one(user, spec: ProcedureSpec, form, name: str, app: Application | None) -> list[str]:
    """Messages for one field of a form being edited (the live check on blur)."""
    section, _, key = name.partition("__")
    if not spec.has_field(section, key):
        abort(404)
    subject = checks.Subject(spec, form.full_payload(), **context_for(app, user))
    return checks.check_field(subject, section, key)


def reuse(user, source: Application) -> Application:
    """申請データ再利用: a new draft with a copy of ``source``'s data."""
    if not permissions.can_reuse(user, source):
        abort(403)
    payload = {k: dict(v) for k, v in (source.payload or {}).items() if isinstance(v, dict)}
    return new_application(user, spec_of(source), payload, source=source)


def deletion_refusal(user, app: Application) -> str | None:
    """Why ``user`` may not delete ``app`` (None: it may). Only data never filed goes: a
    submission, even a failed one, means OSS may have seen it, and its record stays (the
    check looks past tenancy: a request's submissions belong to the office that sent it)."""
    from portal.models import Submission

    if not permissions.can_delete(user, app):
        return f"状態が「{app.state.label}」のため、この申請データは削除できません。"
    if db.session.scalar(sa.select(Submission.id).where(Submission.application_id == app.id)
                         .limit(1).execution_options(skip_tenant_scope=True)) is not None:
        return "一度送信した申請データは、記録を残すため削除できません。"
    return None


def delete_application(user, app: Application) -> bool:
    """Delete data that was never filed: the row stays, emptied and seen by no one, so its
    No. is never given to another application; the audit log keeps the act. The change is
    a compare-and-set on the state read by ``deletion_refusal`` (the caller's check): a
    send that claimed the row meanwhile wins, and False is returned."""
    before = app.state
    done = db.session.execute(
        sa.update(Application)
        .where(Application.id == app.id, Application.state == before.value,
               Application.deleted_at.is_(None))
        .values(deleted_at=utcnow(), payload={}, registration_no="", chassis_no="",
                owner_name="", return_comment="", hybrid=False, state=S.DRAFT.value,
                updated_by_id=user.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        return False
    db.session.execute(  # what was written on it goes too (comments, 差戻し reasons)
        sa.update(ApplicationEvent).where(ApplicationEvent.application_id == app.id)
        .values(comment="", detail={}).execution_options(synchronize_session=False))
    db.session.expire(app)
    record_event(app, "deleted", user, from_state=before)
    audit.record("application_deleted", user=user, target=f"application:{app.id}",
                 procedure=app.procedure, state=before.value)
    return True


def history(app: Application) -> list[ApplicationEvent]:
    return db.session.scalars(
        sa.select(ApplicationEvent).where(ApplicationEvent.application_id == app.id)
        .order_by(ApplicationEvent.id)).all()


def readonly_sections(app: Application):
    """(section title, [(label, shown value)]) for the read-only view."""
    spec = spec_of(app)
    payload = app.payload or {}
    for sec in spec.sections:
        values = payload.get(sec.key) or {}
        rows = []
        for fs in sec.fields:
            value = values.get(fs.key)
            if fs.type == "file":
                shown = "添付あり" if value else "なし"
            elif fs.type == "bool":
                shown = "はい" if checks.as_bool(value) else "いいえ"
            elif fs.type == "select":
                shown = fs.choice_label(value) if value else ""
            else:
                shown = value or ""
            rows.append((fs.label, shown))
        yield sec.title, rows
