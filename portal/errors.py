"""Error pages: a full page normally, a fragment for htmx requests."""

from flask import make_response
from flask import render_template
from flask import request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from portal import audit
from portal import tenancy
from portal.extensions import db
from portal.htmx import is_htmx
from portal.htmx import retarget
from portal.htmx import reswap

MESSAGES = {
    400: "リクエストの内容が正しくありません。",
    403: "この操作を行う権限がありません。",
    404: "ページが見つかりません。",
    405: "この操作は許可されていません。",
    413: "ファイルが大きすぎます。",
    429: "短時間に操作が集中しました。しばらく待ってから再度お試しください。",
    500: "システム内部でエラーが発生しました。時間をおいて再度お試しください。",
    503: "現在サービスを利用できません。しばらく待ってから再度お試しください。",
}


def _render(code: int, message: str | None = None):
    message = message or MESSAGES.get(code, MESSAGES[500])
    if is_htmx():
        resp = make_response(render_template("_error.html", code=code, message=message), code)
        retarget(resp, "#flash")
        reswap(resp, "innerHTML")
        return resp
    return render_template("error.html", code=code, message=message), code


def register_error_handlers(app) -> None:
    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, lambda e, code=code: _render(code))

    def log_refusal(what: str) -> None:
        app.logger.warning("%s: %s %r ip=%s request_id=%s", what, request.method,
                           request.path[:120], request.remote_addr or "", audit.request_id())

    @app.errorhandler(429)
    def rate_limited(e):
        # In the application log, not the audit table: a flood of refused requests must
        # not become a flood of database writes (the limiter is there to stop floods).
        log_refusal("rate limited")
        return _render(429)

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        # The check runs before the view, and before the rate limiter: a refusal without a
        # login goes to the application log (anyone could send them by the thousand); one
        # with a login is audited under that user.
        with tenancy.login_lookups():
            known = current_user.is_authenticated
        if not known:
            log_refusal("csrf refused")
        else:
            try:
                audit.record("csrf_refused", outcome="denied", target=request.path[:120],
                             reason=e.description)
                db.session.commit()
            except OperationalError:
                db.session.rollback()
                return _render(503)
        return _render(400, "画面の有効期限が切れました。ページを再読み込みしてからやり直してください。")

    @app.errorhandler(OperationalError)
    def db_unavailable(e):
        db.session.rollback()
        app.logger.error("database unavailable: %s", type(e).__name__)
        return _render(503)

    @app.errorhandler(500)
    def internal(e):
        db.session.rollback()
        return _render(500)
