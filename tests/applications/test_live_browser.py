"""Chromium watches rows and the status part follow the database live, then stop polling."""

import re
import time

import pytest
from playwright.sync_api import expect

from portal.models import ApplicationState as S
from tests.applications.filed import filed
from tests.applications.filed import flag_items
from tests.applications.filed import move
from tests.applications.test_browser import log_in

pytestmark = pytest.mark.browser
WAIT = 12_000  # ms: a few poll periods


def test_rows_update_live_with_one_poll_per_page_and_stop(live_server, page, tenants):
    user = tenants["a_staff"]
    sending = filed(user, "iten", S.SENDING)
    review = filed(user, "henko", S.UNDER_REVIEW, oss_status="審査中")
    draft = filed(user, "iten", S.DRAFT)
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/applications/rows" in r.url else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url)
            if r.status >= 400 and "favicon" not in r.url else None)

    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/applications")
    row = page.locator(f"#application-{sending.id}")
    expect(row.locator("td.state")).to_have_text("送信中")

    move(sending, S.RECEPTION_REVIEW, oss_status="受付審査中", receipt_number="20261120101",
         flags={"message": {"items": flag_items("受付のお知らせ")}})
    expect(row.locator("td.state")).to_have_text("受付審査中", timeout=WAIT)
    expect(row.locator("td.oss-status")).to_have_text("受付審査中")
    expect(row.locator(".flag-on")).to_have_text("有")
    expect(row).to_contain_text("20261120101")
    # One request per poll for the whole page (both live rows), never one per row.
    assert polls and all(f"ids={sending.id},{review.id}&" in url for url in polls)

    move(sending, S.COMPLETED, oss_status="手続完了")
    move(review, S.REJECTED, oss_status="却下")
    expect(row.locator("td.state")).to_have_text("手続完了", timeout=WAIT)
    expect(page.locator(f"#application-{review.id} td.state")).to_have_text("却下", timeout=WAIT)
    expect(page.locator("#rows-poller")).not_to_have_attribute("hx-trigger", re.compile(".*"))
    settled = len(polls)
    time.sleep(7)  # more than two poll periods
    assert len(polls) == settled, "polling went on after every row was terminal"
    expect(page.locator(f"#application-{draft.id} td.state")).to_have_text("作成中")
    assert not failed


def test_status_part_updates_live_and_stops(live_server, page, tenants):
    user = tenants["a_staff"]
    app = filed(user, "iten", S.UNDER_REVIEW, oss_status="審査中")
    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/applications/{app.id}")
    expect(page.locator("#app-oss-status")).to_contain_text("審査中")
    move(app, S.PAYMENT_PENDING, oss_status="納付待ち",
         flags={"message": {"items": flag_items("納付のご案内")}})
    expect(page.locator("#app-oss-status")).to_contain_text("納付待ち", timeout=WAIT)
    expect(page.locator("#flag-message")).to_contain_text("納付のご案内の本文です。")
    move(app, S.COMPLETED, oss_status="手続完了")
    expect(page.locator("#app-state")).to_have_text("手続完了", timeout=WAIT)
    part = page.locator(f"#application-{app.id}-status")
    expect(part).not_to_have_attribute("hx-trigger", re.compile(".*"))
