"""Chromium fills and saves one registered and one kei form, with live checks on blur."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, base: str, user) -> None:
    page.goto(f"{base}/login")
    page.fill("#login_id", user.login_id)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r".*/dashboard"))


def saved(code: str) -> Application:
    db.session.rollback()
    return db.session.scalars(sa.select(Application).where(Application.procedure == code)).one()


def test_fill_and_save_registered_and_kei_forms(live_server, page, tenants):
    base = live_server.url
    log_in(page, base, tenants["a_staff"])

    # 移転登録 (registered vehicle): choose it from the procedure selector.
    page.goto(f"{base}/procedures")
    page.locator('li[data-code="iten"] a', has_text="移転登録").click()
    expect(page.locator("h1")).to_contain_text("移転登録")
    page.wait_for_load_state()  # the live checks are htmx (a deferred script): wait until it runs
    page.fill("#vehicle__reg_office", "品川")
    page.fill("#vehicle__reg_class", "300")
    page.fill("#vehicle__reg_kana", "さ")
    page.fill("#vehicle__reg_serial", "1234")
    page.fill("#vehicle__chassis_no", "zvw30-1234567")
    page.fill("#owner__name", "ﾔﾏﾀﾞ ﾀﾛｳ")
    page.locator("#owner__name_kana").focus()  # leaving the field checks it live
    expect(page.locator("#field-owner__name .error")).to_contain_text("全角にすると「ヤマダ　タロウ」")
    expect(page.locator("#field-vehicle__chassis_no .error")).to_contain_text("「ZVW30-1234567」")
    page.fill("#owner__name", "山田　太郎")
    page.fill("#vehicle__chassis_no", "ZVW30-1234567")
    page.locator("#owner__address1").focus()
    expect(page.locator("#field-owner__name .error")).to_have_count(0)
    page.select_option("#registration__cause", "inheritance")
    page.locator("#registration__cause_date").focus()
    expect(page.locator("#field-registration__cause .error")).to_contain_text("【移転登録の登録原因】")
    page.select_option("#registration__cause", "sale")
    page.fill("#owner__address1", "東京都千代田区霞が関二丁目１番３号")
    page.fill("#owner__address_code", "131010001")
    page.locator("#owner__chome").focus()
    page.locator("#owner__banchi").focus()
    expect(page.locator("#field-owner__chome .error")).to_contain_text("「丁目」欄にも入力してください")
    page.fill("#owner__chome", "2")
    page.fill("#owner__banchi", "1-3")
    expect(page.locator("#field-user__name")).to_be_visible()
    page.check("#user__same_as_owner")  # 使用者 = 所有者: its fields are not asked
    expect(page.locator("#field-user__name")).to_be_hidden()
    page.get_by_role("button", name="下書き保存").click()
    expect(page.locator("#flash")).to_contain_text("下書きを保存しました")
    app = saved("iten")
    assert app.state == ApplicationState.DRAFT
    assert app.payload["owner"]["name"] == "山田　太郎"
    assert app.payload["owner"]["chome"] == "2"
    assert app.payload["user"]["same_as_owner"] is True
    assert app.registration_no == "品川 300 さ 1234"

    # 継続検査 (kei): fill everything and mark it ready.
    page.goto(f"{base}/procedures")
    page.locator('li[data-code="kei_keizoku"] a', has_text="継続検査").click()
    expect(page.locator("h1")).to_contain_text("継続検査")
    expect(page.locator("h1")).to_contain_text("軽自動車")
    page.wait_for_load_state()
    page.fill("#vehicle__reg_office", "品川")
    page.fill("#vehicle__reg_class", "580")
    page.fill("#vehicle__reg_kana", "あ")
    page.fill("#vehicle__reg_serial", "12")
    page.fill("#vehicle__chassis_no", "HA36S-123456")
    page.select_option("#inspection__pickup", "office")
    page.select_option("#evidence__safety_cert", "paper")
    page.select_option("#evidence__jibaiseki", "electronic")
    page.get_by_role("button", name="入力チェックして申請準備完了にする").click()
    # the page the post answered with (the field's live check shows the same message at
    # once: waiting for it alone let a slow machine change the select on the old page)
    expect(page.locator("#flash")).to_contain_text("1件の問題があります")
    expect(page.locator("#field-evidence__safety_cert .error")).to_contain_text(
        "【保安基準適合証・自賠責の電子化】紙の保安基準適合証では")
    expect(page.locator("#vehicle__chassis_no")).to_have_value("HA36S-123456")
    page.select_option("#evidence__safety_cert", "electronic")
    page.get_by_role("button", name="入力チェックして申請準備完了にする").click()
    expect(page.locator("#app-state")).to_have_text("申請準備完了")
    kei = saved("kei_keizoku")
    assert kei.state == ApplicationState.READY and kei.backend.value == "kei"
