"""Chromium: on 受付番号リストの作成, a group's header checkbox ticks every candidate of that
一括利用者ID (a list holds one account's applications) and none of another's; Enter in the
name field makes a list of the selection."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_header_checkbox_selects_one_accounts_candidates(app, tenants, flow, live_server, page):
    office = flow.office(tenants["a"])
    staff = tenants["a_staff"]
    other = flow.second_account(office)
    first, second = (flow.until(flow.file(office, staff), "受付審査中") for _ in range(2))
    apart = flow.until(flow.file(office, staff, account=other), "受付審査中")
    page.goto(f"{live_server.url}/login")
    page.fill("#login_id", staff.login_id)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r".*/dashboard"))
    page.goto(f"{live_server.url}/receipts/new")
    expect(page).to_have_title("受付番号リストの作成 | ossdesk")

    bulk_user_id = office.accounts["mlit"].bulk_user_id
    page.get_by_label(f"一括利用者ID {bulk_user_id} をすべて選択").check()
    expect(page.locator(f"#pick-{first.id}")).to_be_checked()
    expect(page.locator(f"#pick-{second.id}")).to_be_checked()
    expect(page.locator(f"#pick-{apart.id}")).not_to_be_checked()
    page.fill("#name", "午前分")
    page.press("#name", "Enter")  # the form's first button: the selection, not a whole group
    expect(page.locator("#flash")).to_contain_text("受付番号リスト(No.")
    expect(page.locator("#flash")).to_contain_text("、2件)を作成しました")
    expect(page.locator("body")).to_contain_text(first.receipt_number)
    expect(page.locator("body")).to_contain_text(second.receipt_number)
    expect(page.locator("body")).not_to_contain_text(apart.receipt_number)

    page.goto(f"{live_server.url}/receipts/new")  # what is left: the other account's one
    page.get_by_label(f"一括利用者ID {other.bulk_user_id} をすべて選択").check()
    expect(page.locator(f"#pick-{apart.id}")).to_be_checked()
    page.get_by_label(f"一括利用者ID {other.bulk_user_id} をすべて選択").uncheck()
    expect(page.locator(f"#pick-{apart.id}")).not_to_be_checked()
