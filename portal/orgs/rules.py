"""Business rules about organisations and users, each stated once."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Role
from portal.models import User


class RuleViolation(Exception):
    """A rule refused the action; ``message`` is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


LAST_ADMIN = "組織には有効な管理者ユーザーが最低1名必要です。最後の管理者は無効化・変更できません。"


def active_admin_count(org_id: int, excluding: int | None = None) -> int:
    query = sa.select(sa.func.count(User.id)).where(
        User.org_id == org_id, User.role == Role.ADMIN, User.active.is_(True)
    )
    if excluding is not None:
        query = query.where(User.id != excluding)
    return db.session.scalar(query)


def ensure_admin_remains(user: User, *, new_role: Role | None = None, deactivate: bool = False):
    """Refuse to demote or deactivate the last active admin of an organisation."""
    losing_admin = user.role == Role.ADMIN and user.active and (
        deactivate or (new_role is not None and new_role != Role.ADMIN)
    )
    if losing_admin and active_admin_count(user.org_id, excluding=user.id) == 0:
        raise RuleViolation(LAST_ADMIN)


def roles_for_org(org) -> list[Role]:
    """Roles a user of ``org`` may hold: 協会 has association staff only."""
    from portal.models import OrgKind

    if org.kind == OrgKind.ASSOCIATION:
        return [Role.ASSOCIATION]
    return [Role.ADMIN, Role.STAFF]
