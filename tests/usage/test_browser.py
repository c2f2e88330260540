"""In Chromium: the usage graph, hours, 予約送信 and statements pages render under the CSP."""

import re

import pytest
from playwright.sync_api import expect

from portal.billing.close import run_close
from portal.extensions import db
from portal.hours.scheduled import enqueue
from portal.hours.scheduled import schedule_send
from portal.models import Backend
from tests.billing.helpers import bill
from tests.conftest import PASSWORD
from tests.timekeeping import jst


def _watch(page) -> list[str]:
    problems: list[str] = []

    def console(msg):
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            problems.append(msg.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def _login(page, base, user):
    page.goto(f"{base}/login")
    page.fill("#login_id", user.login_id)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r".*/dashboard"))  # signed in before the next page is asked for


@pytest.mark.browser
def test_usage_graph_renders(live_server, page, tenants, make_application, set_clock):
    for day in (3, 4, 5):
        bill(make_application, tenants["a"], jst(2026, 5, day, 10, 0))
    bill(make_application, tenants["b"], jst(2026, 6, 1, 10, 0), procedure="kei_keizoku",
         backend=Backend.KEI)
    set_clock(jst(2026, 6, 15, 12, 0))
    problems = _watch(page)
    page.goto(f"{live_server.url}/usage")
    expect(page.get_by_role("heading", name="利用件数グラフ")).to_be_visible()
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 300
    bars = page.locator("svg.chart rect.bar")
    expect(bars).to_have_count(2)
    mlit = page.locator("svg.chart rect.bar-mlit").bounding_box()
    kei = page.locator("svg.chart rect.bar-kei").bounding_box()
    assert mlit["height"] > 0 and mlit["height"] == pytest.approx(3 * kei["height"], rel=0.05)
    fill = page.locator("svg.chart rect.bar-mlit").evaluate("e => getComputedStyle(e).fill")
    assert fill == "rgb(47, 111, 179)"  # the stylesheet applied: no inline style needed
    expect(page.locator("#usage-table tbody tr")).to_have_count(12)
    expect(page.locator("#usage-table tfoot")).to_contain_text("4")
    assert problems == []

    _login(page, live_server.url, tenants["a_admin"])
    page.get_by_role("link", name="利用件数", exact=True).click()
    expect(page.locator("svg.chart rect.bar")).to_have_count(1)
    assert problems == []


@pytest.mark.browser
def test_hours_and_scheduled_sends(live_server, page, tenants, make_application, set_clock,
                                   outage):
    outage(jst(2026, 6, 11, 6, 0), jst(2026, 6, 11, 8, 30), title="定期保守")
    first = make_application(tenants["a"])
    second = make_application(tenants["a"])
    set_clock(jst(2026, 6, 10, 22, 30), frozen=False)
    rows = [schedule_send(tenants["a_staff"], [first.id]),
            schedule_send(tenants["a_staff"], [second.id])]
    db.session.commit()
    for row in rows:
        enqueue(row)
    problems = _watch(page)
    page.goto(f"{live_server.url}/hours")
    expect(page.locator("#send-window")).to_contain_text("送信の受付時間外です")
    expect(page.locator("#send-window")).to_contain_text("2026年6月11日(木) 8:30")
    _login(page, live_server.url, tenants["a_staff"])
    page.get_by_role("link", name="予約送信").click()
    table = page.locator("#scheduled-sends")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("2026年6月11日(木) 8:30")
    table.locator(f"#scheduled-{rows[0].id}").get_by_role("button", name="取り消す").click()
    expect(page.locator(".flash-success")).to_have_text("予約送信を取り消しました。")
    expect(page.locator(f"#scheduled-{rows[0].id}")).to_contain_text("取消済")
    expect(page.locator(f"#scheduled-{rows[1].id}")).to_contain_text("予約中")
    assert problems == []


@pytest.mark.browser
def test_admin_statement_downloads_and_print(live_server, page, tenants, make_application,
                                             set_clock):
    bill(make_application, tenants["a"], jst(2026, 1, 31, 23, 59, 59), receipt="R-LAST")
    set_clock(jst(2026, 2, 1, 0, 5))
    run_close()
    problems = _watch(page)
    _login(page, live_server.url, tenants["a_admin"])
    page.get_by_role("link", name="利用料金明細").click()
    page.get_by_role("link", name="2026年1月").click()
    expect(page.locator(".statement-lines")).to_contain_text("R-LAST")
    expect(page.locator(".statement-summary")).to_contain_text("2026年2月27日(金)")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSVでダウンロード").click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excelでダウンロード").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    page.get_by_role("link", name="印刷用画面").click()
    expect(page.get_by_role("button", name="印刷する")).to_be_visible()
    assert problems == []
