"""What each role's dashboard shows."""

import sqlalchemy as sa

from portal.certificates.deposit import today_jst
from portal.certificates.selection import expiry_warnings
from portal.extensions import db
from portal.main.worklist import waiting_for
from portal.models import ChangeRequest
from portal.models import ChangeStatus
from portal.models import Organization
from portal.models import Role
from portal.models import User


def context_for(user) -> dict:
    ctx: dict = {"org": user.organization}
    if user.role == Role.STAFF:
        ctx["waiting"] = waiting_for(user)
    elif user.role == Role.ADMIN:
        ctx["user_count"] = db.session.scalar(sa.select(sa.func.count(User.id)))
        ctx["pending_changes"] = db.session.scalars(
            sa.select(ChangeRequest).where(ChangeRequest.status == ChangeStatus.PENDING)
        ).all()
        ctx["certificate_warnings"] = expiry_warnings(user.org_id, today_jst())
    elif user.role == Role.ASSOCIATION:
        ctx["org_count"] = db.session.scalar(sa.select(sa.func.count(Organization.id)))
        ctx["pending_change_count"] = db.session.scalar(
            sa.select(sa.func.count(ChangeRequest.id)).where(
                ChangeRequest.status == ChangeStatus.PENDING
            )
        )
    return ctx
