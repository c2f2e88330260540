"""Certificate pages: admins of their organisation, association staff on its behalf."""

import logging
from io import BytesIO

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.extensions import db
from portal.models import AuditEvent
from portal.models import SigningCertificate
from tests.conftest import login
from tests.conftest import make_app
from tests.conftest import PASSWORD as LOGIN_PASSWORD
from tests.portal.conftest import PASSWORD
from tests.portal.conftest import p12


def upload(client, data: bytes, password: str = PASSWORD, start: str = "", url="/certificates/",
           **extra):
    # Encoded in memory: the test client would spool a large body to a temporary file.
    file = FileStorage(BytesIO(data), filename="certificate.p12",
                       content_type="application/x-pkcs12")
    fields = {"file": file, "password": password, "start_date": start,
              "login_password": LOGIN_PASSWORD, **extra}
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def certificates():
    db.session.rollback()  # end the test session's read snapshot; requests commit elsewhere
    return db.session.scalars(sa.select(SigningCertificate)).all()


def test_only_admins_and_association_reach_the_pages(client, tenants, issuers):
    login(client, tenants["a_staff"])
    assert client.get("/certificates/").status_code == 403
    assert client.get(f"/certificates/orgs/{tenants['a'].id}").status_code == 403


def test_admin_uploads_and_sees_the_certificate(client, tenants, issuers):
    login(client, tenants["a_admin"])
    page = client.get("/certificates/").get_data(as_text=True)
    assert "代理人証明書" in page and "現在は申請できません" in page and "電子証明書" in page
    resp = upload(client, p12(issuers.gyoseishoshi)[1])
    assert resp.status_code == 302
    (cert,) = certificates()
    assert cert.org_id == tenants["a"].id
    page = client.get("/certificates/").get_data(as_text=True)
    assert "代理人 太郎" in page and "使用中" in page and "登録しました" in page
    assert PASSWORD not in page


@pytest.mark.parametrize("data_of,password,field,words", [
    (lambda i: i.gyoseishoshi.pem, PASSWORD, "file", "PKCS#12形式"),
    (lambda i: p12(i.gyoseishoshi)[1], "nope", "password", "パスワードが違う"),
    (lambda i: p12(i.jpki)[1], PASSWORD, "file", "マイナンバーカード"),
    (lambda i: p12(i.shogyo_toki)[1], PASSWORD, "file", "行政書士電子証明書です"),
])
def test_refusals_are_shown_next_to_the_field(client, tenants, issuers, data_of, password, field,
                                              words):
    login(client, tenants["a_admin"])
    resp = upload(client, data_of(issuers), password=password, start="2026-12-01")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and words in page
    assert f'id="{field}-error"' in page
    assert 'value="2026-12-01"' in page  # what the user typed is kept
    assert certificates() == []
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "certificate_refused")) == 1


def test_bad_date_is_explained_in_japanese(client, tenants, issuers):
    login(client, tenants["a_admin"])
    page = upload(client, p12(issuers.gyoseishoshi)[1], start="2026-13-45").get_data(as_text=True)
    assert "YYYY-MM-DD" in page and certificates() == []


def test_files_over_64_kib_are_refused_with_413(client, tenants, issuers):
    login(client, tenants["a_admin"])
    over = upload(client, b"\x30" * (64 * 1024 + 1), start="2026-12-01")
    assert over.status_code == 413
    page = over.get_data(as_text=True)
    assert "ファイルが大きすぎます(上限64KB)" in page and 'value="2026-12-01"' in page
    assert upload(client, b"\x30" * (1024 * 1024)).status_code == 413
    assert upload(client, p12(issuers.gyoseishoshi)[1]).status_code == 302


def test_size_cap_applies_before_the_csrf_check(sqlite_url, make_org, make_user, issuers):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "WTF_CSRF_ENABLED": True,
                    "CERT_ISSUER_DIR": str(issuers.directory)})
    with app.app_context():
        from portal.models import Role

        admin = make_user(make_org(), Role.ADMIN)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"login_id": admin.login_id, "password": "Test-pass-123",
                                    "csrf_token": token})
        assert upload(client, b"\x30" * (1024 * 1024)).status_code == 413
        page = client.get("/certificates/").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert upload(client, p12(issuers.gyoseishoshi)[1], csrf_token=token).status_code == 302
        db.session.remove()


def test_association_uploads_on_behalf_of_an_organisation(client, tenants, issuers):
    login(client, tenants["assoc"])
    b = tenants["b"]
    assert "乙行政書士法人" in client.get(f"/certificates/orgs/{b.id}").get_data(as_text=True)
    resp = upload(client, p12(issuers.shogyo_toki)[1], url=f"/certificates/orgs/{b.id}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/certificates/orgs/{b.id}")
    (cert,) = certificates()
    assert cert.org_id == b.id and cert.uploaded_by_id == tenants["assoc"].id
    db.session.rollback()
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "certificate_uploaded"))
    assert event.org_id == b.id and event.user_id == tenants["assoc"].id
    org_page = client.get(f"/association/organizations/{b.id}").get_data(as_text=True)
    assert f"/certificates/orgs/{b.id}" in org_page


def test_start_date_edit_and_tenant_isolation(client, tenants, issuers):
    login(client, tenants["a_admin"])
    upload(client, p12(issuers.gyoseishoshi, days_valid=200)[1])
    (cert,) = certificates()
    field = f"cert-{cert.id}-start_date"
    resp = client.post(f"/certificates/{cert.id}/start-date", data={field: "2099-01-01"})
    assert resp.status_code == 200 and "有効期限" in resp.get_data(as_text=True)
    tomorrow = cert.start_date.fromordinal(cert.start_date.toordinal() + 1).isoformat()
    assert client.post(f"/certificates/{cert.id}/start-date",
                       data={field: tomorrow}).status_code == 302
    db.session.rollback()
    assert cert.start_date.isoformat() == tomorrow
    client.post("/logout")
    login(client, tenants["b_admin"])
    assert client.post(f"/certificates/{cert.id}/start-date",
                       data={field: tomorrow}).status_code == 404
    assert client.post(f"/certificates/{cert.id}/active").status_code == 404
    assert "代理人 太郎" not in client.get("/certificates/").get_data(as_text=True)


def test_disable_and_enable(client, tenants, issuers):
    login(client, tenants["a_admin"])
    upload(client, p12(issuers.gyoseishoshi)[1])
    (cert,) = certificates()
    assert client.post(f"/certificates/{cert.id}/active").status_code == 302
    db.session.rollback()
    assert not cert.active
    assert "利用停止" in client.get("/certificates/").get_data(as_text=True)
    client.post(f"/certificates/{cert.id}/active")
    db.session.rollback()
    assert cert.active


def test_requester_deposits_its_own_certificate(client, tenants, issuers):
    login(client, tenants["r_admin"])
    page = client.get("/certificates/").get_data(as_text=True)
    assert "依頼人証明書" in page and "登録日" in page
    assert upload(client, p12(issuers.shogyo_toki)[1]).status_code == 302
    assert certificates()[0].role.value == "requester"


def test_menu_shows_the_page_to_admins_only(client, tenants, issuers):
    login(client, tenants["a_admin"])
    assert 'href="/certificates/"' in client.get("/dashboard").get_data(as_text=True)
    client.post("/logout")
    login(client, tenants["a_staff"])
    assert 'href="/certificates/"' not in client.get("/dashboard").get_data(as_text=True)


def test_secrets_never_reach_the_logs(client, tenants, issuers, caplog):
    caplog.set_level(logging.DEBUG)
    login(client, tenants["a_admin"])
    upload(client, p12(issuers.gyoseishoshi)[1], password="Wrong-pass-xyz")
    upload(client, p12(issuers.gyoseishoshi)[1])
    from datetime import UTC
    from datetime import datetime

    from portal.certificates.keys import signer_for_filing

    db.session.rollback()
    signer_for_filing(tenants["a"].id, datetime.now(UTC), target="submission:1")
    text = caplog.text + repr([e.detail for e in db.session.scalars(sa.select(AuditEvent))])
    assert PASSWORD not in text and "Wrong-pass-xyz" not in text
    assert "PRIVATE KEY" not in text


def test_depositing_asks_for_the_uploaders_own_password(client, tenants, issuers):
    """ASVS 3.7.1: re-authentication before a certificate is deposited. A wrong login
    password is refused at its field, nothing is stored, and it counts as a failed login."""
    from portal.models import AuditEvent

    login(client, tenants["a_admin"])
    _, data = p12(issuers.gyoseishoshi)
    resp = upload(client, data, start="2099-01-01", login_password="Not-my-pass-1")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "ログインパスワードが正しくありません" in body
    assert 'value="2099-01-01"' in body  # what was typed is kept
    assert certificates() == []
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "login_failed")) == 1
    assert upload(client, data).status_code == 302 and len(certificates()) == 1


def test_the_uploaded_files_name_never_reaches_the_file_system(app, client, tenants, issuers,
                                                               tmp_path):
    """S5 / ASVS 12.3.1: the upload is read in memory; a name that walks out of any folder is
    neither created as a file nor kept on the certificate."""
    import os
    import tempfile
    import uuid

    login(client, tenants["a_admin"])
    _, data = p12(issuers.gyoseishoshi)
    name = f"evil-{uuid.uuid4().hex}.p12"
    file = FileStorage(BytesIO(data), filename=f"../../../../{name}",
                       content_type="application/x-pkcs12")
    boundary, body = encode_multipart({"file": file, "password": PASSWORD, "start_date": "",
                                       "login_password": LOGIN_PASSWORD})
    resp = client.post("/certificates/", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 302 and len(certificates()) == 1
    found = [f for _, _, files in os.walk(app.instance_path) for f in files if name in f]
    for place in (tempfile.gettempdir(), os.getcwd(), "/"):  # where ../ would lead
        found += [f for f in os.listdir(place) if name in f]
    assert found == []
    cert = certificates()[0]
    assert all(name not in str(getattr(cert, column.key) or "")
               for column in SigningCertificate.__table__.columns)
