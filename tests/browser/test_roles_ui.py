"""In Chromium: each role logs in and sees its menu; htmx works under the CSP."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

MENUS = {
    "a_staff": (["ホーム", "申請データ作成"], ["ユーザー管理", "会員組織"]),
    "a_admin": (["ユーザー管理", "拠点管理", "一括利用者アカウント", "依頼人", "操作履歴"],
                ["申請データ作成", "会員組織"]),
    "r_admin": (["ユーザー管理", "拠点管理"], ["一括利用者アカウント", "申請データ作成"]),
    "assoc": (["会員組織", "変更等申込の審査", "システム状態"], ["ユーザー管理", "申請データ作成"]),
}


def _login(page, base, user):
    page.goto(f"{base}/login")
    page.get_by_label("ログインID").fill(user.login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(f"{base}/dashboard")


@pytest.mark.parametrize("who", list(MENUS))
def test_each_role_sees_its_menu(page, live_server, tenants, who):
    shown, hidden = MENUS[who]
    console = []
    page.on("console", lambda msg: console.append(msg.text))
    _login(page, live_server.url, tenants[who])
    nav = page.get_by_role("navigation", name="メインメニュー")
    for label in shown:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    for label in hidden:
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_text("ログアウトしました。")).to_be_visible()
    assert not [m for m in console if "Content Security Policy" in m]


def test_association_runs_the_oss_check_live(page, live_server, tenants):
    console = []
    page.on("console", lambda msg: console.append(msg.text))
    _login(page, live_server.url, tenants["assoc"])
    page.goto(f"{live_server.url}/association/system")
    assert page.evaluate("htmx.version").startswith("2.")
    page.get_by_role("button", name="接続確認を実行").click()
    # the worker cannot reach the (unset) OSS endpoints: the partial polls until terminal
    expect(page.locator("#oss-check-run .job-status")).to_have_text("エラー", timeout=15000)
    expect(page.locator("#oss-check-run")).not_to_have_attribute("hx-get", re.compile(".+"))
    assert not [m for m in console if "Content Security Policy" in m]


def test_login_error_is_shown_next_to_the_field(page, live_server, tenants):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("ログインID").fill(tenants["a_staff"].login_id)
    page.get_by_label("パスワード").fill("wrong")
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("#field-password .error")).to_have_text(
        "ログインIDまたはパスワードが正しくありません。")
    expect(page.get_by_label("ログインID")).to_have_value(tenants["a_staff"].login_id)


def test_layout_fits_narrow_screens(page, live_server, tenants):
    page.set_viewport_size({"width": 420, "height": 900})
    _login(page, live_server.url, tenants["a_admin"])
    page.goto(f"{live_server.url}/admin/users")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 420
    page.set_viewport_size({"width": 375, "height": 812})  # a phone: the public header
    page.goto(f"{live_server.url}/faq")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    heights = page.eval_on_selector_all(  # each link on one line, none broken mid-word
        ".public-links a", "els => els.map(e => e.getClientRects().length)")
    assert heights and set(heights) == {1}
