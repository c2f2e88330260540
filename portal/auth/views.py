"""Login, logout and password change."""

from urllib.parse import urlsplit

from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.access import AUTHENTICATED
from portal.access import PUBLIC
from portal.access import policy
from portal.auth import bp
from portal.auth import reauth
from portal.auth import services
from portal.auth.forms import LoginForm
from portal.auth.forms import PasswordChangeForm
from portal.extensions import db
from portal.extensions import limiter


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """A path on this site, or the dashboard. Browsers read a backslash as a slash and drop
    tabs and newlines inside a URL, so a backslash or a control character could turn the
    path into another site's address: refused too."""
    if (target and target.startswith("/") and not target.startswith("//")
            and urlsplit(target).netloc == ""
            and not any(c == "\\" or ord(c) < 32 or ord(c) == 127 for c in target)):
        return target
    return url_for("main.dashboard")


@bp.get("/login")
@policy(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("auth/login.html", form=LoginForm())


@bp.post("/login")
@policy(PUBLIC)
@limiter.limit(_login_limit, methods=["POST"])
def login_submit():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            with services.outside_current_login():
                user = services.authenticate(form.login_id.data, form.password.data)
                services.start_session(user, request.remote_addr or "")
        except services.LoginRefused as refused:
            form.password.errors.append(refused.message)
        else:
            if user.must_change_password:
                flash("初回ログインです。パスワードを変更してください。", "info")
                return redirect(url_for("auth.password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200


@bp.get("/session/token")
@policy(AUTHENTICATED)
def session_token():
    """A CSRF token for the current login: the page's forms check the login with it before
    they post, and take it after the user logged in again in another tab."""
    resp = jsonify(csrf_token=generate_csrf(), user_id=current_user.id)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/logout")
@policy(AUTHENTICATED)
def logout():
    from portal import audit

    audit.record("logout")
    services.end_session()
    db.session.commit()
    flash("ログアウトしました。", "info")
    return redirect(url_for("auth.login"))


@bp.get("/password")
@policy(AUTHENTICATED)
def password():
    return render_template("auth/password.html", form=PasswordChangeForm())


def _refuse_new_password(form) -> bool:
    """True, with the reason at the field, when the new password may not be used."""
    problem = services.password_problem(form.new_password.data, current_user.login_id)
    if problem is None and form.new_password.data == form.current_password.data:
        problem = "現在と異なるパスワードを設定してください。"
    if problem:
        form.new_password.errors.append(problem)
    return problem is not None


@bp.post("/password")
@policy(AUTHENTICATED)
@limiter.limit(_login_limit, methods=["POST"])
def password_submit():
    form = PasswordChangeForm()
    if (form.validate_on_submit()
            and reauth.confirmed(form.current_password, "現在のパスワードが正しくありません。")
            and not _refuse_new_password(form)):
        services.change_password(current_user, form.new_password.data)
        db.session.commit()
        flash("パスワードを変更しました。", "success")
        return redirect(url_for("main.dashboard"))
    return render_template("auth/password.html", form=form)
