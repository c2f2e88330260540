"""Signing-certificate types, decided by the issuing CA, and the rules on who may use which.

The type of an agent's certificate is never read from the certificate's own
fields: it is the type under which its issuing CA is listed in a table of
trusted issuers. The table is a directory with one sub-directory per type
(``gyoseishoshi/``, ``shogyo_toki/``, ``jpki/``), each holding PEM files of the
CAs that issue that type directly. The portal (upload checks) and the OSS
simulator (checks on receipt) share these rules, so they cannot disagree.
"""

import enum
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature


class CertType(enum.StrEnum):
    GYOSEISHOSHI = "gyoseishoshi"
    SHOGYO_TOKI = "shogyo_toki"
    JPKI = "jpki"

    @property
    def label(self) -> str:
        return CERT_TYPE_LABELS[self]


CERT_TYPE_LABELS = {
    CertType.GYOSEISHOSHI: "行政書士電子証明書",
    CertType.SHOGYO_TOKI: "商業登記電子証明書",
    CertType.JPKI: "公的個人認証(マイナンバーカード)の電子証明書",
}

# Organisation kinds (portal OrgKind values) and the certificate types they may deposit.
ALLOWED_TYPES: dict[str, frozenset[CertType]] = {
    "gyoseishoshi": frozenset({CertType.GYOSEISHOSHI}),
    "gyoseishoshi_corp": frozenset({CertType.SHOGYO_TOKI}),
    "exempt": frozenset({CertType.SHOGYO_TOKI}),
    "requester": frozenset({CertType.SHOGYO_TOKI}),
}

KIND_LABELS = {
    "gyoseishoshi": "行政書士(個人)",
    "gyoseishoshi_corp": "行政書士法人",
    "exempt": "行政書士法施行規則上の適用除外者",
    "requester": "依頼人",
}


class Refusal(enum.StrEnum):
    """Why a certificate cannot be used; each has one Japanese message."""

    UNTRUSTED_ISSUER = "untrusted_issuer"
    MY_NUMBER = "my_number"
    WRONG_TYPE = "wrong_type"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


class CertificateRefused(Exception):
    """The certificate may not be used; ``message`` is shown to users as is."""

    def __init__(self, reason: Refusal, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class IssuerTable:
    """Trusted issuing CAs, each listed under the certificate type it issues.

    Verdicts are remembered per certificate: a signing certificate is seen on
    every document its holder sends, and checking its issuer's signature each
    time would cost more than the check on the document itself.
    """

    entries: tuple[tuple[CertType, x509.Certificate], ...] = ()
    _verdicts: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_directory(cls, path: str | Path | None) -> "IssuerTable":
        """Load ``<path>/<type>/*.pem``; a missing directory gives an empty table."""
        entries: list[tuple[CertType, x509.Certificate]] = []
        root = Path(path) if path else None
        if root is None or not root.is_dir():
            return cls(())
        for cert_type in CertType:
            folder = root / cert_type.value
            if not folder.is_dir():
                continue
            for pem in sorted(folder.glob("*.pem")):
                for cert in x509.load_pem_x509_certificates(pem.read_bytes()):
                    entries.append((cert_type, cert))
        return cls(tuple(entries))

    def classify(self, cert: x509.Certificate) -> CertType | None:
        """Return the type of the CA that issued ``cert``, or None if none of ours did."""
        if cert in self._verdicts:
            return self._verdicts[cert]
        verdict = self._classify(cert)
        if len(self._verdicts) > 1000:
            self._verdicts.clear()
        self._verdicts[cert] = verdict
        return verdict

    def _classify(self, cert: x509.Certificate) -> CertType | None:
        for cert_type, ca in self.entries:
            if cert.issuer != ca.subject:
                continue
            try:
                cert.verify_directly_issued_by(ca)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return cert_type
        return None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_validity(cert: x509.Certificate, at: datetime) -> None:
    """Refuse ``cert`` when ``at`` lies outside its validity period."""
    at = _aware(at)
    if at > cert.not_valid_after_utc:
        raise CertificateRefused(
            Refusal.EXPIRED,
            f"この電子証明書は有効期限({cert.not_valid_after_utc:%Y-%m-%d})が切れています。"
            "認証局で更新した新しい証明書を使ってください。",
        )
    if at < cert.not_valid_before_utc:
        raise CertificateRefused(
            Refusal.NOT_YET_VALID,
            f"この電子証明書の有効期間は{cert.not_valid_before_utc:%Y-%m-%d}からです。"
            "有効期間が始まってから使ってください。",
        )


def check_certificate(cert: x509.Certificate, org_kind: str, table: IssuerTable,
                      at: datetime, *, allow_future: bool = False) -> CertType:
    """Return the type of ``cert`` if an organisation of ``org_kind`` may sign with it at ``at``.

    :param allow_future: accept a certificate whose validity starts after
        ``at`` (a renewal deposited ahead of its 利用開始日).

    :raises CertificateRefused: untrusted issuer, a My Number card certificate,
        a type the organisation may not use, or outside the validity period.
    """
    cert_type = table.classify(cert)
    if cert_type is None:
        raise CertificateRefused(
            Refusal.UNTRUSTED_ISSUER,
            "この電子証明書の発行元(認証局)は、登録できる認証局として登録されていません。"
            "行政書士電子証明書または商業登記電子証明書を使ってください。",
        )
    if cert_type == CertType.JPKI:
        raise CertificateRefused(
            Refusal.MY_NUMBER,
            "マイナンバーカード(公的個人認証)の電子証明書は使えません。"
            "行政書士(個人)は行政書士電子証明書、行政書士法人と適用除外者は商業登記電子証明書を使ってください。",
        )
    allowed = ALLOWED_TYPES.get(org_kind, frozenset())
    if cert_type not in allowed:
        wanted = "、".join(sorted(t.label for t in allowed)) or "なし"
        raise CertificateRefused(
            Refusal.WRONG_TYPE,
            f"{KIND_LABELS.get(org_kind, org_kind)}が使える電子証明書は{wanted}です。"
            f"この証明書は{cert_type.label}のため使えません。",
        )
    try:
        check_validity(cert, at)
    except CertificateRefused as exc:
        if not (allow_future and exc.reason == Refusal.NOT_YET_VALID):
            raise
    return cert_type
