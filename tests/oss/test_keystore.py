"""PKCS#12 files are recognised by content and opened with clear reasons when they cannot be."""

import zipfile
from io import BytesIO

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from oss import keystore
from tests import certs


@pytest.fixture(scope="module")
def ca():
    return certs.make_ca("keystore CA")


def test_opens_a_pkcs12_file(ca):
    leaf = certs.make_leaf(ca)
    material = keystore.open_pkcs12(certs.make_p12(leaf, "Secret-1", chain=[ca]), "Secret-1")
    assert material.cert == leaf.cert
    assert material.chain == (ca.cert,)
    assert keystore.fingerprint(material.cert) == keystore.fingerprint(leaf.cert)


def test_opens_a_legacy_encrypted_file(ca):
    leaf = certs.make_leaf(ca)
    assert keystore.open_pkcs12(certs.make_p12(leaf, "pw", legacy=True), "pw").cert == leaf.cert


def test_opens_a_ber_encoded_file_without_a_warning(ca):
    """Older exporters write BER: the outer SEQUENCE with an indefinite length. It opens,
    and cryptography's DER-to-BER fallback warning stays out of the logs (warnings are
    errors in the test session)."""
    leaf = certs.make_leaf(ca)
    der = certs.make_p12(leaf, "pw")
    assert der[:2] == b"\x30\x82"  # a definite length in two bytes
    ber = b"\x30\x80" + der[4:] + b"\x00\x00"
    assert keystore.open_pkcs12(ber, "pw").cert == leaf.cert
    with pytest.raises(keystore.WrongPassword):
        keystore.open_pkcs12(ber, "wrong")


def test_wrong_password_is_named_as_such(ca):
    data = certs.make_p12(certs.make_leaf(ca), "Correct-Horse")
    assert keystore.looks_like_pkcs12(data)
    with pytest.raises(keystore.WrongPassword) as info:
        keystore.open_pkcs12(data, "correct-horse")
    assert "パスワード" in info.value.message
    assert "大文字" in info.value.message
    assert info.value.field == "password"


def _zip() -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("cert.p12", b"x")
    return buf.getvalue()


@pytest.mark.parametrize("data", [
    b"", b"hello", b"\x30\x03\x02\x01\x03", b"%PDF-1.7 ...", _zip(),
    certs.make_ca("pem").pem,
    b"\x30\x82\xff\xff\x02\x01\x03",  # length beyond the data
])
def test_anything_else_is_not_pkcs12(data):
    assert not keystore.looks_like_pkcs12(data)
    with pytest.raises(keystore.NotPkcs12) as info:
        keystore.open_pkcs12(data, "pw")
    assert "PKCS#12" in info.value.message


def test_a_der_certificate_is_not_pkcs12(ca):
    der = ca.cert.public_bytes(serialization.Encoding.DER)
    assert not keystore.looks_like_pkcs12(der)


def test_truncated_file_is_not_pkcs12(ca):
    data = certs.make_p12(certs.make_leaf(ca), "pw")
    assert not keystore.looks_like_pkcs12(data[:-10])


def test_file_without_a_key_is_unusable(ca):
    data = pkcs12.serialize_key_and_certificates(
        b"x", None, ca.cert, None, serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(keystore.UnusableKey):
        keystore.open_pkcs12(data, "pw")


def test_non_rsa_and_short_keys_are_unusable(ca):
    with pytest.raises(keystore.UnusableKey):
        keystore.open_pkcs12(certs.make_p12(certs.ec_leaf(ca), "pw"), "pw")
    short = certs.make_leaf(ca, key=rsa.generate_private_key(public_exponent=65537, key_size=1024))
    with pytest.raises(keystore.UnusableKey) as info:
        keystore.open_pkcs12(certs.make_p12(short, "pw"), "pw")
    assert "2048" in info.value.message


def test_key_without_its_certificate_is_unusable(ca):
    leaf = certs.make_leaf(ca)
    data = pkcs12.serialize_key_and_certificates(
        b"x", leaf.key, None, [ca.cert], serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(keystore.UnusableKey):
        keystore.open_pkcs12(data, "pw")
