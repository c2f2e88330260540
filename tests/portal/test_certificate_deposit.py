"""Depositing certificates: content checks, type rules, encryption at rest, audit."""

import json
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import vault
from portal.certificates.deposit import CertificateRejected
from portal.certificates.deposit import change_start_date
from portal.certificates.deposit import deposit
from portal.certificates.deposit import today_jst
from portal.extensions import db
from portal.models import AuditEvent
from portal.models import CertRole
from portal.models import OrgKind
from portal.models import SigningCertificate
from portal.templating import JST
from tests.portal.conftest import PASSWORD
from tests.portal.conftest import new_org
from tests.portal.conftest import p12


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_deposit_keeps_the_file_and_password_only_encrypted(app, tenants, issuers):
    leaf, data = p12(issuers.gyoseishoshi)
    cert = deposit(tenants["a"], data, PASSWORD, None, tenants["a_admin"])
    db.session.commit()
    row = db.session.get(SigningCertificate, cert.id)
    assert (row.role, row.cert_type.value, row.subject_cn) == (CertRole.AGENT, "gyoseishoshi",
                                                               "代理人 太郎")
    assert row.start_date == today_jst() and row.active
    assert row.not_after == leaf.cert.not_valid_after_utc.replace(tzinfo=None)
    ring = vault.current_keyring()
    assert vault.decrypt(ring, row.blob_ciphertext, row.aad("pkcs12")) == data
    assert vault.decrypt(ring, row.password_ciphertext, row.aad("password")) == PASSWORD.encode()
    raw = db.session.execute(sa.text("SELECT * FROM signing_certificate")).one()
    cells = [bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in raw]
    assert not any(PASSWORD.encode() in cell or b"BEGIN" in cell or data[16:48] in cell
                   for cell in cells)  # neither the password nor any of the file's bytes
    other_org = row.aad("pkcs12").replace(f"org={row.org_id}", f"org={tenants['b'].id}")
    with pytest.raises(vault.VaultError):
        vault.decrypt(ring, row.blob_ciphertext, other_org)
    event = _events("certificate_uploaded")[0]
    assert event.org_id == tenants["a"].id and PASSWORD not in json.dumps(event.detail)


@pytest.mark.parametrize("kind,ca_name", [
    (OrgKind.GYOSEISHOSHI, "gyoseishoshi"), (OrgKind.GYOSEISHOSHI_CORP, "shogyo_toki"),
    (OrgKind.EXEMPT, "shogyo_toki"), (OrgKind.REQUESTER, "shogyo_toki")])
def test_each_kind_deposits_its_type(app, make_org, issuers, kind, ca_name):
    org = make_org(kind)
    cert = deposit(org, p12(getattr(issuers, ca_name))[1], PASSWORD, None, None)
    assert cert.cert_type.value == ca_name
    assert cert.role == (CertRole.REQUESTER if kind == OrgKind.REQUESTER else CertRole.AGENT)


@pytest.mark.parametrize("kind,ca_name,words", [
    (OrgKind.GYOSEISHOSHI, "shogyo_toki", "行政書士電子証明書です"),
    (OrgKind.GYOSEISHOSHI_CORP, "gyoseishoshi", "商業登記電子証明書です"),
    (OrgKind.EXEMPT, "gyoseishoshi", "商業登記電子証明書です"),
    (OrgKind.GYOSEISHOSHI, "jpki", "マイナンバーカード"),
    (OrgKind.GYOSEISHOSHI_CORP, "jpki", "マイナンバーカード"),
    (OrgKind.REQUESTER, "jpki", "マイナンバーカード"),
    (OrgKind.GYOSEISHOSHI, "unknown", "認証局"),
])
def test_type_rules_refuse_with_the_reason(app, make_org, issuers, kind, ca_name, words):
    org = make_org(kind)
    with pytest.raises(CertificateRejected) as info:
        deposit(org, p12(getattr(issuers, ca_name))[1], PASSWORD, None, None)
    assert words in info.value.message and info.value.field == "file"
    assert _events("certificate_refused")


def test_content_and_password_problems(app, tenants, issuers):
    org = tenants["a"]
    with pytest.raises(CertificateRejected) as info:
        deposit(org, issuers.gyoseishoshi.pem, PASSWORD, None, None)
    assert info.value.field == "file" and "PKCS#12" in info.value.message
    with pytest.raises(CertificateRejected) as info:
        deposit(org, p12(issuers.gyoseishoshi)[1], "wrong", None, None)
    assert info.value.field == "password" and "パスワード" in info.value.message
    refused = _events("certificate_refused")
    assert [e.detail["reason"] for e in refused] == ["NotPkcs12", "WrongPassword"]
    assert all("wrong" not in json.dumps(e.detail) for e in refused)


def test_expired_duplicate_and_association_are_refused(app, tenants, issuers):
    now = datetime.now(UTC)
    _, expired = p12(issuers.gyoseishoshi, starts=now - timedelta(days=100), days_valid=30)
    with pytest.raises(CertificateRejected, match="有効期限"):
        deposit(tenants["a"], expired, PASSWORD, None, None)
    _, data = p12(issuers.gyoseishoshi)
    deposit(tenants["a"], data, PASSWORD, None, None)
    with pytest.raises(CertificateRejected, match="既に登録"):
        deposit(tenants["a"], data, PASSWORD, None, None)
    with pytest.raises(CertificateRejected, match="協会"):
        deposit(tenants["k"], data, PASSWORD, None, None)


def test_a_certificate_signs_for_one_organisation_only(app, tenants, issuers, make_org):
    """The same file deposited by a second office would let it sign as the first."""
    _, data = p12(issuers.gyoseishoshi)
    deposit(tenants["a"], data, PASSWORD, None, None)
    other = make_org(OrgKind.GYOSEISHOSHI, "別の行政書士事務所")
    with pytest.raises(CertificateRejected, match="別の組織で登録されています") as info:
        deposit(other, data, PASSWORD, None, None)
    assert info.value.field == "file"
    assert db.session.scalar(sa.select(sa.func.count(SigningCertificate.id)).where(
        SigningCertificate.org_id == other.id).execution_options(skip_tenant_scope=True)) == 0


def test_start_date_must_lie_in_the_validity_period(app, tenants, issuers):
    leaf, data = p12(issuers.gyoseishoshi, days_valid=100)
    with pytest.raises(CertificateRejected) as info:
        deposit(tenants["a"], data, PASSWORD, today_jst() - timedelta(days=10), None)
    assert info.value.field == "start_date"
    cert = deposit(tenants["a"], data, PASSWORD, today_jst() + timedelta(days=5), None)
    assert cert.start_date == today_jst() + timedelta(days=5)
    with pytest.raises(CertificateRejected, match="有効期限"):
        change_start_date(cert, today_jst() + timedelta(days=200))
    change_start_date(cert, today_jst())
    assert _events("certificate_start_date_changed")[0].detail["after"] == today_jst().isoformat()


def test_future_certificate_starts_on_its_first_valid_day(app, tenants, issuers):
    starts = datetime.now(UTC) + timedelta(days=3)
    cert = deposit(tenants["a"], p12(issuers.gyoseishoshi, starts=starts)[1], PASSWORD, None, None)
    assert cert.start_date == starts.astimezone(JST).date()


def test_rotation_rewraps_both_columns(app, tenants, issuers):
    from portal.keys import rotate_all

    _, data = p12(issuers.gyoseishoshi)
    cert = deposit(tenants["a"], data, PASSWORD, None, None)
    db.session.commit()
    old = json.loads(app.config["OSSDESK_KEYS"])
    old["keys"]["k9"] = "A" * 43 + "="
    old["primary"] = "k9"
    app.config["OSSDESK_KEYS"] = json.dumps(old)
    app.extensions.pop("ossdesk_keyring", None)
    counts = rotate_all()
    assert counts["signing_certificate.blob_ciphertext"] == (1, 1)
    assert counts["signing_certificate.password_ciphertext"] == (1, 1)
    db.session.expire_all()
    row = db.session.get(SigningCertificate, cert.id)
    assert vault.key_id(row.blob_ciphertext) == "k9" == vault.key_id(row.password_ciphertext)
    assert vault.decrypt(vault.current_keyring(), row.blob_ciphertext, row.aad("pkcs12")) == data


def test_deposit_on_postgres(any_app, issuers):
    org = new_org(OrgKind.GYOSEISHOSHI_CORP)
    assert db.engine is any_app.extensions["sqlalchemy"].engines[None]
    cert = deposit(org, p12(issuers.shogyo_toki)[1], PASSWORD, date.today(), None)
    db.session.commit()
    assert db.session.get(SigningCertificate, cert.id).cert_type.value == "shogyo_toki"


def test_demo_seed_deposits_a_certificate_its_issuer_trusts(app, tmp_path):
    from portal.demo import seed

    app.config["CERT_ISSUER_DIR"] = str(tmp_path / "issuers")
    seed()
    (cert,) = db.session.scalars(sa.select(SigningCertificate)).all()
    assert cert.cert_type.value == "gyoseishoshi" and cert.subject_cn == "山田 太郎"
    assert list((tmp_path / "issuers" / "gyoseishoshi").glob("demo-*.pem"))
