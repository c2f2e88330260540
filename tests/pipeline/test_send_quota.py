"""Daily send quotas per office (ASVS 11.1.4): counted per office and per Japan-time day, cut
at the send with a reason per row, set by association staff, shown on the send page."""

from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ApplicationState
from portal.models import AuditEvent
from portal.models import Organization
from portal.models import Submission
from portal.models import SubmissionKind
from portal.models.base import utcnow
from portal.submissions import quota
from portal.submissions.services import create_send_batch
from tests.conftest import login
from tests.pipeline.conftest import point_at
from tests.pipeline.office import application
from tests.pipeline.office import submissions


@pytest.fixture(autouse=True)
def _one_day(monkeypatch):
    """Count "today" from the moment the test starts (the quota reads the system clock, not
    the portal clock): midnight JST falling during a test would empty the count halfway."""
    start = utcnow()
    monkeypatch.setattr(quota, "utcnow", lambda: start)


def _reasons(batch) -> dict[int, str]:
    return {r["application_id"]: r["reason"] for r in batch.refused}


def test_a_send_past_the_quota_is_cut_with_a_reason_per_row(any_app, office):
    point_at(any_app)
    any_app.config["SEND_DAILY_QUOTA"] = 3
    shop = office(any_app)
    ids = shop.ready(5)
    batch = create_send_batch(shop.staff, ids)
    db.session.commit()
    assert batch.total == 3
    reasons = _reasons(batch)
    assert set(reasons) == set(ids[3:])
    assert all("本日の送信上限(3件)を超える" in r for r in reasons.values())
    assert sorted(s.application_id for s in submissions()) == ids[:3]
    later = create_send_batch(shop.staff, ids[3:])
    db.session.commit()
    assert later.total == 0 and set(_reasons(later)) == set(ids[3:])
    assert len(submissions()) == 3  # nothing written for what was refused


def test_an_offices_own_quota_overrides_the_setting(any_app, office):
    point_at(any_app)
    shop = office(any_app)
    shop.org.daily_send_quota = 1
    db.session.commit()
    ids = shop.ready(2)
    batch = create_send_batch(shop.staff, ids)
    db.session.commit()
    assert batch.total == 1 and "本日の送信上限(1件)" in _reasons(batch)[ids[1]]
    assert quota.usage(shop.org.id) == quota.Usage(quota=1, used=1, own=True)


def test_a_quota_of_zero_stops_the_office_sending(app, client, office):
    point_at(app)
    shop = office(app)
    shop.org.daily_send_quota = 0
    db.session.commit()
    ids = shop.ready(1)
    batch = create_send_batch(shop.staff, ids)
    db.session.commit()
    assert batch.total == 0 and not submissions()
    assert _reasons(batch)[ids[0]] == quota.STOPPED  # waiting for midnight would not help
    login(client, shop.staff, "Test-pass-123")
    page = client.get("/submissions/").get_data(as_text=True)
    assert "この組織の送信は協会により停止されています" in page and "0時を過ぎて" not in page


def test_each_office_has_its_own_count(app, office):
    point_at(app)
    app.config["SEND_DAILY_QUOTA"] = 2
    first, second = office(app), office(app)
    assert create_send_batch(first.staff, first.ready(2)).total == 2
    db.session.commit()
    assert create_send_batch(second.staff, second.ready(2)).total == 2
    db.session.commit()
    assert quota.usage(first.org.id).used == 2 and quota.usage(second.org.id).used == 2


def test_a_resubmission_counts_against_the_quota_too(app, office):
    point_at(app)
    app.config["SEND_DAILY_QUOTA"] = 1
    shop = office(app)
    create_send_batch(shop.staff, shop.ready(1))
    db.session.commit()
    rejected = shop.ready(1, state=ApplicationState.REJECTED)
    application(rejected[0]).arrival_number = "20261126000000001"
    db.session.commit()
    batch = create_send_batch(shop.staff, rejected, kind=SubmissionKind.RESUBMIT)
    db.session.commit()
    assert batch.total == 0 and "本日の送信上限" in _reasons(batch)[rejected[0]]


@pytest.mark.parametrize("now, start", [
    (datetime(2026, 11, 26, 14, 59), datetime(2026, 11, 25, 15, 0)),  # 23:59 JST
    (datetime(2026, 11, 26, 15, 0), datetime(2026, 11, 26, 15, 0)),   # 00:00 JST
    (datetime(2026, 11, 26, 3, 0), datetime(2026, 11, 25, 15, 0)),     # 12:00 JST
])
def test_the_day_starts_at_midnight_japan_time(now, start):
    assert quota.day_start(now) == start


def test_yesterdays_sends_do_not_count(app, office):
    point_at(app)
    app.config["SEND_DAILY_QUOTA"] = 2
    shop = office(app)
    create_send_batch(shop.staff, shop.ready(2))
    db.session.commit()
    assert quota.usage(shop.org.id).used == 2
    db.session.execute(sa.update(Submission).values(  # made one second before today began
        created_at=quota.day_start(quota.utcnow()) - timedelta(seconds=1)))
    db.session.commit()
    assert quota.usage(shop.org.id).used == 0
    assert create_send_batch(shop.staff, shop.ready(2)).total == 2


def test_a_send_holds_the_offices_row_until_it_commits(pg_app, office):
    """Two sends at once cannot both take the last places: the second waits for the first.
    Rows that merely point at the office (an audit row, a history event) do not wait."""
    point_at(pg_app)
    shop = office(pg_app)
    create_send_batch(shop.staff, shop.ready(1))  # its transaction left open
    with db.engine.connect() as other:
        other.exec_driver_sql("SET lock_timeout = '200ms'")
        with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
            other.execute(sa.select(Organization.id).where(Organization.id == shop.org.id)
                          .with_for_update(key_share=True))  # what a second send takes
        other.rollback()
        other.exec_driver_sql("SET lock_timeout = '200ms'")
        other.execute(sa.text(
            "INSERT INTO audit_event (org_id, login_id, action, outcome, target, detail, ip, "
            "request_id, created_at) VALUES (:org, 'x', 'login', 'ok', '', '{}', '', '', "
            "now())"), {"org": shop.org.id})  # a foreign key check: not blocked
        other.rollback()
    db.session.rollback()


def test_the_send_page_shows_todays_count_and_quota(app, client, office):
    point_at(app)
    app.config["SEND_DAILY_QUOTA"] = 2
    shop = office(app)
    create_send_batch(shop.staff, shop.ready(2))
    db.session.commit()
    login(client, shop.staff, "Test-pass-123")
    page = client.get("/submissions/").get_data(as_text=True)
    assert "本日の送信 2件 / 1日の送信上限 2件(残り 0件)" in page
    assert "本日はこれ以上送信できません" in page
    shop.ready(3)
    app.config["SEND_DAILY_QUOTA"] = 4
    page = client.get("/submissions/").get_data(as_text=True)
    assert "本日の送信 2件 / 1日の送信上限 4件(残り 2件)" in page
    assert "「すべて」で送信されるのは古いものから2件までです" in page


def test_association_staff_set_an_offices_quota(app, client, office, tenants):
    point_at(app)
    shop = office(app)
    login(client, tenants["assoc"])
    page = client.get(f"/association/organizations/{shop.org.id}").get_data(as_text=True)
    assert "1日に送信できる申請データ: <strong>20,000件</strong>(既定)" in page
    resp = client.post(f"/association/organizations/{shop.org.id}/quota",
                       data={"daily_send_quota": "１，５００"})  # as an IME types it
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, shop.org.id).daily_send_quota == 1500
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "org_send_quota_set")).one()
    assert event.detail["before"] == "default" and event.detail["after"] == 1500
    client.post(f"/association/organizations/{shop.org.id}/quota", data={"daily_send_quota": ""})
    db.session.expire_all()
    assert db.session.get(Organization, shop.org.id).daily_send_quota is None


@pytest.mark.parametrize("typed, message", [
    ("abc", "送信上限は0以上の件数を数字で入力してください。"),
    ("-5", "送信上限は0以上の件数を数字で入力してください。"),
    ("2000000", "送信上限は1,000,000件以下で入力してください。"),
])
def test_a_wrong_quota_is_refused_next_to_the_field(app, client, office, tenants, typed, message):
    point_at(app)
    shop = office(app)
    shop.org.daily_send_quota = 7
    db.session.commit()
    login(client, tenants["assoc"])
    resp = client.post(f"/association/organizations/{shop.org.id}/quota",
                       data={"daily_send_quota": typed})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'<p class="error" id="daily_send_quota-error">{message}</p>' in body
    assert f'value="{typed}"' in body  # what was typed stays in the field
    db.session.expire_all()
    assert db.session.get(Organization, shop.org.id).daily_send_quota == 7


def test_requesters_have_no_quota_to_set(client, tenants):
    login(client, tenants["assoc"])
    requester = tenants["r"]
    page = client.get(f"/association/organizations/{requester.id}").get_data(as_text=True)
    assert 'id="send-quota"' not in page
    resp = client.post(f"/association/organizations/{requester.id}/quota",
                       data={"daily_send_quota": "10"}, follow_redirects=True)
    assert "送信上限は代理人の組織にだけ設定できます" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organization, requester.id).daily_send_quota is None
