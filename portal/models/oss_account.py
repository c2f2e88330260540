"""一括利用者アカウント: the OSS bulk-user identities of an organisation."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal import vault
from portal.extensions import db
from portal.models.base import TenantOwned
from portal.models.base import enum_type
from portal.models.base import utcnow
from portal.models.org import Branch


class Backend(enum.StrEnum):
    MLIT = "mlit"
    KEI = "kei"

    @property
    def label(self) -> str:
        return {"mlit": "登録車(国土交通省OSS)", "kei": "軽自動車(軽自動車OSS)"}[self.value]

    @property
    def secret_label(self) -> str:
        return {"mlit": "到達番号パスワード", "kei": "申請用パスワード"}[self.value]


class PaymentMode(enum.StrEnum):
    MATOME = "matome"
    DIRECT_NATIONAL = "direct_national"

    @property
    def label(self) -> str:
        return {"matome": "まとめ払い", "direct_national": "ダイレクト納付(国庫金限定)"}[self.value]


class OssAccount(TenantOwned, db.Model):
    __table_args__ = (sa.UniqueConstraint("backend", "bulk_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branch.id"), nullable=True)
    backend: Mapped[Backend] = mapped_column(enum_type(Backend, 10))
    bulk_user_id: Mapped[str] = mapped_column(sa.String(20))
    payment_mode: Mapped[PaymentMode] = mapped_column(
        enum_type(PaymentMode, 20), default=PaymentMode.MATOME
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    branch: Mapped[Branch | None] = relationship()
    secrets: Mapped[list["OssAccountSecret"]] = relationship(
        back_populates="account", order_by="OssAccountSecret.version"
    )

    @property
    def current_secret(self) -> "OssAccountSecret | None":
        return self.secrets[-1] if self.secrets else None


class OssAccountSecret(TenantOwned, db.Model):
    """One version of an account's password; submissions record the version used."""

    __table_args__ = (sa.UniqueConstraint("account_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("oss_account.id"), index=True)
    version: Mapped[int] = mapped_column()
    ciphertext: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), nullable=True)

    account: Mapped[OssAccount] = relationship(back_populates="secrets")

    def aad(self) -> str:
        return f"oss_account_secret|org={self.org_id}|account={self.account_id}|v={self.version}"


vault.encrypted_column(OssAccountSecret, "ciphertext", OssAccountSecret.aad)
