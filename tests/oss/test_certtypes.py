"""Certificate type decided by the issuing CA; who may use which; validity."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from oss.certtypes import CertificateRefused
from oss.certtypes import CertType
from oss.certtypes import IssuerTable
from oss.certtypes import Refusal
from oss.certtypes import check_certificate
from tests import certs

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def table(authorities):
    return IssuerTable.from_directory(authorities.directory)


@pytest.mark.parametrize("ca_name,expected", [
    ("gyoseishoshi", CertType.GYOSEISHOSHI), ("shogyo_toki", CertType.SHOGYO_TOKI),
    ("jpki", CertType.JPKI)])
def test_type_comes_from_the_issuing_ca(table, authorities, ca_name, expected):
    leaf = certs.make_leaf(getattr(authorities, ca_name))
    assert table.classify(leaf.cert) == expected


def test_unknown_issuer_has_no_type(table, authorities):
    assert table.classify(certs.make_leaf(authorities.unknown).cert) is None


def test_same_issuer_name_but_other_key_is_not_trusted(table, authorities):
    impostor = certs.make_ca(authorities.gyoseishoshi.cert.subject.rfc4514_string(), key=None)
    forged_ca = certs.Issued(impostor.key, authorities.gyoseishoshi.cert)  # right name, wrong key
    leaf = certs.make_leaf(forged_ca)
    assert leaf.cert.issuer == authorities.gyoseishoshi.cert.subject
    assert table.classify(leaf.cert) is None


def test_missing_directory_gives_an_empty_table(tmp_path):
    assert IssuerTable.from_directory(tmp_path / "none").entries == ()
    assert IssuerTable.from_directory(None).entries == ()


@pytest.mark.parametrize("kind,ca_name,expected", [
    ("gyoseishoshi", "gyoseishoshi", CertType.GYOSEISHOSHI),
    ("gyoseishoshi_corp", "shogyo_toki", CertType.SHOGYO_TOKI),
    ("exempt", "shogyo_toki", CertType.SHOGYO_TOKI),
    ("requester", "shogyo_toki", CertType.SHOGYO_TOKI),
])
def test_allowed_combinations(table, authorities, kind, ca_name, expected):
    leaf = certs.make_leaf(getattr(authorities, ca_name))
    assert check_certificate(leaf.cert, kind, table, NOW) == expected


@pytest.mark.parametrize("kind,ca_name", [
    ("gyoseishoshi", "shogyo_toki"), ("gyoseishoshi_corp", "gyoseishoshi"),
    ("exempt", "gyoseishoshi"), ("requester", "gyoseishoshi"), ("association", "shogyo_toki")])
def test_wrong_type_for_the_organisation(table, authorities, kind, ca_name):
    leaf = certs.make_leaf(getattr(authorities, ca_name))
    with pytest.raises(CertificateRefused) as info:
        check_certificate(leaf.cert, kind, table, NOW)
    assert info.value.reason == Refusal.WRONG_TYPE


@pytest.mark.parametrize("kind", ["gyoseishoshi", "gyoseishoshi_corp", "exempt", "requester"])
def test_my_number_certificates_are_always_refused(table, authorities, kind):
    leaf = certs.make_leaf(authorities.jpki)
    with pytest.raises(CertificateRefused) as info:
        check_certificate(leaf.cert, kind, table, NOW)
    assert info.value.reason == Refusal.MY_NUMBER
    assert "マイナンバーカード" in info.value.message


def test_untrusted_issuer_is_refused(table, authorities):
    with pytest.raises(CertificateRefused) as info:
        check_certificate(certs.make_leaf(authorities.unknown).cert, "gyoseishoshi", table, NOW)
    assert info.value.reason == Refusal.UNTRUSTED_ISSUER


def test_validity_period(table, authorities):
    expired = certs.make_leaf(authorities.gyoseishoshi, starts=NOW - timedelta(days=400),
                              days_valid=30)
    with pytest.raises(CertificateRefused) as info:
        check_certificate(expired.cert, "gyoseishoshi", table, NOW)
    assert info.value.reason == Refusal.EXPIRED
    future = certs.make_leaf(authorities.gyoseishoshi, starts=NOW + timedelta(days=3))
    with pytest.raises(CertificateRefused) as info:
        check_certificate(future.cert, "gyoseishoshi", table, NOW)
    assert info.value.reason == Refusal.NOT_YET_VALID
    assert check_certificate(future.cert, "gyoseishoshi", table, NOW, allow_future=True)
    with pytest.raises(CertificateRefused):
        check_certificate(expired.cert, "gyoseishoshi", table, NOW, allow_future=True)
    # A naive moment is read as UTC.
    assert check_certificate(future.cert, "gyoseishoshi", table,
                             (NOW + timedelta(days=4)).replace(tzinfo=None))
