"""Deposited signing certificates (代理人証明書 and 依頼人証明書).

The PKCS#12 file and its password are stored only as vault ciphertexts bound
to the organisation and the row; the readable columns describe the
certificate (subject, issuer, validity) so lists never need to decrypt it.
"""

import enum
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from oss.certtypes import CertType
from portal import vault
from portal.extensions import db
from portal.models.base import TenantOwned
from portal.models.base import enum_type
from portal.models.base import utcnow


class CertRole(enum.StrEnum):
    AGENT = "agent"
    REQUESTER = "requester"

    @property
    def label(self) -> str:
        return {"agent": "代理人証明書", "requester": "依頼人証明書"}[self.value]

    @property
    def start_label(self) -> str:
        return {"agent": "利用開始日", "requester": "登録日"}[self.value]


class SigningCertificate(TenantOwned, db.Model):
    __table_args__ = (sa.UniqueConstraint("org_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[CertRole] = mapped_column(enum_type(CertRole, 12))
    cert_type: Mapped[CertType] = mapped_column(enum_type(CertType, 20))
    subject_cn: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.Text)
    issuer: Mapped[str] = mapped_column(sa.Text)
    serial_hex: Mapped[str] = mapped_column(sa.String(64))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 of the DER certificate
    not_before: Mapped[datetime] = mapped_column(sa.DateTime)  # naive UTC
    not_after: Mapped[datetime] = mapped_column(sa.DateTime)   # naive UTC
    start_date: Mapped[date] = mapped_column(sa.Date)          # 利用開始日 (requesters: 登録日)
    blob_ciphertext: Mapped[str] = mapped_column(sa.Text)
    password_ciphertext: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"),
                                                       nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    def aad(self, part: str) -> str:
        return f"signing_certificate|org={self.org_id}|cert={self.id}|{part}"

    @property
    def type_label(self) -> str:
        return self.cert_type.label


vault.encrypted_column(SigningCertificate, "blob_ciphertext", lambda row: row.aad("pkcs12"))
vault.encrypted_column(SigningCertificate, "password_ciphertext", lambda row: row.aad("password"))
