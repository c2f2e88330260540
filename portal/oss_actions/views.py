"""OSS action routes. Each answers its refreshed panel to htmx, or goes back to the detail page."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from portal.access import policy
from portal.auth.services import passive
from portal.extensions import db
from portal.hours.guard import action_refusal
from portal.hours.guard import send_refusal
from portal.htmx import is_htmx
from portal.models import Application
from portal.models import SubmissionKind
from portal.oss_actions import bp
from portal.oss_actions import panel as panels
from portal.oss_actions import payment
from portal.oss_actions import resubmit as resubmits
from portal.oss_actions import suspension
from portal.oss_actions.actions import ActionError
from portal.tenancy import get_or_404


@bp.app_template_global("oss_action_part")
def oss_action_part(app: Application, name: str) -> panels.Part:
    """One action panel of ``app`` for the current user (the detail page's slots)."""
    return panels.build(current_user, app, name)


@bp.get("/<int:app_id>/oss")
@passive
@policy("staff")
def panel(app_id: int):
    return _panel(app_id)


@bp.get("/<int:app_id>/oss/read-only")
@passive
@policy("admin")
def admin_panel(app_id: int):
    """The same part for the admins' read-only detail page (no buttons: ``can_act``)."""
    return _panel(app_id)


def _panel(app_id: int):
    name = request.args.get("part", "")
    if name not in panels.TEMPLATES:
        abort(404)
    return render_template(panels.TEMPLATES[name], app=get_or_404(Application, app_id))


@bp.post("/<int:app_id>/oss/suspension")
@policy("staff", agent_only=True)
def reserve(app_id: int):
    return _act(app_id, suspension.reserve, "suspension")


@bp.post("/<int:app_id>/oss/suspension/cancel")
@policy("staff", agent_only=True)
def cancel(app_id: int):
    return _act(app_id, suspension.cancel, "suspension")


@bp.post("/<int:app_id>/oss/direct-payment")
@policy("staff", agent_only=True)
def direct_payment(app_id: int):
    return _act(app_id, payment.pay, "payment")


@bp.post("/<int:app_id>/oss/resubmit")
@policy("staff", agent_only=True)
def resubmit(app_id: int):
    from portal.submissions.services import enqueue_batch

    app = _filed_by_me(app_id)
    reason = resubmits.refusal(app)
    if reason:
        flash(reason, "error")
        return redirect(url_for("applications.show", app_id=app.id))
    closed = send_refusal([app.id], SubmissionKind.RESUBMIT)  # outside service hours: 予約送信
    if closed is not None:
        return closed
    try:
        batch = resubmits.resubmit(current_user, app)
    except ActionError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("applications.show", app_id=app.id))
    db.session.commit()
    enqueue_batch(batch.id)
    flash("再申請を開始しました。送信状況はこの画面で確認できます。", "success")
    return redirect(url_for("submissions.batch", batch_id=batch.id))


def _filed_by_me(app_id: int) -> Application:
    app = get_or_404(Application, app_id)
    if not panels.can_act(current_user, app):
        abort(403)
    return app


def _act(app_id: int, action, part: str):
    app = _filed_by_me(app_id)
    if (closed := action_refusal()) is not None:  # OSS actions keep the service hours
        return closed
    try:
        message = action(current_user, app)
    except ActionError as exc:
        flash(exc.message, "error")
    else:
        flash(message, "success")
    db.session.commit()  # the event, and the status OSS reported (also when it refused)
    if is_htmx():
        return render_template(panels.TEMPLATES[part], app=app, flash_inline=True)
    return redirect(url_for("applications.show", app_id=app.id))
