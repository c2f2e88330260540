"""Association staff (協会): onboarding, change approvals, audit, system state."""

import sqlalchemy as sa
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from jobs import runs
from portal.access import policy
from portal.association import bp
from portal.association.forms import DecisionForm
from portal.association.forms import OnboardForm
from portal.association.forms import QuotaForm
from portal.audit import ACTION_LABELS
from portal.auth import reauth
from portal.auth.services import passive
from portal.extensions import db
from portal.htmx import trigger_client_event
from portal.models import AgentRequesterLink
from portal.models import AuditEvent
from portal.models import ChangeRequest
from portal.models import ChangeStatus
from portal.models import JobRun
from portal.models import Organization
from portal.models import OrgKind
from portal.models import User
from portal.orgs import changes
from portal.orgs import services
from portal.orgs.notice import onboarding_notice
from portal.orgs.rules import RuleViolation
from portal.submissions import quota
from portal.tenancy import get_or_404
from portal.choices import choices


def _agent_choices():
    agents = db.session.scalars(
        sa.select(Organization).where(Organization.kind.in_(
            [OrgKind.GYOSEISHOSHI, OrgKind.GYOSEISHOSHI_CORP, OrgKind.EXEMPT]
        )).order_by(Organization.name)
    ).all()
    return choices([(0, "(なし)")] + [(a.id, a.name) for a in agents])


@bp.get("/organizations")
@policy("association")
def organizations():
    rows = db.session.scalars(sa.select(Organization).order_by(Organization.id)).all()
    form = OnboardForm()
    form.agent_org_id.choices = _agent_choices()
    return render_template("association/organizations.html", orgs=rows, form=form)


def _onboarded(form: OnboardForm):
    """The 利用登録通知書 of the organisation the form describes, or None (errors on the form)."""
    kind = OrgKind(form.kind.data)
    agent = db.session.get(Organization, form.agent_org_id.data) if form.agent_org_id.data else None
    bank = {f: (getattr(form, f).data or "").strip() for f in (
        "bank_name", "bank_branch", "bank_account_number", "bank_account_holder")}
    return onboarding_notice(
        form, kind=kind, name=form.name.data.strip(),
        registration_number=(form.registration_number.data or "").strip(),
        address=(form.address.data or "").strip(), phone=(form.phone.data or "").strip(),
        email=form.email.data or "", admin_login_id=form.admin_login_id.data,
        admin_name=form.admin_name.data.strip(),
        agent=agent if kind == OrgKind.REQUESTER else None, **bank)


@bp.post("/organizations")
@policy("association")
def onboard():
    form = OnboardForm()
    form.agent_org_id.choices = _agent_choices()
    if (form.validate_on_submit()  # it creates an admin user: confirmed by password
            and reauth.confirmed(form.login_password) and (notice := _onboarded(form))):
        return notice
    rows = db.session.scalars(sa.select(Organization).order_by(Organization.id)).all()
    return render_template("association/organizations.html", orgs=rows, form=form)


def _organization_page(org: Organization, quota_form: QuotaForm | None = None) -> str:
    users = db.session.scalars(sa.select(User).where(User.org_id == org.id)).all()
    links = db.session.scalars(sa.select(AgentRequesterLink).where(sa.or_(
        AgentRequesterLink.agent_org_id == org.id, AgentRequesterLink.requester_org_id == org.id
    ))).all()
    if quota_form is None:
        quota_form = QuotaForm(daily_send_quota="" if org.daily_send_quota is None
                               else str(org.daily_send_quota))
    return render_template("association/organization.html", org=org, users=users, links=links,
                           agents=_agent_choices()[1:], quota_form=quota_form,
                           usage=quota.usage(org.id) if org.kind.is_agent else None,
                           default_quota=quota.default_quota())


@bp.get("/organizations/<int:org_id>")
@policy("association")
def organization(org_id: int):
    return _organization_page(get_or_404(Organization, org_id))


@bp.post("/organizations/<int:org_id>/quota")
@policy("association")
def organization_quota(org_id: int):
    org = get_or_404(Organization, org_id)
    if not org.kind.is_agent:  # its page has no quota field to show a message at
        flash(services.QUOTA_AGENTS_ONLY, "error")
        return redirect(url_for("association.organization", org_id=org.id))
    form = QuotaForm()
    if form.validate_on_submit():
        value = form.daily_send_quota.data
        try:
            services.set_send_quota(org, int(value) if value else None)
        except RuleViolation as violation:
            db.session.rollback()
            form.daily_send_quota.errors = [*form.daily_send_quota.errors, violation.message]
        else:
            db.session.commit()
            flash("送信上限を変更しました。", "success")
            return redirect(url_for("association.organization", org_id=org.id))
    return _organization_page(org, quota_form=form)


@bp.post("/organizations/<int:org_id>/links")
@policy("association")
def organization_link(org_id: int):
    requester = get_or_404(Organization, org_id)
    agent = get_or_404(Organization, request.form.get("agent_org_id", type=int) or 0)
    try:
        services.link_requester(agent, requester)
    except RuleViolation as violation:
        db.session.rollback()
        flash(violation.message, "error")
    else:
        db.session.commit()
        flash(f"{agent.name} と紐付けました。", "success")
    return redirect(url_for("association.organization", org_id=requester.id))


@bp.post("/organizations/<int:org_id>/active")
@policy("association")
def organization_toggle(org_id: int):
    org = get_or_404(Organization, org_id)
    try:
        services.set_org_active(org, request.form.get("active") == "1")
    except RuleViolation as violation:
        db.session.rollback()
        flash(violation.message, "error")
        return redirect(url_for("association.organization", org_id=org.id))
    db.session.commit()
    flash("組織の利用状態を変更しました。", "success")
    return redirect(url_for("association.organization", org_id=org.id))


@bp.get("/changes")
@policy("association")
def change_requests():
    status = request.args.get("status", "pending")
    query = sa.select(ChangeRequest).order_by(ChangeRequest.requested_at.desc())
    if status in {s.value for s in ChangeStatus}:
        query = query.where(ChangeRequest.status == ChangeStatus(status))
    rows = db.session.scalars(query).all()
    return render_template("association/changes.html", rows=rows, status=status,
                           changes=changes)


@bp.route("/changes/<int:change_id>", methods=["GET", "POST"])
@policy("association")
def change_request(change_id: int):
    cr = get_or_404(ChangeRequest, change_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            if form.decision.data == "approve":
                changes.approve(cr, current_user, form.comment.data or "")
            else:
                changes.reject(cr, current_user, form.comment.data or "")
        except RuleViolation as violation:
            db.session.rollback()
            form.comment.errors = [violation.message]
        else:
            db.session.commit()
            flash("変更等申込を処理しました。", "success")
            return redirect(url_for("association.change_requests"))
    return render_template("association/change.html", cr=cr, form=form, changes=changes)


@bp.get("/audit")
@policy("association")
def audit_log():
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    org_id = request.args.get("org_id", type=int)
    if org_id:
        query = query.where(AuditEvent.org_id == org_id)
    page = db.paginate(query, per_page=50)
    return render_template("audit.html", page=page, labels=ACTION_LABELS, show_org=True)


@bp.get("/system")
@policy("association")
def system():
    return render_template("association/system.html", recent=_recent_checks())


@bp.get("/system/recent")
@passive
@policy("association")
def recent_checks():
    return render_template("association/_recent_checks.html", recent=_recent_checks())


def _recent_checks() -> list[JobRun]:
    return db.session.scalars(
        sa.select(JobRun).where(JobRun.kind == "oss-check").order_by(JobRun.created_at.desc())
        .limit(5)
    ).all()


@bp.post("/system/oss-check")
@policy("association")
def oss_check():
    run = runs.start("oss-check", "jobs.system.check_oss", org_id=current_user.org_id,
                     user_id=current_user.id)
    return render_template("association/_job_run.html", run=run)


@bp.get("/system/runs/<run_id>")
@passive
@policy("association")
def job_run(run_id: str):
    run = get_or_404(JobRun, run_id)
    resp = make_response(render_template("association/_job_run.html", run=run))
    if run.status.terminal:  # the list of recent results below takes this run in
        trigger_client_event(resp, "oss-check-finished")
    return resp
