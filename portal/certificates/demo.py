"""A demo 行政書士電子証明書 for ``make run`` (development only).

Creates a throw-away issuing CA, lists it as a trusted issuer of
行政書士電子証明書 in the configured issuer folder (which the simulator started
by ``ossdesk up`` reads too), and deposits a certificate it issued for the
demo agent. The CA's private key is never stored.
"""

import secrets
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app

from oss.certtypes import CertType
from portal.certificates.deposit import deposit
from portal.models import Organization
from portal.models import SigningCertificate


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ossdesk デモ"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(subject: str, issuer: str, key, signer, days: int, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), True)
            .sign(signer, hashes.SHA256()))


def deposit_demo_certificate(org: Organization, holder: str) -> SigningCertificate:
    """Issue and deposit a demo certificate for ``org`` (a 行政書士)."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = f"デモ認証局 {secrets.token_hex(3)}"
    ca_cert = _issue(ca_name, ca_name, ca_key, ca_key, 3650, True)
    folder = Path(current_app.config["CERT_ISSUER_DIR"]) / CertType.GYOSEISHOSHI.value
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"demo-{ca_cert.serial_number:x}.pem").write_bytes(
        ca_cert.public_bytes(serialization.Encoding.PEM))
    current_app.extensions.pop("ossdesk_issuers", None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _issue(holder, ca_name, key, ca_key, 365, False)
    password = secrets.token_urlsafe(12)
    data = pkcs12.serialize_key_and_certificates(
        b"demo", key, cert, [ca_cert], serialization.BestAvailableEncryption(password.encode()))
    return deposit(org, data, password, None, None)
