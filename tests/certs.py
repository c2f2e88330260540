"""Test certificate authorities, certificates and PKCS#12 files made with ``cryptography``.

RSA key generation costs tens of milliseconds, so keys come from a small pool
shared by the whole session; certificates and files are cheap and made fresh.
"""

import itertools
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

_KEYS: list[rsa.RSAPrivateKey] = []
_NEXT = itertools.count()
_SERIAL = itertools.count(1000)


def rsa_key() -> rsa.RSAPrivateKey:
    """A 2048-bit key from the pool (the pool grows to 6 keys, then repeats)."""
    index = next(_NEXT) % 6
    while len(_KEYS) <= index:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS[index]


def rsa_key_other_than(*keys: rsa.RSAPrivateKey) -> rsa.RSAPrivateKey:
    """A pool key that is none of ``keys``: the pool repeats, so a test that needs two
    different keys asks for one this way."""
    key = rsa_key()
    while any(key is taken for taken in keys):
        key = rsa_key()
    return key


def _name(cn: str, org: str = "") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "JP")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


@dataclass(frozen=True)
class Issued:
    key: object
    cert: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def make_ca(cn: str, key=None) -> Issued:
    key = key or rsa_key()
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(cn, "テスト認証局"))
            .issuer_name(_name(cn, "テスト認証局")).public_key(key.public_key())
            .serial_number(next(_SERIAL)).not_valid_before(now - timedelta(days=3650))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256()))
    return Issued(key, cert)


def make_leaf(ca: Issued, cn: str = "代理人 太郎", *, days_valid: int = 365,
              starts: datetime | None = None, key=None) -> Issued:
    if key is None:
        key = rsa_key_other_than(ca.key)  # a leaf never shares its CA's key
    start = starts or datetime.now(UTC) - timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(_name(cn, "テスト行政書士事務所"))
            .issuer_name(ca.cert.subject).public_key(key.public_key())
            .serial_number(next(_SERIAL)).not_valid_before(start)
            .not_valid_after(start + timedelta(days=days_valid))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca.key, hashes.SHA256()))
    return Issued(key, cert)


def make_p12(leaf: Issued, password: str, chain=(), *, legacy: bool = False) -> bytes:
    if legacy:
        algorithm = serialization.BestAvailableEncryption(password.encode())
    else:
        algorithm = (serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048)
                     .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
                     .hmac_hash(hashes.SHA256()).build(password.encode()))
    return pkcs12.serialize_key_and_certificates(b"agent", leaf.key, leaf.cert,
                                                 [c.cert for c in chain] or None, algorithm)


def ec_leaf(ca: Issued) -> Issued:
    return make_leaf(ca, key=ec.generate_private_key(ec.SECP256R1()))


@dataclass
class Authorities:
    """One CA per certificate type, written as an issuer directory."""

    directory: Path
    gyoseishoshi: Issued
    shogyo_toki: Issued
    jpki: Issued
    unknown: Issued


def make_authorities(directory: Path) -> Authorities:
    cas = {t: make_ca(f"{t} テストCA") for t in ("gyoseishoshi", "shogyo_toki", "jpki")}
    for type_name, ca in cas.items():
        folder = directory / type_name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ca.pem").write_bytes(ca.pem)
    return Authorities(directory=directory, unknown=make_ca("野良CA"), **cas)
