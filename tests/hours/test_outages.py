"""Planned outages announced as maintenance notices close sending."""

from portal.hours import check_send_window
from tests.timekeeping import jst


def test_sending_stops_during_an_announced_outage(app, outage):
    notice = outage(jst(2026, 6, 10, 12, 0), jst(2026, 6, 10, 14, 0), title="システム更新")
    assert check_send_window(jst(2026, 6, 10, 11, 59, 59)).open
    during = check_send_window(jst(2026, 6, 10, 12, 0))
    assert not during.open
    assert during.reason == ("メンテナンスのため送信を停止しています"
                             "(2026-06-10 12:00〜2026-06-10 14:00、システム更新)。")
    assert during.next_opening == jst(2026, 6, 10, 14, 0)
    assert check_send_window(jst(2026, 6, 10, 14, 0)).open
    assert notice.id


def test_outage_running_past_closing_opens_next_morning(app, outage):
    outage(jst(2026, 6, 10, 21, 0), jst(2026, 6, 10, 23, 30))
    assert check_send_window(jst(2026, 6, 10, 21, 30)).next_opening == jst(2026, 6, 11, 7, 0)


def test_outage_over_the_opening_moves_it(app, outage):
    outage(jst(2027, 1, 4, 6, 0), jst(2027, 1, 4, 9, 0))
    window = check_send_window(jst(2027, 1, 3, 23, 0))
    assert "年末年始" in window.reason
    assert window.next_opening == jst(2027, 1, 4, 9, 0)


def test_back_to_back_outages(app, outage):
    outage(jst(2026, 6, 10, 12, 0), jst(2026, 6, 10, 13, 0), title="前半")
    outage(jst(2026, 6, 10, 13, 0), jst(2026, 6, 10, 14, 30), title="後半")
    window = check_send_window(jst(2026, 6, 10, 12, 30))
    assert "前半" in window.reason
    assert window.next_opening == jst(2026, 6, 10, 14, 30)


def test_unpublished_outage_does_not_close(app, outage):
    outage(jst(2026, 6, 10, 12, 0), jst(2026, 6, 10, 14, 0), published=False)
    assert check_send_window(jst(2026, 6, 10, 13, 0)).open


def test_hours_page_shows_state_and_outages(app, client, outage, set_clock):
    outage(jst(2026, 6, 11, 1, 0), jst(2026, 6, 11, 8, 0), title="夜間メンテナンス")
    set_clock(jst(2026, 6, 10, 22, 30))
    body = client.get("/hours").get_data(as_text=True)
    assert "送信の受付時間外です" in body
    assert "2026年6月11日(木) 8:00" in body  # the outage pushes the opening past 7:00
    assert "夜間メンテナンス" in body
    set_clock(jst(2026, 6, 11, 9, 0))
    assert "ただいま送信を受け付けています" in client.get("/hours").get_data(as_text=True)
