"""PKCS#12 (.p12/.pfx) files: recognise them by content and open them.

``cryptography`` raises the same ``ValueError`` for a wrong password and for
a file that is not PKCS#12 at all. We tell the two apart by reading the
outer DER structure first (a PFX is ``SEQUENCE { INTEGER 3, ContentInfo
(pkcs7-data | pkcs7-signedData), ... }``), so users get a message that says
which one it was.
"""

import hashlib
import warnings
from dataclasses import dataclass
from dataclasses import field

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization import pkcs12

MIN_RSA_BITS = 2048
_PKCS7_DATA = bytes.fromhex("06092a864886f70d010701")
_PKCS7_SIGNED = bytes.fromhex("06092a864886f70d010702")
_BER_FALLBACK = "PKCS#12 bundle could not be parsed as DER"


class Pkcs12Error(Exception):
    """The file cannot be used as a signing certificate; ``message`` is for users."""

    field = "file"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotPkcs12(Pkcs12Error):
    pass


class WrongPassword(Pkcs12Error):
    field = "password"


class UnusableKey(Pkcs12Error):
    pass


@dataclass(frozen=True)
class SigningMaterial:
    """A private key with its certificate and any chain certificates."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = field(default=())


def _header(data: bytes, pos: int) -> tuple[int, int, int | None]:
    """Read a DER/BER tag and length at ``pos``: (tag, value start, value length or None)."""
    if pos + 2 > len(data):
        raise ValueError("truncated")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        return tag, pos, first
    if first == 0x80:
        return tag, pos, None  # BER indefinite length (some older exporters)
    count = first & 0x7F
    if count > 4 or pos + count > len(data):
        raise ValueError("bad length")
    return tag, pos + count, int.from_bytes(data[pos:pos + count], "big")


def looks_like_pkcs12(data: bytes) -> bool:
    """True if ``data`` has the outer structure of a PKCS#12 PFX."""
    try:
        tag, pos, length = _header(data, 0)
        if tag != 0x30 or (length is not None and pos + length != len(data)):
            return False
        if data[pos:pos + 3] != b"\x02\x01\x03":
            return False
        tag, pos, _ = _header(data, pos + 3)
        if tag != 0x30:
            return False
        return data[pos:pos + 11] in (_PKCS7_DATA, _PKCS7_SIGNED)
    except ValueError:
        return False


def open_pkcs12(data: bytes, password: str) -> SigningMaterial:
    """Open a PKCS#12 file and return an RSA signing key with its certificate.

    :raises NotPkcs12: the content is not a PKCS#12 file.
    :raises WrongPassword: the structure is PKCS#12 but the password does not open it.
    :raises UnusableKey: no key or certificate inside, or a key we cannot sign with.
    """
    if not looks_like_pkcs12(data):
        raise NotPkcs12(
            "PKCS#12形式(.p12/.pfx)の電子証明書ファイルではありません。"
            "認証局から受け取った証明書ファイルを選んでください。"
        )
    candidates = [password.encode()] if password else [b"", None]
    loaded = None
    for candidate in candidates:
        try:
            with warnings.catch_warnings():
                # BER (indefinite lengths, from older exporters) is accepted on purpose;
                # cryptography warns each time it falls back from DER to it.
                warnings.filterwarnings("ignore", _BER_FALLBACK, UserWarning)
                loaded = pkcs12.load_key_and_certificates(data, candidate)
            break
        except ValueError:
            continue
    if loaded is None:
        raise WrongPassword(
            "証明書ファイルを開けませんでした(PKCS#12の処理に失敗)。パスワードが違う可能性があります。"
            "認証局から通知されたパスワードを、大文字・小文字や全角・半角の違いに注意して入力し直してください。"
        )
    key, cert, extra = loaded
    if key is None or cert is None:
        raise UnusableKey("証明書ファイルに秘密鍵または証明書が含まれていません。")
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_RSA_BITS:
        raise UnusableKey(f"署名に使えない鍵です(RSA {MIN_RSA_BITS}ビット以上が必要です)。")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():
        raise UnusableKey("証明書ファイル内の秘密鍵と証明書が対応していません。")
    return SigningMaterial(key=key, cert=cert, chain=tuple(extra or ()))


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, as lowercase hex."""
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()
