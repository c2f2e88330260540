"""申請データ送信: choose ready applications, send them, follow a bulk send live."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from forms import specs
from portal import clock
from portal.access import policy
from portal.applications import search
from portal.applications import search_form
from portal.auth.services import passive
from portal.extensions import db
from portal.hours.guard import action_refusal
from portal.hours.guard import send_refusal
from portal.hours.window import check_send_window
from portal.models import SendBatch
from portal.models import SubmissionState
from portal.submissions import bp
from portal.submissions import quota
from portal.submissions import services
from portal.tenancy import get_or_404


@bp.get("/")
@policy("staff", agent_only=True)
def index():
    page = db.paginate(services.sendable_query(current_user), per_page=100, error_out=False)
    return render_template("submissions/index.html", page=page, specs=specs,
                           ready_count=services.ready_count(current_user),
                           batches=services.recent_batches(current_user),
                           usage=quota.usage(current_user.org_id),
                           window=check_send_window(clock.now()))


@bp.post("/send")
@policy("staff", agent_only=True)
def send():
    scope = request.form.get("scope")
    if scope == "all_ready":  # 「準備完了のすべてを送信」
        ids = services.ready_ids(current_user)
    elif scope == "search":  # 申請データ検索: the ready applications the search showed
        _, criteria = search_form.bind(current_user, request.form)
        try:
            ids = services.ready_ids_as_shown(
                current_user, search.conditions(current_user, criteria),
                shown=request.form.get("shown", 0, type=int),
                top=request.form.get("top", 0, type=int))
        except ValueError as exc:
            flash(str(exc), "error")
            back = {k: v for k, v in request.form.items()
                    if k not in ("csrf_token", "scope", "shown", "top")}
            return redirect(url_for("applications.index", **back))
    else:
        ids = request.form.getlist("application_id")
    if not ids:
        flash("送信する申請データを選んでください。", "error")
        return redirect(request.referrer or url_for("submissions.index"))
    if (refusal := send_refusal(ids)) is not None:  # outside service hours: offer 予約送信
        return refusal
    try:
        batch = services.create_send_batch(current_user, ids)
        if services.found_nothing(batch):  # no batch to show for ids that are not ours
            db.session.rollback()
            flash(services.NOT_FOUND, "error")
            return redirect(url_for("submissions.index"))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(services.RACED, "error")
        return redirect(url_for("submissions.index"))
    services.enqueue_batch(batch.id)
    flash(services.sent_message(batch), "success" if batch.total else "error")
    return redirect(url_for("submissions.batch", batch_id=batch.id))


@bp.get("/batches/<int:batch_id>")
@policy("staff", agent_only=True)
def batch(batch_id: int):
    send_batch = get_or_404(SendBatch, batch_id)
    return render_template("submissions/batch.html", **_progress_context(send_batch))


@bp.get("/batches/<int:batch_id>/progress")
@passive
@policy("staff", agent_only=True)
def batch_progress(batch_id: int):
    send_batch = get_or_404(SendBatch, batch_id)
    return render_template("submissions/_progress.html", **_progress_context(send_batch))


@bp.post("/batches/<int:batch_id>/retry-now")
@policy("staff", agent_only=True)
def retry_now(batch_id: int):
    """Do not wait for the backoff: look up and send again the batch's waiting rows now."""
    from jobs.pipeline.outbox import enqueue_submissions

    send_batch = get_or_404(SendBatch, batch_id)
    if (closed := action_refusal()) is not None:  # sending keeps the service hours
        return closed
    ids = services.waiting_ids(send_batch)
    if ids and (down := services.oss_still_down(send_batch)):
        flash(down, "error")  # pressing again while OSS is away would only use up attempts
        return redirect(url_for("submissions.batch", batch_id=batch_id))
    if ids:
        services.make_due_now(ids)
        db.session.commit()
        enqueue_submissions(ids)
        flash(f"確認中・再試行待ちの{len(ids)}件を今すぐ処理します。", "success")
    else:
        flash("確認中・再試行待ちの申請はありません。", "info")
    return redirect(url_for("submissions.batch", batch_id=batch_id))


def _progress_context(send_batch: SendBatch) -> dict:
    page = request.args.get("page", 1, type=int)
    return {"batch": send_batch, "progress": services.progress(send_batch),
            "rows": services.batch_rows(send_batch, page), "specs": specs,
            "refused": services.refused_rows(send_batch),
            "state_labels": {s.value: s.label for s in SubmissionState}}
