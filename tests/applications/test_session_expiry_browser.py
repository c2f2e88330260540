"""Chromium: a login that expires while a form is being typed loses nothing. Leaving a field
(a live check) says the login is gone instead of replacing the page; 下書き保存 is held back
and says the same; after logging in again in another tab, the same page saves what was typed."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Application
from portal.models import UserSession
from tests.applications.test_browser import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _expire_logins() -> None:
    db.session.rollback()  # this thread's open transaction ends before the delete
    db.session.execute(sa.delete(UserSession))  # as the idle limit does
    db.session.commit()


def test_an_expired_login_keeps_the_typed_form_and_saves_it_after_a_new_login(
        live_server, page, tenants):
    base, staff = live_server.url, tenants["a_staff"]
    log_in(page, base, staff)
    page.goto(f"{base}/applications/new?procedure=iten")
    page.fill("#vehicle__chassis_no", "ZVW30-7654321")
    page.fill("#owner__name", "山田　太郎")
    _expire_logins()

    page.locator("#owner__name_kana").focus()  # the live check of 所有者氏名 finds no login
    expect(page.locator("#session-expired")).to_be_visible()
    expect(page).to_have_url(re.compile(r".*/applications/new\?procedure=iten"))
    expect(page.locator("#owner__name")).to_have_value("山田　太郎")

    page.get_by_role("button", name="下書き保存").click()  # held back, still on the page
    expect(page.locator("#session-expired")).to_be_visible()
    expect(page.locator("#vehicle__chassis_no")).to_have_value("ZVW30-7654321")

    other = page.context.new_page()  # log in again in another tab
    other.goto(f"{base}/login")
    other.fill("#login_id", staff.login_id)
    other.fill("#password", PASSWORD)
    other.get_by_role("button", name="ログイン").click()
    other.wait_for_url(re.compile(r".*/dashboard"))
    other.close()

    page.bring_to_front()
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # headless: focus by hand
    expect(page.locator("#session-expired")).to_be_hidden()
    page.get_by_role("button", name="下書き保存").click()
    expect(page.locator("#flash")).to_contain_text("保存")
    db.session.rollback()
    saved = db.session.scalars(sa.select(Application)).one()
    assert saved.chassis_no == "ZVW30-7654321" and saved.owner_name == "山田　太郎"


def test_a_page_opened_by_one_user_never_posts_as_another(live_server, page, tenants):
    base, staff = live_server.url, tenants["a_staff"]
    log_in(page, base, staff)
    page.goto(f"{base}/applications/new?procedure=iten")
    page.fill("#vehicle__chassis_no", "ZVW30-1111111")

    other = page.context.new_page()  # the same browser, another user of another office
    other.goto(f"{base}/dashboard")
    other.get_by_role("button", name="ログアウト").click()
    other.wait_for_url(re.compile(r".*/login"))
    other.fill("#login_id", tenants["b_staff"].login_id)
    other.fill("#password", PASSWORD)
    other.get_by_role("button", name="ログイン").click()
    other.wait_for_url(re.compile(r".*/dashboard"))
    other.close()

    page.bring_to_front()
    page.get_by_role("button", name="下書き保存").click()
    expect(page.locator("#session-other-user")).to_be_visible()
    expect(page).to_have_url(re.compile(r".*/applications/new\?procedure=iten"))
    db.session.rollback()
    assert db.session.scalars(sa.select(Application)).all() == []
