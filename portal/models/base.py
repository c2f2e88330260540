"""Shared column helpers and the tenant-owned mixin."""

from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import declared_attr
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class TenantOwned:
    """Rows that belong to one organisation.

    ``portal.tenancy`` adds ``tenant_criteria`` to every ORM query issued inside a
    request, so a row of another organisation can never be loaded by mistake.
    """

    @declared_attr
    def org_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("organization.id"), index=True)

    @classmethod
    def tenant_criteria(cls, scope):
        return cls.org_id == scope.org_id


def enum_type(enum_cls, length: int = 20) -> sa.Enum:
    """A portable enum column that stores the members' values (VARCHAR + CHECK)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        create_constraint=True,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
