"""Association staff write, preview, publish and unpublish; nobody else may."""

import re

import pytest
import sqlalchemy as sa

from faq import services
from faq.models import FaqEntry
from faq.models import Notice
from portal.extensions import db
from portal.models import AuditEvent
from tests.conftest import PASSWORD
from tests.conftest import login
from tests.conftest import make_app

MANAGE_GET = ["/association/faq", "/association/faq/new", "/association/faq/categories",
              "/association/notices", "/association/notices/new"]


@pytest.mark.parametrize("path", MANAGE_GET)
def test_only_association_staff_may_manage(client, tenants, path):
    assert client.get(path).status_code == 302  # anonymous: to the login page
    for who in ("a_admin", "a_staff", "r_admin"):
        with client.session_transaction() as sess:
            sess.clear()
        login(client, tenants[who])
        assert client.get(path).status_code == 403
    with client.session_transaction() as sess:
        sess.clear()
    login(client, tenants["assoc"])
    assert client.get(path).status_code == 200


def test_publish_endpoints_refuse_other_roles(client, tenants, faq_entries):
    login(client, tenants["a_admin"])
    entry = faq_entries["hidden"]
    resp = client.post(f"/association/faq/{entry.id}/published", data={"published": "1"})
    assert resp.status_code == 403
    db.session.rollback()
    assert entry.published is False


def test_nav_shows_management_to_association_only(client, tenants):
    login(client, tenants["assoc"])
    body = client.get("/dashboard").get_data(as_text=True)
    assert "FAQ管理" in body and "お知らせ管理" in body
    with client.session_transaction() as sess:
        sess.clear()
    login(client, tenants["a_staff"])
    assert "FAQ管理" not in client.get("/dashboard").get_data(as_text=True)


def test_faq_preview_publish_unpublish_flow(client, tenants):
    category = services.save_category(None, name="全般")
    db.session.commit()
    login(client, tenants["assoc"])
    form = {"category_id": category.id, "question": "新しい質問ですか?",
            "answer": "はい、**新しい**回答です。", "keywords": "テスト", "sort_order": "5"}
    preview = client.post("/association/faq/new", data={**form, "action": "preview"})
    body = preview.get_data(as_text=True)
    assert "プレビュー" in body and "<strong>新しい</strong>" in body
    assert 'value="新しい質問ですか?"' in body  # the form keeps what was typed
    assert db.session.scalar(sa.select(sa.func.count(FaqEntry.id))) == 0

    assert client.post("/association/faq/new", data={**form, "action": "save"}).status_code == 302
    db.session.rollback()  # end the test's read snapshot to see what the request wrote
    entry = db.session.scalar(sa.select(FaqEntry))
    assert entry.published is False and entry.sort_order == 5
    hidden = client.get("/faq?q=新しい質問").get_data(as_text=True)
    assert "一致する質問: <strong>0</strong> 件" in hidden
    assert client.get(f"/faq/{entry.id}").status_code == 404

    client.post(f"/association/faq/{entry.id}/published", data={"published": "1"})
    found = client.get("/faq?q=新しい質問").get_data(as_text=True)
    assert "<mark>新しい質問</mark>ですか?" in found
    assert client.get(f"/faq/{entry.id}").status_code == 200

    client.post(f"/association/faq/{entry.id}/published", data={"published": "0"})
    assert client.get(f"/faq/{entry.id}").status_code == 404
    db.session.rollback()
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["faq_entry_saved", "faq_entry_published", "faq_entry_unpublished"]


def test_faq_edit_errors_stay_next_to_the_field(client, tenants, faq_entries):
    login(client, tenants["assoc"])
    entry = faq_entries["password"]
    other = faq_entries["receipt"]
    resp = client.post(f"/association/faq/{entry.id}/edit", data={
        "category_id": other.category_id, "question": "ｏｓｓの受付番号はどこで分かりますか。",
        "answer": "別の答え", "action": "save"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "このカテゴリには同じ質問が既にあります。" in body
    assert "別の答え" in body
    empty = client.post("/association/faq/new", data={"category_id": other.category_id,
                                                      "question": "", "answer": "",
                                                      "action": "save"})
    assert empty.get_data(as_text=True).count("入力してください。") == 2


def test_categories_create_rename_and_duplicate(client, tenants):
    login(client, tenants["assoc"])
    assert client.post("/association/faq/categories", data={"name": "全般", "sort_order": "1"}
                       ).status_code == 302
    dup = client.post("/association/faq/categories", data={"name": "全般 ", "sort_order": "2"})
    assert "同じ名前のカテゴリが既にあります。" in dup.get_data(as_text=True)


def test_a_blank_display_order_is_allowed(client, tenants):
    login(client, tenants["assoc"])
    assert client.post("/association/faq/categories", data={"name": "空欄", "sort_order": ""}
                       ).status_code == 302


@pytest.mark.parametrize("order", ["-5", "abc", "1.5"])
def test_a_bad_display_order_is_explained_once_in_japanese(client, tenants, order):
    login(client, tenants["assoc"])
    page = client.post("/association/faq/categories", data={"name": "順序", "sort_order": order}
                       ).get_data(as_text=True)
    assert page.count("表示順は0〜100000の数値で入力してください。") == 1
    assert "無効な整数" not in page and "Not a valid" not in page


def _notice_form(**overrides):
    form = {"kind": "maintenance", "title": "定期メンテナンス", "body": "システムを停止します。",
            "publish_from": "2026-01-05T09:00", "publish_until": "",
            "outage_start": "2026-01-10T01:00", "outage_end": "2026-01-10T05:00",
            "action": "save"}
    return {**form, **overrides}


def test_notice_rules_are_shown_on_their_fields(client, tenants):
    login(client, tenants["assoc"])
    cases = [
        ({"outage_start": "", "outage_end": ""}, "メンテナンスの停止開始日時を入力してください。"),
        ({"outage_end": "2026-01-10T00:00"}, "停止終了は停止開始より後の日時にしてください。"),
        ({"kind": "info"}, "停止期間はメンテナンスのお知らせにだけ設定できます。"),
        ({"publish_until": "2026-01-01T00:00"}, "掲載終了は掲載開始より後の日時にしてください。"),
        ({"publish_from": "2026/01/05"}, "日時は「2026-01-31T09:00」の形式で入力してください。"),
        ({"publish_from": ""}, "入力してください。"),
    ]
    for change, message in cases:
        body = client.post("/association/notices/new", data=_notice_form(**change)
                           ).get_data(as_text=True)
        assert message in body, change
        assert "定期メンテナンス" in body
    assert db.session.scalar(sa.select(sa.func.count(Notice.id))) == 0


def test_notice_times_are_entered_in_japan_time(client, tenants):
    login(client, tenants["assoc"])
    assert client.post("/association/notices/new", data=_notice_form()).status_code == 302
    db.session.rollback()
    notice = db.session.scalar(sa.select(Notice))
    assert notice.outage_start.isoformat() == "2026-01-09T16:00:00"  # 01:00 JST
    assert notice.published is False
    edit = client.get(f"/association/notices/{notice.id}/edit").get_data(as_text=True)
    assert 'value="2026-01-10T01:00"' in edit
    preview = client.post(f"/association/notices/{notice.id}/edit",
                          data=_notice_form(body="**変更後**", action="preview"))
    assert "<strong>変更後</strong>" in preview.get_data(as_text=True)
    db.session.rollback()
    assert notice.body == "システムを停止します。"
    client.post(f"/association/notices/{notice.id}/published", data={"published": "1"})
    db.session.rollback()
    assert notice.published is True


def _token(body: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)


def test_csrf_is_required_when_enabled(app, sqlite_url, tenants):
    guarded = make_app({"WTF_CSRF_ENABLED": True, "SQLALCHEMY_DATABASE_URI": sqlite_url})
    client = guarded.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"login_id": tenants["assoc"].login_id,
                                       "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302
    page = client.get("/association/faq/categories").get_data(as_text=True)
    assert client.post("/association/faq/categories", data={"name": "x"}).status_code == 400
    assert client.post("/association/faq/categories",
                       data={"name": "x", "csrf_token": _token(page)}).status_code == 302
    db.session.rollback()
    assert db.session.scalar(sa.text("SELECT count(*) FROM faq_category")) == 1
