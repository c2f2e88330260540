"""申請データ / 依頼データ pages: create, edit, live checks, 状況照会, requests, reuse."""

from flask import Response
from flask import abort
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from forms import rules
from portal.access import policy
from portal.applications import bp
from portal.applications import detail
from portal.applications import drafts
from portal.applications import live
from portal.applications import permissions
from portal.applications import requests as req
from portal.applications import services as svc
from portal.applications.search_views import endpoints
from portal.auth.services import passive
from portal.extensions import db
from portal.htmx import HTMX_STOP_POLLING
from portal.htmx import trigger_client_event
from portal.models import Application
from portal.tenancy import get_or_404


@bp.get("/applications/new")
@policy("staff")
def new():
    code = request.args.get("procedure", "")
    if not code:  # reached without choosing: the procedure selector
        return redirect(url_for("main.procedures"))
    refusal = rules.out_of_scope(code)
    if refusal:
        return render_template("applications/out_of_scope.html", message=refusal)
    spec = svc.spec_or_404(code)
    form = svc.bind_form(spec, None, current_user, from_request=False)
    return _render_edit(spec, form, None, draft_token=drafts.issue())


@bp.post("/applications/new")
@policy("staff")
def create():
    spec = svc.spec_or_404(request.args.get("procedure", ""))
    token = request.form.get("draft_token")
    app = drafts.earlier(token)
    if app is not None:  # this form was saved before (a reload, or back and save again)
        if not permissions.can_edit(current_user, app):
            flash(f"この入力内容は申請データNo.{app.id}として保存済みです。", "info")
            return redirect(url_for("applications.show", app_id=app.id))
        return _save(svc.spec_of(app), svc.bind_form(svc.spec_of(app), app, current_user,
                                                     from_request=True), app)
    form = svc.bind_form(spec, None, current_user, from_request=True)
    app = svc.new_application(current_user, spec)
    drafts.remember(token, app.id)
    return _save(spec, form, app)


@bp.get("/applications/<int:app_id>")
@policy("staff")
def show(app_id: int):
    return _render_show(get_or_404(Application, app_id))


@bp.get("/admin/applications/<int:app_id>")
@policy("admin")
def admin_show(app_id: int):
    return _render_show(get_or_404(Application, app_id))


@bp.get("/applications/<int:app_id>/status")
@passive
@policy("staff")
def status_part(app_id: int):
    return _status_part(app_id)


@bp.get("/admin/applications/<int:app_id>/status")
@passive
@policy("admin")
def admin_status_part(app_id: int):
    return _status_part(app_id)


@bp.get("/applications/<int:app_id>/summary")
@passive
@policy("staff")
def summary_part(app_id: int):
    return _summary_part(app_id)


@bp.get("/admin/applications/<int:app_id>/summary")
@passive
@policy("admin")
def admin_summary_part(app_id: int):
    return _summary_part(app_id)


def _summary_part(app_id: int):
    """The head card (state, buttons), reloaded when the status part announces a change."""
    app = get_or_404(Application, app_id)
    return render_template("applications/_summary.html", app=app, spec=svc.spec_of(app),
                           perms=permissions, endpoints=endpoints(),
                           deletable=svc.deletion_refusal(current_user, app) is None)


def _status_part(app_id: int):
    """The detail page's status part; 204 while unchanged, no trigger once terminal."""
    version = live.detail_version(app_id)  # None: not visible, answered by get_or_404
    if version is not None and version == request.args.get("v"):
        return Response(status=204)
    app = get_or_404(Application, app_id)
    view = detail.status_view(app)
    resp = make_response(render_template("applications/_status.html", status=view,
                                         endpoints=endpoints()),
                         200 if view.live else HTMX_STOP_POLLING)
    return trigger_client_event(resp, "application-status-changed", {"id": app.id})


@bp.get("/applications/<int:app_id>/edit")
@policy("staff")
def edit(app_id: int):
    app = get_or_404(Application, app_id)
    if not permissions.can_edit(current_user, app):
        flash(permissions.edit_refusal(current_user, app), "error")
        return redirect(url_for("applications.show", app_id=app.id))
    spec = svc.spec_of(app)
    return _render_edit(spec, svc.bind_form(spec, app, current_user, from_request=False), app)


@bp.post("/applications/<int:app_id>/edit")
@policy("staff")
def update(app_id: int):
    app = get_or_404(Application, app_id)
    spec = svc.spec_of(app)
    return _save(spec, svc.bind_form(spec, app, current_user, from_request=True), app)


@bp.post("/applications/check")
@policy("staff")
def check_field():
    spec = svc.spec_or_404(request.args.get("procedure", ""))
    name = request.args.get("field", "")
    app_id = request.form.get("application_id", type=int)
    app = get_or_404(Application, app_id) if app_id else None
    form = svc.bind_form(spec, app, current_user, from_request=True)
    field = form._fields.get(name) or abort(404)
    field.errors = svc.check_one(current_user, spec, form, name, app)
    return render_template("applications/_field_errors.html", field=field)


@bp.post("/applications/<int:app_id>/return")
@policy("staff", agent_only=True)
def return_request(app_id: int):
    app = get_or_404(Application, app_id)
    try:
        req.return_request(current_user, app, request.form.get("comment", ""))
    except req.RequestError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash("依頼データを差し戻しました。", "success")
    return redirect(url_for("applications.show", app_id=app.id))


@bp.get("/applications/<int:app_id>/delete")
@policy("staff")
def delete_confirm(app_id: int):
    app = get_or_404(Application, app_id)
    if refusal := svc.deletion_refusal(current_user, app):
        flash(refusal, "error")
        return redirect(url_for("applications.show", app_id=app.id))
    return render_template("applications/delete.html", app=app, spec=svc.spec_of(app))


@bp.post("/applications/<int:app_id>/delete")
@policy("staff")
def delete(app_id: int):
    app = get_or_404(Application, app_id)
    if refusal := svc.deletion_refusal(current_user, app):
        flash(refusal, "error")
        return redirect(url_for("applications.show", app_id=app.id))
    if not svc.delete_application(current_user, app):
        db.session.rollback()
        flash("状態が変わったため削除できませんでした。申請データを確認してください。", "error")
        return redirect(url_for("applications.show", app_id=app_id))
    db.session.commit()
    flash(f"申請データ(No.{app_id})を削除しました。", "success")
    return redirect(url_for("applications.index"))


@bp.post("/applications/<int:app_id>/reuse")
@policy("staff")
def reuse(app_id: int):
    new_app = svc.reuse(current_user, get_or_404(Application, app_id))
    db.session.commit()
    flash(f"申請データ(No.{app_id})を再利用して新しい下書きを作成しました。", "success")
    return redirect(url_for("applications.edit", app_id=new_app.id))


def _render_show(app):
    return render_template("applications/show.html", app=app, spec=svc.spec_of(app),
                           sections=svc.readonly_sections(app), status=detail.status_view(app),
                           perms=permissions, poa=svc.poa_info(app), endpoints=endpoints(),
                           deletable=svc.deletion_refusal(current_user, app) is None)


def _render_edit(spec, form, app, status: int = 200, *, draft_token: str = "",
                 handover_error: str = ""):
    agents = ([] if current_user.organization.kind.is_agent
              else req.linked_agents(current_user))
    return render_template(
        "applications/edit.html", spec=spec, form=form, app=app, poa=svc.poa_info(app),
        draft_token=draft_token, handover_error=handover_error, agents=agents,
        chosen_agent=req.chosen_agent(agents, app, request.form.get("agent_org_id", type=int)),
        is_agent=current_user.organization.kind.is_agent,
        can_ready=(current_user.organization.kind.is_agent if app is None
                   else permissions.can_mark_ready(current_user, app))), status


def _save(spec, form, app):
    """Save ``form`` on ``app`` as the clicked button asks; re-show it on problems."""
    action = request.form.get("action", "save")
    outcome = svc.save_form(current_user, app, form, request.files, ready=action == "ready",
                            check=action == "handover")
    if outcome.upload_error:
        form.poa__e_poa.errors = [outcome.upload_error]
    form.apply(outcome.issues)
    handover_error = None
    if action == "handover" and not outcome.upload_error and not outcome.issues:
        try:
            req.hand_over(current_user, app, request.form.get("agent_org_id", type=int))
        except req.RequestError as exc:
            handover_error = exc.message
    db.session.commit()
    if outcome.upload_error or outcome.issues or handover_error:
        flash(handover_error or _problem_summary(outcome, action), "error")
        return _render_edit(spec, form, app, 422, handover_error=handover_error or "")
    flash(_done_message(action), "success")
    return redirect(url_for("applications.show" if action != "save" else "applications.edit",
                            app_id=app.id))


def _problem_summary(outcome, action: str = "") -> str:
    count = len(outcome.issues) + (1 if outcome.upload_error else 0)
    then = ("直してから代理人に依頼してください。" if action == "handover"
            else "各項目の表示を確認してください。")
    return f"入力内容を保存しましたが、{count}件の問題があります。{then}"


def _done_message(action: str) -> str:
    return {"ready": "入力チェックを通過し、申請準備完了にしました。",
            "handover": "依頼データを代理人に送りました。"}.get(action, "下書きを保存しました。")
