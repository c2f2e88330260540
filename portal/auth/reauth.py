"""Re-authentication before sensitive actions (ASVS 3.7.1): depositing a signing
certificate, adding a user, onboarding an organisation (which creates its admin), setting
an OSS account's password, resetting a user's password, changing a role and changing
one's own password ask for the user's own login password in the same form. A wrong one
counts as a failed login; at the limit the account locks and the session ends, so a session
left open cannot be used to guess it."""

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import url_for
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from portal.auth import services
from portal.extensions import db

WRONG = "ログインパスワードが正しくありません。"


REQUIRED = "本人確認のため、ログインパスワードを入力してください。"
DESCRIPTION = "この操作には、操作している方のログインパスワードの再入力が必要です。"


def login_password_field(required: bool = True, description: str = "") -> PasswordField:
    """The field a sensitive form adds: the password of the user who is logged in (not
    required when only some submissions of the form are sensitive: ``refusal`` decides)."""
    return PasswordField(
        "あなたのログインパスワード(本人確認)",
        [InputRequired(REQUIRED), Length(max=200)] if required else [Length(max=200)],
        description=description or DESCRIPTION,
        render_kw={"autocomplete": "current-password"})


def confirmed(field, message: str = WRONG) -> bool:
    """True when ``field`` holds the logged-in user's password. Otherwise the failure is
    recorded and committed and the field gets ``message`` (the caller shows the form again);
    when this failure locked the account, the request ends here, at the login page."""
    if current_user.check_password(field.data or ""):
        return True
    if not field.data:  # nothing typed (a form where it is not always required)
        field.errors = [REQUIRED]
        return False
    locked = services.wrong_current_password(current_user)
    db.session.commit()
    if locked:
        minutes = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
        flash(services.LOCKED.format(minutes=minutes), "error")
        abort(redirect(url_for("auth.login")))
    field.errors = [message]
    return False
