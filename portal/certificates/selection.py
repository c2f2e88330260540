"""Which certificate signs a filing, and which ones need renewing soon.

For a filing dated D (Japan time) the certificate used is the active one of
the organisation whose 利用開始日 is on or before D and latest (ties: the one
deposited last). If there is none, or the chosen one is not valid at the
moment of filing, or its type is not one the organisation may sign with now
(an individual 行政書士's certificate after the office became a 行政書士法人:
OSS would refuse every filing), the filing is blocked before anything is sent.
"""

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime

import sqlalchemy as sa

from oss.certtypes import ALLOWED_TYPES
from portal.extensions import db
from portal.models import CertRole
from portal.models import Organization
from portal.models import SigningCertificate
from portal.templating import JST

WARNING_DAYS = (7, 30, 60)


class FilingBlocked(Exception):
    """No usable certificate: ``reason`` and ``action`` are shown to staff in Japanese."""

    def __init__(self, code: str, reason: str, action: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.action = action


def _jst_date(value: datetime) -> date:
    return value.replace(tzinfo=UTC).astimezone(JST).date()


def choose_certificate(org_id: int, at: datetime,
                       role: CertRole = CertRole.AGENT) -> SigningCertificate:
    """The certificate signing a filing of ``org_id`` made at ``at`` (naive UTC or aware).

    :raises FilingBlocked: none eligible, or the chosen one is expired, not yet valid, or of
        a type the organisation may not sign with.
    """
    moment = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    day = _jst_date(moment)
    cert = db.session.scalar(
        sa.select(SigningCertificate)
        .where(SigningCertificate.org_id == org_id, SigningCertificate.role == role,
               SigningCertificate.active.is_(True), SigningCertificate.start_date <= day)
        .order_by(SigningCertificate.start_date.desc(), SigningCertificate.id.desc()).limit(1))
    if cert is None:
        stopped = db.session.scalar(
            sa.select(sa.func.count(SigningCertificate.id))
            .where(SigningCertificate.org_id == org_id, SigningCertificate.role == role,
                   SigningCertificate.active.is_(False), SigningCertificate.start_date <= day))
        why = (f"{role.start_label}を迎えた証明書はすべて利用停止中です" if stopped
               else f"{role.start_label}を迎えた証明書が未登録です")
        raise FilingBlocked(
            "no_certificate",
            f"申請日({day:%Y-%m-%d})に使える{role.label}がありません({why})。",
            f"管理者ユーザーが「電子証明書」画面で{role.label}を登録するか、登録済みの証明書の{role.start_label}を見直してください。")
    if cert.not_after < moment:
        raise FilingBlocked(
            "expired",
            f"申請日に使われる{role.label}(発行先: {cert.subject_cn}、有効期限: "
            f"{_jst_date(cert.not_after):%Y-%m-%d})は有効期限が切れています。",
            "認証局で更新した新しい証明書を「電子証明書」画面で登録し、利用開始日を設定してください。")
    if cert.not_before > moment:
        raise FilingBlocked(
            "not_yet_valid",
            f"申請日に使われる{role.label}(発行先: {cert.subject_cn})の有効期間がまだ始まっていません"
            f"(開始: {_jst_date(cert.not_before):%Y-%m-%d})。",
            "利用開始日を証明書の有効期間の開始日以降に変更してください。")
    _check_type(cert, db.session.get(Organization, org_id), role)
    return cert


def _check_type(cert: SigningCertificate, org: Organization, role: CertRole) -> None:
    """The chosen certificate's type must be one the organisation's kind may sign with
    today; the kind can change after a deposit (変更等申込: 個人 → 行政書士法人)."""
    allowed = ALLOWED_TYPES.get(org.kind.value, frozenset())
    if cert.cert_type in allowed:
        return
    needed = "または".join(sorted(t.label for t in allowed)) or "使用できる証明書"
    raise FilingBlocked(
        "wrong_type",
        f"申請日に使われる{role.label}(発行先: {cert.subject_cn})は{cert.type_label}です。"
        f"{org.kind.label}の申請には{needed}が必要です。",
        f"「電子証明書」画面で{needed}を登録して利用開始日を設定し、この証明書は無効にしてください。")


@dataclass(frozen=True)
class ExpiryWarning:
    certificate: SigningCertificate
    days_left: int
    level: int  # 60, 30 or 7: the tightest threshold reached

    @property
    def expires_on(self) -> date:
        return _jst_date(self.certificate.not_after)


def expiry_warnings(org_id: int, today: date) -> list[ExpiryWarning]:
    """Active certificates expiring within 60 days that no later certificate replaces."""
    certs = db.session.scalars(
        sa.select(SigningCertificate).where(SigningCertificate.org_id == org_id,
                                            SigningCertificate.active.is_(True))
        .order_by(SigningCertificate.not_after)).all()
    warnings = []
    for cert in certs:
        expires = _jst_date(cert.not_after)
        days_left = (expires - today).days
        if days_left < 0 or days_left > WARNING_DAYS[-1]:
            continue
        replaced = any(other.id != cert.id and other.role == cert.role
                       and other.not_after > cert.not_after and other.start_date <= expires
                       for other in certs)
        if not replaced:
            level = next(d for d in WARNING_DAYS if days_left <= d)
            warnings.append(ExpiryWarning(cert, days_left, level))
    return warnings
