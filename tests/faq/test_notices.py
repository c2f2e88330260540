"""Current notices on dashboards, the outage banner and the outage windows."""

from datetime import datetime
from datetime import timedelta

from faq.models import NoticeKind
from faq.notices import announced_outage
from faq.notices import current_notices
from faq.notices import outages_between
from portal.models.base import utcnow
from tests.conftest import login

MAINT = NoticeKind.MAINTENANCE


def test_current_notices_important_first_and_within_the_window(app, make_notice):
    now = utcnow()
    info = make_notice("お知らせ", kind=NoticeKind.INFO)
    important = make_notice("重要なお知らせ", kind=NoticeKind.IMPORTANT,
                            publish_from=now - timedelta(days=3))
    make_notice("掲載前", publish_from=now + timedelta(hours=1))
    make_notice("掲載終了", publish_until=now - timedelta(hours=1))
    make_notice("下書き", published=False)
    assert [n.id for n in current_notices()] == [important.id, info.id]


def test_dashboard_shows_current_notices(client, tenants, make_notice):
    make_notice("年末年始の休止について", kind=NoticeKind.IMPORTANT)
    make_notice("下書きの件名", published=False)
    login(client, tenants["a_staff"])
    body = client.get("/dashboard").get_data(as_text=True)
    assert "年末年始の休止について" in body and "下書きの件名" not in body


def test_banner_announces_an_outage_before_and_during_it(client, make_notice):
    now = utcnow()
    notice = make_notice("定期メンテナンス", kind=MAINT, outage_start=now + timedelta(days=2),
                         outage_end=now + timedelta(days=2, hours=4))
    body = client.get("/faq").get_data(as_text=True)
    assert "メンテナンスによる停止予定があります" in body
    assert f'href="/notices/{notice.id}"' in body
    assert announced_outage(now + timedelta(days=2, hours=1)).ongoing is False  # uses real now
    assert announced_outage(now + timedelta(days=3)) is None


def test_banner_says_ongoing_during_the_outage(client, make_notice):
    now = utcnow()
    make_notice("緊急メンテナンス", kind=MAINT, outage_start=now - timedelta(minutes=5),
                outage_end=now + timedelta(hours=1))
    assert "ただいまメンテナンスのため停止しています" in client.get("/login").get_data(as_text=True)


def test_no_banner_for_drafts_or_past_outages(client, make_notice):
    now = utcnow()
    make_notice("下書き", kind=MAINT, published=False, outage_start=now + timedelta(days=1),
                outage_end=now + timedelta(days=1, hours=1))
    make_notice("終わった停止", kind=MAINT, outage_start=now - timedelta(hours=3),
                outage_end=now - timedelta(hours=1))
    assert "outage-banner" not in client.get("/login").get_data(as_text=True)


def test_outages_between_returns_published_maintenance_windows(app, make_notice):
    def at(day, hour=0):
        return datetime(2026, 12, day, hour)

    first = make_notice("停止1", kind=MAINT, outage_start=at(10, 1), outage_end=at(10, 5))
    second = make_notice("停止2", kind=MAINT, outage_start=at(20, 22), outage_end=at(21, 2),
                         publish_until=utcnow() - timedelta(minutes=1))  # no longer on display
    make_notice("下書き", kind=MAINT, published=False, outage_start=at(12), outage_end=at(13))
    make_notice("お知らせ", kind=NoticeKind.INFO)
    windows = outages_between(at(1), at(31))
    assert [(o.notice_id, o.start, o.end) for o in windows] == [
        (first.id, at(10, 1), at(10, 5)), (second.id, at(20, 22), at(21, 2))]
    assert [o.notice_id for o in outages_between(at(10, 5), at(20, 22))] == []  # ends exclusive
    assert [o.notice_id for o in outages_between(at(21, 1), at(22))] == [second.id]


def test_the_banner_follows_the_portal_clock(app, client, make_notice):
    """Service hours, billing and the banner read one moment: a demo started at another
    moment (OSSDESK_CLOCK_START) announces that moment's outages, not today's."""
    from portal import clock

    now = utcnow()
    make_notice("過ぎた停止", kind=MAINT, outage_start=now - timedelta(days=3),
                outage_end=now - timedelta(days=3) + timedelta(hours=2),
                publish_from=now - timedelta(days=10))
    assert "outage-banner" not in client.get("/login").get_data(as_text=True)
    clock.set_now(clock.as_utc(now - timedelta(days=3, hours=-1)), app=app)  # inside it
    try:
        assert "ただいまメンテナンスのため停止しています" in client.get("/login").get_data(
            as_text=True)
    finally:
        clock.reset(app)
