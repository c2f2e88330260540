"""Chromium: staff pick ready applications, send them, and watch the batch page fill in live
(one htmx poll for the page, stopping when every row is final)."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.pipeline.conftest import point_at

pytestmark = pytest.mark.browser


def test_send_and_watch_the_progress_live(app, office, sim, live_server, page):
    point_at(app, sim, PIPELINE_TICK_SECONDS=0.5)
    shop = office(app)
    ids = shop.ready(3) + shop.ready(1, chassis="ZVW30-1239911")  # the last is refused by OSS
    requests_seen = []
    page.on("request", lambda r: requests_seen.append(r.url) if "/progress" in r.url else None)
    base = live_server.url
    page.goto(f"{base}/login")
    page.fill("#login_id", shop.staff.login_id)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r".*/dashboard"))
    page.get_by_role("link", name="申請データ送信").click()
    # The header box works through a deferred script: tick it once the page has loaded, not as
    # soon as the box is in the DOM (a fast click on a slow machine had nobody listening).
    page.wait_for_url(re.compile(r".*/submissions/$"), wait_until="load")
    page.get_by_label("すべて選択").check()
    for app_id in ids:
        expect(page.locator(f"#send-{app_id}")).to_be_checked()
    page.get_by_role("button", name="選択した申請データを送信").click()
    page.wait_for_url(re.compile(r".*/submissions/batches/\d+"))
    progress = page.locator("section.send-progress")
    expect(progress).to_have_attribute("data-finished", "true", timeout=20000)
    expect(progress).to_contain_text("送信済: 3件")
    expect(progress).to_contain_text("申請エラー: 1件")
    expect(page.locator("tr.state-failed")).to_contain_text("OSS-601")
    expect(page.locator("progress")).to_have_attribute("value", "4")
    polls = len(requests_seen)
    page.wait_for_timeout(2500)
    assert len(requests_seen) == polls  # it stopped polling once everything was final
