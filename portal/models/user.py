"""Users, roles and server-side sessions."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from portal.extensions import db
from portal.models.base import TenantOwned
from portal.models.base import enum_type
from portal.models.base import utcnow
from portal.models.org import Branch
from portal.models.org import Organization


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    ASSOCIATION = "association"

    @property
    def label(self) -> str:
        return {"admin": "管理者", "staff": "担当者", "association": "協会職員"}[self.value]


class User(TenantOwned, UserMixin, db.Model):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branch.id"), nullable=True)
    login_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(60))
    role: Mapped[Role] = mapped_column(enum_type(Role, 20))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    must_change_password: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    branch: Mapped[Branch | None] = relationship()

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active and self.organization.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role == Role.STAFF

    @property
    def is_association(self) -> bool:
        return self.role == Role.ASSOCIATION


class UserSession(db.Model):
    """A login session held on the server; the cookie carries only its token."""

    __tenant_global__ = True  # read only by the login machinery, never by a view

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(sa.String(45), default="")

    user: Mapped[User] = relationship()
