"""Authentication: password checks, lockout and server-side sessions."""

import hashlib
import hmac
import secrets
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask import has_request_context
from flask import request
from flask import session
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent
from portal.models import User
from portal.models import UserSession
from portal.models.base import utcnow

MIN_PASSWORD_LENGTH = 10
SESSION_KEY = "sid"


class LoginRefused(Exception):
    """Login did not succeed; ``message`` is safe to show to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


GENERIC_FAILURE = "ログインIDまたはパスワードが正しくありません。"
USER_INACTIVE = ("このユーザーは無効にされているため、ログインできません。"
                 "組織の管理者にお問い合わせください。")
ORG_SUSPENDED = "ご所属の組織は利用停止中のため、ログインできません。協会にお問い合わせください。"
LOCKED = "ログインに続けて失敗したため、このアカウントは一時的にロックされています。{minutes}分後に再度お試しください。"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _recent_failures(user: User) -> int:
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    since = utcnow() - window
    last_ok = db.session.scalar(
        sa.select(sa.func.max(AuditEvent.created_at)).where(
            AuditEvent.user_id == user.id, AuditEvent.action == "login"
        )
    )
    if last_ok and last_ok > since:
        since = last_ok
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.user_id == user.id,
            AuditEvent.action == "login_failed",
            AuditEvent.created_at > since,
        )
    )


def unknown_login_id(login_id: str) -> str:
    """How an unknown login ID is recorded: its length and a keyed digest, never the text
    (a password typed into the ID field must not reach the audit log), so repeated tries
    of one ID still group together."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, login_id.encode(), hashlib.sha256).hexdigest()[:8]
    return f"?{len(login_id)}:{digest}"


def _spend_a_password_check(password: str) -> None:
    """Check ``password`` against a throw-away hash made the way users' hashes are: an
    unknown ID then takes as long as a known one, so timing does not tell which IDs exist."""
    decoy = current_app.extensions.get("ossdesk_decoy_hash")
    if decoy is None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        decoy = generate_password_hash(secrets.token_urlsafe(16), method=method)
        current_app.extensions["ossdesk_decoy_hash"] = decoy
    check_password_hash(decoy, password)


def authenticate(login_id: str, password: str) -> User:
    """Return the user for these credentials or raise :class:`LoginRefused`.

    Every attempt is audited. After ``LOGIN_MAX_FAILURES`` failures within the
    window the account is locked for the window's length; while locked no
    password is checked at all.
    """
    user = db.session.scalar(sa.select(User).where(User.login_id == login_id))
    now = utcnow()
    if user is None:
        _spend_a_password_check(password)
        audit.record("login_failed", outcome="fail", login_id=unknown_login_id(login_id),
                     reason="unknown id")
        db.session.commit()
        raise LoginRefused(GENERIC_FAILURE)
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        audit.record("login_locked", outcome="fail", user=user)
        db.session.commit()
        raise LoginRefused(LOCKED.format(minutes=minutes))
    if not user.check_password(password):
        count_failure(user, "bad password")
        db.session.commit()
        raise LoginRefused(GENERIC_FAILURE)
    if not user.is_active:  # the right password: say why, and do not count it as a failure
        reason = "inactive" if not user.active else "organisation suspended"
        audit.record("login_refused", outcome="fail", user=user, reason=reason)
        db.session.commit()
        raise LoginRefused(USER_INACTIVE if not user.active else ORG_SUSPENDED)
    return user


def start_session(user: User, ip: str) -> None:
    """Begin a fresh session: end whatever login the browser had (one browser, one login),
    drop the old cookie's contents, store a new token; the rest of the request is the new
    user's."""
    from portal import tenancy

    end_session()
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_hash_token(token), user_id=user.id, ip=ip[:45]))
    user.last_login_at = utcnow()
    user.locked_until = None
    audit.record("login", user=user)
    db.session.commit()
    session[SESSION_KEY] = token
    session["_user_id"] = str(user.id)
    session["_fresh"] = True
    session.permanent = False
    tenancy.set_scope(tenancy.scope_for(user))


def passive(view):
    """Mark a view that pages call by themselves (polling, a refresh after a status change).
    Such a request is not the user's activity: an open page that polls never keeps an
    idle login alive past ``SESSION_IDLE_MINUTES``. Put it right under the route."""
    view.passive = True
    return view


def _is_passive_request() -> bool:
    if not has_request_context() or request.endpoint is None:
        return False
    return getattr(current_app.view_functions.get(request.endpoint), "passive", False)


def load_session_user(user_id: str) -> User | None:
    """Flask-Login loader: the user only if the server-side session is live (looked up
    before the request has a scope: the scope is built from this user)."""
    from portal import tenancy

    with tenancy.login_lookups():
        user = _live_session_user(user_id)
        if user is not None:  # from here on the request sees what this user may see, even
            tenancy.set_scope(tenancy.scope_for(user))  # where it runs before the view
    return user


def _live_session_user(user_id: str) -> User | None:
    token = session.get(SESSION_KEY)
    if not token:
        return None
    row = db.session.scalar(
        sa.select(UserSession).where(UserSession.token_hash == _hash_token(token))
    )
    if row is None or str(row.user_id) != str(user_id):
        return None
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        db.session.delete(row)
        db.session.commit()
        session.clear()
        return None
    if (now - row.last_seen_at).total_seconds() > 60 and not _is_passive_request():
        row.last_seen_at = now
        db.session.commit()
    user = row.user
    return user if user.is_active else None


@contextmanager
def outside_current_login():
    """The lookups of a login: the browser may still hold another user's login (a shared PC,
    a login form open from before); that login's organisation must not hide the user who
    logs in now. Only the lookups inside change: the old login stays as it is until this one
    succeeds (``start_session`` then ends it), so a mistyped password logs nobody out."""
    from portal import tenancy

    scope = tenancy.current_scope()
    tenancy.set_scope(None)
    try:
        with tenancy.login_lookups():
            yield
    except BaseException:
        tenancy.set_scope(scope)  # refused: the browser's login, if any, goes on
        raise


def end_session() -> None:
    """Log out on the server: the token is deleted, the cookie emptied."""
    token = session.get(SESSION_KEY)
    if token:
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == _hash_token(token)))
    session.clear()


def revoke_sessions(user: User) -> None:
    """Invalidate every session of ``user`` (deactivation, password reset)."""
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))


def password_problem(password: str, login_id: str = "") -> str | None:
    """Return a Japanese message if ``password`` is too weak, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。"
    if login_id and login_id.lower() in password.lower():
        return "パスワードにログインIDを含めないでください。"
    kinds = sum(
        any(pred(c) for c in password)
        for pred in (str.isdigit, str.islower, str.isupper, lambda c: not c.isalnum())
    )
    if kinds < 2:
        return "パスワードには英字・数字・記号のうち2種類以上を含めてください。"
    return None


def change_password(user: User, new_password: str) -> None:
    """Set the user's own new password. Every other session of the user ends (one opened
    with the old password elsewhere must not outlive it); this one goes on."""
    user.set_password(new_password)
    user.must_change_password = False
    token = session.get(SESSION_KEY) if has_request_context() else None
    others = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if token:
        others = others.where(UserSession.token_hash != _hash_token(token))
    db.session.execute(others)
    audit.record("password_changed", user=user)


def count_failure(user: User, reason: str) -> bool:
    """Record a wrong password of ``user``; True when that makes ``LOGIN_MAX_FAILURES``
    within the window, and the account is then locked for the window's length."""
    audit.record("login_failed", outcome="fail", user=user, reason=reason)
    db.session.flush()
    if _recent_failures(user) < current_app.config["LOGIN_MAX_FAILURES"]:
        return False
    minutes = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
    user.locked_until = utcnow() + timedelta(minutes=minutes)
    return True


def wrong_current_password(user: User) -> bool:
    """Record a wrong password typed to confirm an action while logged in; True when that
    locks the account, which also ends every session of the user (this one included), so a
    session left open cannot be used to guess the password."""
    if not count_failure(user, "bad current password"):
        return False
    revoke_sessions(user)
    session.clear()
    return True


def generate_initial_password() -> str:
    """A one-time password for a new user, readable on a printed notice."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
