"""Service-hours pages: the public hours page, 予約送信 and its list."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from faq.notices import outages_between
from portal import clock
from portal.access import PUBLIC
from portal.access import policy
from portal.extensions import db
from portal.hours import bp
from portal.hours import scheduled as svc
from portal.hours.window import LOOKAHEAD
from portal.hours.window import check_send_window
from portal.jpdates import jst_long
from portal.models import ScheduledSend
from portal.models import SubmissionKind
from portal.tenancy import get_or_404


@bp.get("")
@policy(PUBLIC)
def index():
    now = clock.now()
    outages = outages_between(clock.naive_utc(now), clock.naive_utc(now + LOOKAHEAD))
    return render_template("hours/index.html", window=check_send_window(now), outages=outages)


@bp.post("/schedule")
@policy("staff", agent_only=True)
def schedule():
    ids = request.form.getlist("application_id")
    kind = (SubmissionKind.RESUBMIT if request.form.get("kind") == "resubmit"
            else SubmissionKind.SUBMIT)
    try:
        row = svc.schedule_send(current_user, ids, kind)
    except svc.ScheduleError as exc:
        db.session.rollback()
        return render_template("hours/send_refused.html", window=check_send_window(clock.now()),
                               application_ids=ids, kind=kind.value, error=exc.message), 422
    db.session.commit()
    svc.enqueue(row)
    flash(f"{len(row.application_ids)}件を{jst_long(row.run_at)}に予約送信します。", "success")
    return redirect(url_for("hours.scheduled"))


def batch_url(batch_id: int) -> str | None:
    """The pipeline's page of a send batch (None while that page is not installed)."""
    try:
        return url_for("submissions.batch", batch_id=batch_id)
    except BuildError:
        return None


@bp.get("/scheduled")
@policy("staff", agent_only=True)
def scheduled():
    rows = db.session.scalars(db.select(ScheduledSend).order_by(ScheduledSend.id.desc())
                              .limit(100)).all()
    return render_template("hours/scheduled.html", rows=rows,
                           window=check_send_window(clock.now()), batch_url=batch_url)


@bp.post("/scheduled/<int:scheduled_id>/cancel")
@policy("staff", agent_only=True)
def cancel(scheduled_id):
    row = get_or_404(ScheduledSend, scheduled_id)
    try:
        svc.cancel(current_user, row)
    except svc.ScheduleError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("hours.scheduled"))
    db.session.commit()
    flash("予約送信を取り消しました。", "success")
    return redirect(url_for("hours.scheduled"))
