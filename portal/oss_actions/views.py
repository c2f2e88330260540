"""OSS action routes. Each answers the refreshed panel to htmx, or goes back to the detail page."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from portal.access import policy
from portal.extensions import db
from portal.htmx import is_htmx
from portal.models import Application
from portal.oss_actions import bp
from portal.oss_actions import panel as panels
from portal.oss_actions import payment
from portal.oss_actions import resubmit as resubmits
from portal.oss_actions import suspension
from portal.oss_actions.actions import ActionError
from portal.tenancy import get_or_404


@bp.app_template_global("oss_action_panel")
def oss_action_panel(app: Application) -> panels.Panel:
    """The panel of ``app`` for the current user (the detail page includes the template)."""
    return panels.build(current_user, app)


@bp.get("/<int:app_id>/oss")
@policy("staff")
def panel(app_id: int):
    return render_template("oss_actions/_panel.html", app=get_or_404(Application, app_id))


@bp.post("/<int:app_id>/oss/suspension")
@policy("staff", agent_only=True)
def reserve(app_id: int):
    return _act(app_id, suspension.reserve)


@bp.post("/<int:app_id>/oss/suspension/cancel")
@policy("staff", agent_only=True)
def cancel(app_id: int):
    return _act(app_id, suspension.cancel)


@bp.post("/<int:app_id>/oss/direct-payment")
@policy("staff", agent_only=True)
def direct_payment(app_id: int):
    return _act(app_id, payment.pay)


@bp.post("/<int:app_id>/oss/resubmit")
@policy("staff", agent_only=True)
def resubmit(app_id: int):
    app = _filed_by_me(app_id)
    from portal.submissions.services import enqueue_batch

    try:
        batch = resubmits.resubmit(current_user, app)
    except ActionError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(app)
    db.session.commit()
    enqueue_batch(batch.id)
    flash("再申請を開始しました。送信状況はこの画面で確認できます。", "success")
    return redirect(url_for("submissions.batch", batch_id=batch.id))


def _filed_by_me(app_id: int) -> Application:
    app = get_or_404(Application, app_id)
    if not panels.can_act(current_user, app):
        abort(403)
    return app


def _act(app_id: int, action):
    app = _filed_by_me(app_id)
    try:
        message = action(current_user, app)
    except ActionError as exc:
        db.session.commit()  # keep the status OSS reported while refusing
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return _back(app)


def _back(app: Application):
    if is_htmx():
        return render_template("oss_actions/_panel.html", app=app, flash_inline=True)
    return redirect(url_for("applications.show", app_id=app.id))
