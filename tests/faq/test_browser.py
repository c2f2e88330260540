"""In Chromium: association staff publish an entry, the public finds it by live search."""

import re

import pytest
from playwright.sync_api import expect

from faq import services
from portal.extensions import db
from tests.conftest import PASSWORD


@pytest.mark.browser
def test_staff_publish_then_public_live_search(live_server, page, tenants):
    category = services.save_category(None, name="証明書")
    db.session.commit()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    base = live_server.url

    page.goto(f"{base}/login")
    page.fill("#login_id", tenants["assoc"].login_id)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r".*/dashboard"))
    page.goto(f"{base}/association/faq/new")
    page.select_option("#category_id", str(category.id))
    page.fill("#question", "電子証明書の期限が近いときは?")
    page.fill("#answer", "新しい**電子証明書**を早めに提出してください。")
    page.get_by_role("button", name="プレビュー").click()
    expect(page.locator(".preview strong")).to_have_text("電子証明書")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("保存しました")
    page.get_by_role("button", name="公開する").click()
    expect(page.locator(".flash-success")).to_contain_text("公開しました")

    page.context.clear_cookies()  # now an anonymous visitor
    page.goto(f"{base}/faq")
    page.evaluate("window.__sameDocument = true")
    page.locator("#faq-search-q").press_sequentially("ﾃﾞﾝｼ 期限", delay=40)
    page.locator("#faq-search-q").fill("")
    page.locator("#faq-search-q").press_sequentially("証明書 期限", delay=40)
    marks = page.locator("#faq-results .hit-title mark")
    expect(marks.first).to_have_text("証明書")
    expect(page.locator("#faq-results .hit-title")).to_have_text("電子証明書の期限が近いときは?")
    expect(page.locator("#faq-results .result-count")).to_contain_text("1 件")
    expect(page).to_have_url(re.compile(r"/faq\?q=%E8%A8%BC%E6%98%8E%E6%9B%B8"))
    assert page.evaluate("window.__sameDocument") is True  # updated in place by htmx
    page.locator("#faq-results .hit-title a").click()
    expect(page.locator(".faq-entry .answer strong")).to_have_text("電子証明書")
    assert not [p for p in problems if "Content Security Policy" in p], problems
