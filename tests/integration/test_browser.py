"""In Chromium, with the pipeline: a send at 6:59 is refused, scheduled, and sent at 7:00."""

import re

import pytest
from playwright.sync_api import expect

from tests.pipeline.conftest import point_at
from tests.pipeline.office import PASSWORD
from tests.timekeeping import jst


@pytest.mark.browser
def test_refused_send_is_scheduled_and_carried_out(live_server, page, app, office, sim,
                                                    set_clock):
    point_at(app, sim)
    shop = office(app)
    ids = shop.ready(2)
    set_clock(jst(2026, 6, 11, 6, 59, 45), frozen=False)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    base = live_server.url
    page.goto(f"{base}/login")
    page.fill("#login_id", shop.staff.login_id)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r".*/dashboard"))
    page.goto(f"{base}/submissions/")
    for app_id in ids:
        page.check(f"#send-{app_id}")
    page.get_by_role("button", name="選択した申請データを送信").click()
    refusal = page.locator("#send-refused")
    expect(refusal).to_contain_text("送信の受付時間外です")
    expect(refusal.locator(".next-opening")).to_have_text("2026年6月11日(木) 7:00")
    page.get_by_role("button", name=re.compile("7:00に予約送信する")).click()
    expect(page.locator(".flash-success")).to_contain_text("2件を2026年6月11日(木) 7:00に予約送信します")
    row = page.locator("#scheduled-sends tbody tr").first
    expect(row).to_contain_text("予約中")
    for _ in range(60):  # the embedded worker's scheduler runs it at 7:00 on the portal clock
        page.reload()
        if "送信開始済" in row.inner_text():
            break
        page.wait_for_timeout(500)
    expect(row).to_contain_text("送信開始済")
    row.get_by_role("link", name="送信状況を見る").click()
    expect(page).to_have_url(re.compile(r"/submissions/batches/\d+"))
    assert problems == []
