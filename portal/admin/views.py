"""Organisation administration (管理者): users, branches, accounts, changes, audit."""

import sqlalchemy as sa
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from portal.access import policy
from portal.admin import bp
from portal.admin.forms import BranchForm
from portal.admin.forms import ChangeRequestForm
from portal.admin.forms import OrgNameForm
from portal.admin.forms import OssAccountForm
from portal.admin.forms import RequesterOnboardForm
from portal.admin.forms import ResetPasswordForm
from portal.admin.forms import UserEditForm
from portal.admin.forms import UserForm
from portal.audit import ACTION_LABELS
from portal.auth import reauth
from portal.extensions import db
from portal.models import AgentRequesterLink
from portal.models import AuditEvent
from portal.models import Backend
from portal.models import Branch
from portal.models import ChangeKind
from portal.models import ChangeRequest
from portal.models import OrgKind
from portal.models import OssAccount
from portal.models import PaymentMode
from portal.models import Role
from portal.models import User
from portal.orgs import changes
from portal.orgs import services
from portal.orgs.notice import onboarding_notice
from portal.orgs.rules import RuleViolation
from portal.tenancy import get_or_404
from portal.choices import choices


def _branch_choices(with_none: bool = True):
    rows = db.session.scalars(sa.select(Branch).order_by(Branch.id)).all()
    return choices(([(0, "(指定なし)")] if with_none else []) + [(b.id, b.name) for b in rows])


@bp.get("/users")
@policy("admin")
def users():
    rows = db.session.scalars(sa.select(User).order_by(User.role, User.login_id)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@policy("admin")
def user_new():
    form = UserForm()
    form.branch_id.choices = _branch_choices()
    if form.validate_on_submit() and reauth.confirmed(form.login_password):
        try:
            user, initial = services.create_user(
                current_user.organization, login_id=form.login_id.data,
                display_name=form.display_name.data.strip(), role=Role(form.role.data),
                branch_id=form.branch_id.data or None)
        except RuleViolation as violation:
            db.session.rollback()
            violation.show_on(form)
        else:
            db.session.commit()
            return render_template("admin/initial_password.html", user=user, password=initial)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@policy("admin")
def user_edit(user_id: int):
    user = get_or_404(User, user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.branch_id.choices = _branch_choices()
    if request.method == "GET":
        form.role.data = user.role.value
        form.branch_id.data = user.branch_id or 0
    if form.validate_on_submit() and (form.role.data == user.role.value  # a new role is
                                      or reauth.confirmed(form.login_password)):  # confirmed
        try:
            services.update_user(user, display_name=form.display_name.data.strip(),
                                 role=Role(form.role.data), branch_id=form.branch_id.data or None)
        except RuleViolation as violation:
            db.session.rollback()
            violation.show_on(form)
        else:
            db.session.commit()
            flash("ユーザー情報を更新しました。", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


OWN_RESET = "ご自身のパスワードは「パスワード変更」から変更してください。"


@bp.route("/users/<int:user_id>/reset-password", methods=["GET", "POST"])
@policy("admin")
def user_reset(user_id: int):
    """Give a user a new one-time password, after the admin confirmed with their own."""
    user = get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(OWN_RESET, "error")
        return redirect(url_for("auth.password"))
    form = ResetPasswordForm()
    if form.validate_on_submit() and reauth.confirmed(form.login_password):
        initial = services.reset_password(user)
        db.session.commit()
        return render_template("admin/initial_password.html", user=user, password=initial,
                               reset=True)
    return render_template("admin/reset_password.html", form=form, user=user)


@bp.post("/users/<int:user_id>/active")
@policy("admin")
def user_toggle(user_id: int):
    user = get_or_404(User, user_id)
    try:
        services.set_user_active(user, request.form.get("active") == "1")
    except RuleViolation as violation:
        db.session.rollback()
        flash(violation.message, "error")
    else:
        db.session.commit()
        flash("ユーザーの状態を変更しました。", "success")
    return redirect(url_for("admin.users"))


@bp.get("/branches")
@policy("admin")
def branches():
    rows = db.session.scalars(sa.select(Branch).order_by(Branch.id)).all()
    return render_template("admin/branches.html", branches=rows)


@bp.route("/branches/new", methods=["GET", "POST"])
@bp.route("/branches/<int:branch_id>", methods=["GET", "POST"])
@policy("admin")
def branch_edit(branch_id: int | None = None):
    branch = get_or_404(Branch, branch_id) if branch_id else None
    form = BranchForm(obj=branch)
    if form.validate_on_submit():
        try:
            services.save_branch(current_user.organization, branch, name=form.name.data.strip(),
                                 address=form.address.data.strip(),
                                 kei_manager_name=form.kei_manager_name.data.strip())
        except RuleViolation as violation:
            db.session.rollback()
            violation.show_on(form)
            return render_template("admin/branch_form.html", form=form, branch=branch), 422
        db.session.commit()
        flash("拠点を保存しました。", "success")
        return redirect(url_for("admin.branches"))
    return render_template("admin/branch_form.html", form=form, branch=branch)


@bp.get("/organization")
@policy("admin")
def organization():
    org = current_user.organization
    name_form = OrgNameForm(obj=org)
    change_form = ChangeRequestForm()
    change_form.kind.choices = choices((k.value, k.label) for k in changes.allowed_kinds(org))
    history = db.session.scalars(
        sa.select(ChangeRequest).order_by(ChangeRequest.requested_at.desc())
    ).all()
    return render_template("admin/organization.html", org=org, name_form=name_form,
                           change_form=change_form, history=history, changes=changes)


@bp.post("/organization/name")
@policy("admin")
def organization_rename():
    form = OrgNameForm()
    if form.validate_on_submit():
        services.rename_org(current_user.organization, form.name.data.strip())
        db.session.commit()
        flash("組織名を変更しました。", "success")
    else:
        flash("組織名を入力してください。", "error")
    return redirect(url_for("admin.organization"))


@bp.post("/organization/changes")
@policy("admin")
def change_request_new():
    org = current_user.organization
    form = ChangeRequestForm()
    form.kind.choices = choices((k.value, k.label) for k in changes.allowed_kinds(org))
    if form.validate_on_submit():
        try:
            changes.request_change(org, ChangeKind(form.kind.data), form.data, current_user,
                                   reason=form.reason.data or "")
        except RuleViolation as violation:
            db.session.rollback()
            violation.show_on(form)
        else:
            db.session.commit()
            flash("変更等申込を受け付けました。協会の承認後に反映されます。", "success")
            return redirect(url_for("admin.organization"))
    history = db.session.scalars(
        sa.select(ChangeRequest).order_by(ChangeRequest.requested_at.desc())
    ).all()
    name_form = OrgNameForm(formdata=None, obj=org)  # the change form posts a "name" too
    return render_template("admin/organization.html", org=org, name_form=name_form,
                           change_form=form, history=history, changes=changes), 200


@bp.get("/oss-accounts")
@policy("admin", agent_only=True)
def oss_accounts():
    rows = db.session.scalars(sa.select(OssAccount).order_by(OssAccount.backend)).all()
    return render_template("admin/oss_accounts.html", accounts=rows)


@bp.route("/oss-accounts/new", methods=["GET", "POST"])
@bp.route("/oss-accounts/<int:account_id>", methods=["GET", "POST"])
@policy("admin", agent_only=True)
def oss_account_edit(account_id: int | None = None):
    account = get_or_404(OssAccount, account_id) if account_id else None
    form = OssAccountForm(obj=account if request.method == "GET" else None)
    form.branch_id.choices = _branch_choices()
    if request.method == "GET" and account is not None:
        form.backend.data = account.backend.value
        form.payment_mode.data = account.payment_mode.value
        form.branch_id.data = account.branch_id or 0
    if form.validate_on_submit():
        if account is None and not form.secret.data:
            form.secret.errors = ["パスワードを入力してください。"]
        # a new 到達番号 password is confirmed by the admin's own
        elif not form.secret.data or reauth.confirmed(form.login_password):
            try:
                account = services.save_oss_account(
                    current_user.organization, account, backend=Backend(form.backend.data),
                    bulk_user_id=form.bulk_user_id.data.strip(),
                    payment_mode=PaymentMode(form.payment_mode.data),
                    branch_id=form.branch_id.data or None)
            except RuleViolation as violation:
                db.session.rollback()
                violation.show_on(form)
            else:
                if form.secret.data:
                    services.set_account_secret(account, form.secret.data, current_user)
                db.session.commit()
                flash("一括利用者アカウントを保存しました。", "success")
                return redirect(url_for("admin.oss_accounts"))
    return render_template("admin/oss_account_form.html", form=form, account=account)


@bp.get("/requesters")
@policy("admin", agent_only=True)
def requesters():
    links = db.session.scalars(
        sa.select(AgentRequesterLink).where(
            AgentRequesterLink.agent_org_id == current_user.org_id
        )
    ).all()
    return render_template("admin/requesters.html", links=links, form=RequesterOnboardForm())


@bp.post("/requesters")
@policy("admin", agent_only=True)
def requester_onboard():
    form = RequesterOnboardForm()
    if (form.validate_on_submit()  # it creates an admin user: confirmed by password
            and reauth.confirmed(form.login_password)
            and (notice := onboarding_notice(
                form, kind=OrgKind.REQUESTER, name=form.name.data.strip(),
                address=(form.address.data or "").strip(),
                phone=(form.phone.data or "").strip(),
                admin_login_id=form.admin_login_id.data,
                admin_name=form.admin_name.data.strip(), agent=current_user.organization))):
        return notice
    links = db.session.scalars(
        sa.select(AgentRequesterLink).where(
            AgentRequesterLink.agent_org_id == current_user.org_id
        )
    ).all()
    return render_template("admin/requesters.html", links=links, form=form)


@bp.get("/audit")
@policy("admin")
def audit_log():
    page = db.paginate(sa.select(AuditEvent).order_by(AuditEvent.id.desc()), per_page=50)
    return render_template("audit.html", page=page, labels=ACTION_LABELS, show_org=False)
