"""受付番号リスト pages: search, build, send, status, Excel and the counter sheet."""

from flask import Response
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from jobs.receipts import enqueue_send
from portal.access import policy
from portal.auth.services import passive
from portal.extensions import db
from portal.hours.guard import action_refusal
from portal.htmx import is_htmx
from portal.models import ListStatus
from portal.models import ReceiptList
from portal.models.base import utcnow
from portal.receipts import bp
from portal.receipts import eligibility
from portal.receipts import export
from portal.receipts import search
from portal.receipts import services as svc
from portal.receipts.services import procedure_label
from portal.tenancy import get_or_404


SHOWN_PER_ACCOUNT = 300  # rows shown per 一括利用者ID; the rest are reached by narrowing


@bp.context_processor
def _helpers():
    return {"spec_name": procedure_label}


@bp.get("/")
@policy("staff", agent_only=True)
def index():
    filters = search.Filters.from_args(request.args)
    page = db.paginate(search.search(current_user.org_id, filters), per_page=50)
    return render_template("receipts/index.html", page=page, f=filters, statuses=ListStatus)


@bp.get("/new")
@policy("staff", agent_only=True)
def new():
    chosen = set(request.args.getlist("application_id", type=int))
    return _render_new(chosen, "", None, eligibility.Narrowing.from_args(request.args))


@bp.post("/new")
@policy("staff", agent_only=True)
def create():
    narrowing = eligibility.Narrowing.from_args(request.form)
    chosen = request.form.getlist("application_id", type=int)
    whole = request.form.get("whole_account", type=int)
    if whole is not None:  # every candidate of one 一括利用者ID, as narrowed
        chosen = [c.application.id for c in eligibility.candidates(
            current_user.org_id, narrowing=narrowing, account_id=whole)]
    name = request.form.get("name", "")
    try:
        made = svc.create_lists(current_user, chosen, name)
    except svc.ListError as exc:
        return _render_new(set(chosen), name, exc, narrowing, 422)
    db.session.commit()
    if len(made) == 1:
        flash(f"受付番号リスト(No.{made[0].id}、{len(chosen)}件)を作成しました。"
              "内容を確認して送信してください。", "success")
        return redirect(url_for("receipts.show", list_id=made[0].id))
    flash(f"{len(chosen)}件を受付番号リスト{len(made)}件に分けて作成しました"
          f"(No.{made[0].id}〜No.{made[-1].id}。1つのリストは同じ一括利用者IDの"
          f"{eligibility.MAX_ITEMS}件まで)。それぞれ内容を確認して送信してください。", "success")
    return redirect(url_for("receipts.index", status=ListStatus.UNSENT.value))


@bp.get("/<int:list_id>")
@policy("staff", agent_only=True)
def show(list_id: int):
    rl = get_or_404(ReceiptList, list_id)
    account = svc.account_of(rl)
    return render_template("receipts/show.html", rl=rl, apps=svc.members(rl),
                           bulk_user_id=account.bulk_user_id, backend_label=rl.backend.label,
                           editable=rl.status in svc.EDITABLE, can_recheck=svc.can_recheck(rl),
                           polling=svc.in_progress(rl))


@bp.get("/<int:list_id>/status")
@passive
@policy("staff", agent_only=True)
def status(list_id: int):
    """The polled 送信状況; once the send has ended, the whole page is shown again."""
    rl = get_or_404(ReceiptList, list_id)
    resp = Response(render_template("receipts/_status.html", rl=rl,
                                    polling=svc.in_progress(rl)))
    if is_htmx() and not svc.in_progress(rl):
        resp.headers["HX-Refresh"] = "true"
    return resp


@bp.post("/<int:list_id>/send")
@policy("staff", agent_only=True)
def send(list_id: int):
    get_or_404(ReceiptList, list_id)
    if (closed := action_refusal()) is not None:  # sending keeps the service hours
        return closed
    return _change(list_id, svc.request_send, "送信を開始しました。送信状況はこの画面で更新されます。",
                   enqueue=True)


@bp.post("/<int:list_id>/recheck")
@policy("staff", agent_only=True)
def recheck(list_id: int):
    return _change(list_id, svc.request_recheck, "送信結果をOSSに確認しています。", enqueue=True)


@bp.post("/<int:list_id>/remove")
@policy("staff", agent_only=True)
def remove_item(list_id: int):
    app_id = request.form.get("application_id", type=int)
    return _change(list_id, lambda user, rl: svc.remove_item(user, rl, app_id),
                   f"No.{app_id} をリストから外しました。")


@bp.post("/<int:list_id>/delete")
@policy("staff", agent_only=True)
def delete(list_id: int):
    rl = get_or_404(ReceiptList, list_id)
    try:
        svc.delete_list(current_user, rl)
    except svc.ListError as exc:
        flash(exc.message, "error")
        return redirect(url_for("receipts.show", list_id=list_id))
    db.session.commit()
    flash(f"受付番号リスト(No.{list_id})を削除しました。", "success")
    return redirect(url_for("receipts.index"))


@bp.get("/<int:list_id>/export.xlsx")
@policy("staff", agent_only=True)
def download(list_id: int):
    rl = get_or_404(ReceiptList, list_id)
    data = export.workbook(rl, svc.members(rl))
    return Response(data, mimetype=export.XLSX_TYPE, headers={
        "Content-Disposition": f"attachment; filename=\"{export.filename(rl)}\""})


@bp.get("/<int:list_id>/sheet")
@policy("staff", agent_only=True)
def sheet(list_id: int):
    rl = get_or_404(ReceiptList, list_id)
    return render_template("receipts/sheet.html", rl=rl, apps=svc.members(rl),
                           heading=export.header_rows(rl), now=utcnow())


def _change(list_id: int, action, done: str, enqueue: bool = False):
    rl = get_or_404(ReceiptList, list_id)
    try:
        action(current_user, rl)
    except svc.ListError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        if enqueue:
            enqueue_send(list_id)
        flash(done, "success")
    return redirect(url_for("receipts.show", list_id=list_id))


def _render_new(chosen: set[int], name: str, error, narrowing, status: int = 200):
    groups = eligibility.grouped(eligibility.candidates(current_user.org_id,
                                                        narrowing=narrowing))
    return render_template("receipts/new.html", groups=groups, chosen=chosen, name=name,
                           error=error, max_items=eligibility.MAX_ITEMS, narrowing=narrowing,
                           shown_max=SHOWN_PER_ACCOUNT, lists_needed=eligibility.lists_needed,
                           procedures=eligibility.list_procedures()), status
