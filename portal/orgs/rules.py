"""Business rules about organisations and users, each stated once."""

import re
import unicodedata

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Organization
from portal.models import Role
from portal.models import User


# A login ID: 3-40 half-width letters, digits and . _ - (forms check it beside the field, before
# any re-authentication; creating the user checks it again, with its uniqueness).
LOGIN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$")
LOGIN_ID_FORMAT = "ログインIDは半角英数字と . _ - で3〜40文字にしてください。"


class RuleViolation(Exception):
    """A rule refused the action; ``message`` is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def show_on(self, form) -> None:
        """The message beside its field of ``form``, or as a flash when it has none."""
        from flask import flash

        target = getattr(form, self.field, None) if self.field else None
        if target is not None:
            target.errors = [*target.errors, self.message]
        else:
            flash(self.message, "error")


LAST_ADMIN = "組織には有効な管理者ユーザーが最低1名必要です。最後の管理者は無効化・変更できません。"


def active_admin_count(org_id: int, excluding: int | None = None) -> int:
    query = sa.select(sa.func.count(User.id)).where(
        User.org_id == org_id, User.role == Role.ADMIN, User.active.is_(True)
    )
    if excluding is not None:
        query = query.where(User.id != excluding)
    return db.session.scalar(query)


def ensure_admin_remains(user: User, *, new_role: Role | None = None, deactivate: bool = False):
    """Refuse to demote or deactivate the last active admin of an organisation.

    The organisation's row is locked first (PostgreSQL; SQLite writes one at a time
    anyway), so two admins demoting each other at the same moment are counted one
    after the other: the second sees the first's change and is refused.
    """
    losing_admin = user.role == Role.ADMIN and user.active and (
        deactivate or (new_role is not None and new_role != Role.ADMIN)
    )
    if not losing_admin:
        return
    db.session.execute(sa.select(Organization.id).where(Organization.id == user.org_id)
                       .with_for_update())
    if active_admin_count(user.org_id, excluding=user.id) == 0:
        raise RuleViolation(LAST_ADMIN)


def _digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


def check_kei_manager_name(org: Organization, name: str) -> None:
    """An individual 行政書士's 軽証明書等管理業者名 carries the office's 行政書士登録番号.

    軽自動車検査協会 hands certificates over only to the name exactly as registered with
    it, and that name includes the registration number (any width, any wording around
    it). A 行政書士法人 may have registered a member's number, so only presence is
    required there (the filing rule ``forms.rules.kei_manager_name``).
    """
    from portal.models import OrgKind

    number = _digits(org.registration_number or "")
    if not name or org.kind != OrgKind.GYOSEISHOSHI or not number or number in _digits(name):
        return
    raise RuleViolation(
        f"軽証明書等管理業者名に行政書士登録番号({org.registration_number})が含まれていません。"
        "軽自動車検査協会に届け出た名称のとおり、登録番号も含めて入力してください"
        "(一致しないと軽検協事務所等で車検証等を受け取れません)。", field="kei_manager_name")


def roles_for_org(org) -> list[Role]:
    """Roles a user of ``org`` may hold: 協会 has association staff only."""
    from portal.models import OrgKind

    if org.kind == OrgKind.ASSOCIATION:
        return [Role.ASSOCIATION]
    return [Role.ADMIN, Role.STAFF]
