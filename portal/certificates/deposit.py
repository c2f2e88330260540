"""Depositing a certificate: checks on the file, the type rules, encryption at rest."""

from datetime import UTC
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from cryptography.x509.oid import NameOID
from flask import current_app

from forms.japan_time import today_in_japan
from oss.certtypes import CertificateRefused
from oss.certtypes import check_certificate
from oss.keystore import Pkcs12Error
from oss.keystore import fingerprint as cert_fingerprint
from oss.keystore import open_pkcs12
from portal import audit
from portal import vault
from portal.certificates.issuers import issuer_table
from portal.certificates.keys import forget
from portal.extensions import db
from portal.models import CertRole
from portal.models import Organization
from portal.models import OrgKind
from portal.models import SigningCertificate
from portal.models import User
from portal.templating import JST


class UploadTooLarge(Exception):
    """The file is over ``CERT_UPLOAD_MAX_BYTES`` (answered 413)."""


class CertificateRejected(Exception):
    """The upload or change is refused; ``message`` goes next to ``field``."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message)
        self.message = message
        self.field = field


def read_upload(storage) -> bytes:
    """Read an uploaded file into memory, refusing more than the configured cap."""
    cap = current_app.config["CERT_UPLOAD_MAX_BYTES"]
    data = storage.stream.read(cap + 1)
    if len(data) > cap:
        raise UploadTooLarge()
    return data


def today_jst() -> date:
    return today_in_japan()


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def check_start_date(cert: SigningCertificate, start: date) -> None:
    """利用開始日 must fall inside the certificate's validity period."""
    first = cert.not_before.replace(tzinfo=UTC).astimezone(JST).date()
    last = cert.not_after.replace(tzinfo=UTC).astimezone(JST).date()
    if start < first:
        raise CertificateRejected(
            f"利用開始日は証明書の有効期間の開始日({first:%Y-%m-%d})以降にしてください。", "start_date")
    if start > last:
        raise CertificateRejected(
            f"利用開始日が証明書の有効期限({last:%Y-%m-%d})より後です。", "start_date")


def _refuse(org: Organization, message: str, field: str, reason: str) -> CertificateRejected:
    audit.record("certificate_refused", outcome="denied", target=f"org:{org.id}", org_id=org.id,
                 reason=reason)
    return CertificateRejected(message, field)


def deposit(org: Organization, data: bytes, password: str, start: date | None,
            user: User | None) -> SigningCertificate:
    """Check a PKCS#12 file and store it encrypted for ``org``.

    :raises CertificateRejected: not PKCS#12, wrong password, unusable key,
        untrusted or wrong type (My Number cards always), expired, already
        deposited (here or by another organisation), or a 利用開始日 outside the
        validity period.
    """
    if org.kind == OrgKind.ASSOCIATION:
        raise _refuse(org, "協会の組織には証明書を登録できません。", "file", "association")
    try:
        material = open_pkcs12(data, password)
    except Pkcs12Error as exc:
        raise _refuse(org, exc.message, exc.field, type(exc).__name__) from exc
    try:
        cert_type = check_certificate(material.cert, org.kind.value, issuer_table(),
                                      datetime.now(UTC), allow_future=True)
    except CertificateRefused as exc:
        raise _refuse(org, exc.message, "file", exc.reason.value) from exc
    fingerprint = cert_fingerprint(material.cert)
    exists = db.session.scalar(sa.select(SigningCertificate.id).where(
        SigningCertificate.org_id == org.id, SigningCertificate.fingerprint == fingerprint))
    if exists:
        raise _refuse(org, "この証明書は既に登録されています。", "file", "duplicate")
    elsewhere = db.session.scalar(  # one holder's certificate signs for one organisation
        sa.select(SigningCertificate.id).where(SigningCertificate.org_id != org.id,
                                               SigningCertificate.fingerprint == fingerprint)
        .execution_options(skip_tenant_scope=True))
    if elsewhere:
        raise _refuse(org, "この証明書は別の組織で登録されています。証明書の名義を確認し、"
                      "協会にお問い合わせください。", "file", "registered_elsewhere")
    cn = material.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    row = SigningCertificate(
        org_id=org.id, role=CertRole.REQUESTER if org.kind == OrgKind.REQUESTER else CertRole.AGENT,
        cert_type=cert_type, subject_cn=str(cn[0].value)[:200] if cn else "",
        subject=material.cert.subject.rfc4514_string(),
        issuer=material.cert.issuer.rfc4514_string(),
        serial_hex=format(material.cert.serial_number, "x")[:64], fingerprint=fingerprint,
        not_before=_naive_utc(material.cert.not_valid_before_utc),
        not_after=_naive_utc(material.cert.not_valid_after_utc),
        start_date=date.min, blob_ciphertext="", password_ciphertext="",
        uploaded_by_id=user.id if user is not None else None)
    first = row.not_before.replace(tzinfo=UTC).astimezone(JST).date()
    row.start_date = start or max(today_jst(), first)
    check_start_date(row, row.start_date)
    db.session.add(row)
    db.session.flush()
    ring = vault.current_keyring()
    row.blob_ciphertext = vault.encrypt(ring, data, row.aad("pkcs12"))
    row.password_ciphertext = vault.encrypt(ring, password.encode(), row.aad("password"))
    audit.record("certificate_uploaded", target=f"certificate:{row.id}", org_id=org.id,
                 cert_type=cert_type.value, fingerprint=fingerprint,
                 not_after=row.not_after.isoformat(), start_date=row.start_date.isoformat())
    return row


def change_start_date(cert: SigningCertificate, start: date) -> None:
    check_start_date(cert, start)
    before = cert.start_date
    cert.start_date = start
    audit.record("certificate_start_date_changed", target=f"certificate:{cert.id}",
                 org_id=cert.org_id, before=before.isoformat(), after=start.isoformat())


def set_active(cert: SigningCertificate, active: bool) -> None:
    """Stop (or resume) using a certificate, e.g. after it was revoked at the CA."""
    cert.active = active
    forget(cert.id)
    audit.record("certificate_enabled" if active else "certificate_disabled",
                 target=f"certificate:{cert.id}", org_id=cert.org_id)
