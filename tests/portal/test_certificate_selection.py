"""Which certificate signs a filing dated D; blocking reasons; expiry warnings; cached keys."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from oss import xml as oxml
from oss.signing import verify
from oss.xmlsafe import parse_untrusted
from portal.certificates import deposit as deposits
from portal.certificates.deposit import deposit
from portal.certificates.deposit import set_active
from portal.certificates.keys import KeyMismatch
from portal.certificates.keys import load_signer
from portal.certificates.keys import signer_for_filing
from portal.certificates.selection import FilingBlocked
from portal.certificates.selection import choose_certificate
from portal.certificates.selection import expiry_warnings
from portal.extensions import db
from portal.models import AuditEvent
from portal.models import CertRole
from portal.models import ChangeKind
from portal.models import OrgKind
from portal.orgs.changes import approve
from portal.orgs.changes import request_change
from portal.templating import JST
from tests.conftest import login
from tests.oss import specs
from tests.oss.conftest import header
from tests.portal.conftest import PASSWORD
from tests.portal.conftest import new_org
from tests.portal.conftest import p12

NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def _now(monkeypatch):
    """One moment per test, taken as it starts: a moment taken at collection is yesterday in
    Japan for a test that runs after midnight JST (15:00 UTC). "Today" is that moment's Japan
    day throughout, also for a deposit's default 利用開始日, so midnight JST falling during
    the test cannot put a certificate's start after NOW."""
    global NOW
    NOW = datetime.now(UTC)
    monkeypatch.setattr(deposits, "today_jst", today_jst)


def today_jst():
    return NOW.astimezone(JST).date()


def at_jst(day, hour=12):
    return datetime(day.year, day.month, day.day, hour, tzinfo=JST)


def put(org, ca, start=None, **leaf_kw):
    cert = deposit(org, p12(ca, **leaf_kw)[1], PASSWORD, start, None)
    db.session.commit()
    return cert


def test_latest_started_certificate_is_used(app, tenants, issuers):
    org, today = tenants["a"], today_jst()
    old = put(org, issuers.gyoseishoshi, today - timedelta(days=20),
              starts=NOW - timedelta(days=30))
    new = put(org, issuers.gyoseishoshi, today - timedelta(days=2),
              starts=NOW - timedelta(days=30))
    future = put(org, issuers.gyoseishoshi, today + timedelta(days=10))
    assert choose_certificate(org.id, at_jst(today)).id == new.id
    assert choose_certificate(org.id, at_jst(today - timedelta(days=5))).id == old.id
    assert choose_certificate(org.id, at_jst(today + timedelta(days=10))).id == future.id
    set_active(new, False)
    assert choose_certificate(org.id, at_jst(today)).id == old.id


def test_same_start_date_prefers_the_later_deposit(app, tenants, issuers):
    first = put(tenants["a"], issuers.gyoseishoshi, today_jst())
    second = put(tenants["a"], issuers.gyoseishoshi, today_jst())
    assert choose_certificate(tenants["a"].id, NOW).id == second.id != first.id


def test_no_eligible_certificate_blocks_the_filing(app, tenants, issuers):
    with pytest.raises(FilingBlocked) as info:
        choose_certificate(tenants["a"].id, NOW)
    assert info.value.code == "no_certificate" and "電子証明書" in info.value.action
    assert "利用開始日を迎えた証明書が未登録です" in info.value.reason
    put(tenants["a"], issuers.gyoseishoshi, today_jst() + timedelta(days=3))
    with pytest.raises(FilingBlocked):
        choose_certificate(tenants["a"].id, NOW)
    set_active(put(tenants["a"], issuers.gyoseishoshi, today_jst()), False)
    with pytest.raises(FilingBlocked) as info:
        choose_certificate(tenants["a"].id, NOW)
    assert "利用開始日を迎えた証明書はすべて利用停止中です" in info.value.reason


def test_expired_choice_blocks_even_if_an_older_one_is_valid(app, tenants, issuers):
    org, today = tenants["a"], today_jst()
    put(org, issuers.gyoseishoshi, today - timedelta(days=5), starts=NOW - timedelta(days=10))
    short = put(org, issuers.gyoseishoshi, today - timedelta(days=1),
                starts=NOW - timedelta(days=2), days_valid=3)
    with pytest.raises(FilingBlocked) as info:
        choose_certificate(org.id, NOW + timedelta(days=2))
    assert info.value.code == "expired" and short.subject_cn in info.value.reason
    assert "新しい証明書" in info.value.action


def test_not_yet_valid_on_its_start_day_blocks(app, tenants, issuers):
    starts = (datetime.now(JST) + timedelta(days=2)).replace(hour=15, minute=0, second=0,
                                                             microsecond=0)
    cert = put(tenants["a"], issuers.gyoseishoshi, starts=starts)
    assert cert.start_date == starts.date()
    with pytest.raises(FilingBlocked) as info:
        choose_certificate(tenants["a"].id, starts.replace(hour=9))
    assert info.value.code == "not_yet_valid"
    assert choose_certificate(tenants["a"].id, starts.replace(hour=16)).id == cert.id


def test_a_certificate_the_org_kind_no_longer_allows_blocks_the_filing(app, tenants, issuers):
    """An individual office that became a 行政書士法人 (変更等申込) cannot go on signing with
    its 行政書士電子証明書: OSS would refuse every filing. The block says what to deposit."""
    org, admin = tenants["a"], tenants["a_admin"]
    old = put(org, issuers.gyoseishoshi, today_jst() - timedelta(days=3),
              starts=NOW - timedelta(days=10))
    assert choose_certificate(org.id, NOW).id == old.id
    change = request_change(org, ChangeKind.CONVERT_TO_CORP,
                            {"name": "行政書士法人甲", "registration_number": "H12345"}, admin)
    approve(change, tenants["assoc"])
    db.session.commit()
    with pytest.raises(FilingBlocked) as info:
        choose_certificate(org.id, NOW)
    assert info.value.code == "wrong_type"
    assert "行政書士電子証明書" in info.value.reason and "行政書士法人" in info.value.reason
    assert "商業登記電子証明書を登録" in info.value.action
    new = put(org, issuers.shogyo_toki, today_jst())
    assert choose_certificate(org.id, NOW).id == new.id


def test_requester_certificates_are_chosen_separately(app, make_org, issuers):
    dealer = make_org(OrgKind.REQUESTER)
    cert = put(dealer, issuers.shogyo_toki)
    assert cert.role == CertRole.REQUESTER
    assert choose_certificate(dealer.id, NOW, CertRole.REQUESTER).id == cert.id
    with pytest.raises(FilingBlocked) as info:
        choose_certificate(dealer.id, NOW)
    assert "代理人証明書" in info.value.reason


@pytest.mark.parametrize("days,level", [(3, 7), (7, 7), (8, 30), (30, 30), (45, 60), (60, 60),
                                        (61, None)])
def test_expiry_warning_thresholds(app, tenants, issuers, days, level):
    today = today_jst()
    expires = datetime.combine(today + timedelta(days=days), datetime.min.time(),
                               tzinfo=JST).replace(hour=12)
    put(tenants["a"], issuers.gyoseishoshi, today, starts=NOW - timedelta(days=1),
        days_valid=(expires - (NOW - timedelta(days=1))).total_seconds() / 86400)
    warnings = expiry_warnings(tenants["a"].id, today)
    assert [w.level for w in warnings] == ([level] if level else [])
    if level:
        assert warnings[0].days_left == days and warnings[0].expires_on == expires.date()


def test_a_deposited_replacement_silences_the_warning(app, tenants, issuers):
    today = today_jst()
    old = put(tenants["a"], issuers.gyoseishoshi, today, days_valid=20)
    assert [w.certificate.id for w in expiry_warnings(tenants["a"].id, today)] == [old.id]
    put(tenants["a"], issuers.gyoseishoshi, today + timedelta(days=15), days_valid=400)
    assert expiry_warnings(tenants["a"].id, today) == []


def test_dashboard_shows_the_warning_to_admins(client, tenants, issuers):
    put(tenants["a"], issuers.gyoseishoshi, days_valid=6)  # expires in 5 days
    login(client, tenants["a_admin"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="certificate-warnings"' in page and "expiry-30" not in page
    assert "expiry-7" in page and "更新した証明書を登録" in page


def _actions():
    return [e.action for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("certificate_%"))
        .order_by(AuditEvent.id))]


def test_signer_is_loaded_once_and_every_use_is_audited(app, tenants, issuers):
    cert = put(tenants["a"], issuers.gyoseishoshi)
    chosen, signer = signer_for_filing(tenants["a"].id, NOW, target="submission:1")
    again, signer2 = signer_for_filing(tenants["a"].id, NOW, target="submission:2")
    db.session.commit()
    assert chosen.id == again.id == cert.id and signer is signer2
    assert _actions() == ["certificate_uploaded", "certificate_decrypted", "certificate_used",
                          "certificate_used"]
    root = oxml.build_application(specs.ITEN, specs.iten_payload(), header("f" * 32))
    data = signer.sign(root)
    verify(parse_untrusted(data), signer.material.cert)
    set_active(cert, False)  # forgets the cached key
    assert load_signer(cert, purpose="check") is not signer


def test_a_row_whose_file_was_swapped_is_refused(app, tenants, issuers):
    one = put(tenants["a"], issuers.gyoseishoshi)
    two = put(tenants["a"], issuers.gyoseishoshi)
    two.fingerprint = one.fingerprint[::-1]
    with pytest.raises(KeyMismatch):
        load_signer(two, purpose="check")


def test_choice_on_postgres(any_app, issuers):
    org = new_org(OrgKind.GYOSEISHOSHI)
    assert db.engine is any_app.extensions["sqlalchemy"].engines[None]
    cert = put(org, issuers.gyoseishoshi)
    assert choose_certificate(org.id, NOW).id == cert.id
