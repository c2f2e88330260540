"""Public FAQ and notices pages: listing, search, htmx fragments, escaping."""

from datetime import timedelta

from faq import services
from faq.models import NoticeKind
from portal.extensions import db
from portal.models.base import utcnow


def test_faq_lists_published_entries_without_login(client, faq_entries):
    body = client.get("/faq").get_data(as_text=True)
    assert "電子証明書の有効期限が切れそうです。" in body
    assert "非公開の質問です。" not in body
    assert "<strong>再設定</strong>" in body  # answers are rendered Markdown


def test_search_by_plain_get_form(client, faq_entries):
    resp = client.get("/faq", query_string={"q": "電子証明書"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" in body
    assert "<mark>電子証明書</mark>の有効期限が切れそうです。" in body
    assert "一致する質問: <strong>1</strong> 件" in body
    assert f'href="/faq/{faq_entries["certificate"].id}"' in body


def test_htmx_request_gets_only_the_results(client, faq_entries):
    resp = client.get("/faq?q=電子証明書", headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<div id="faq-results"')
    assert "HX-Request" in resp.headers["Vary"]
    restore = client.get("/faq?q=電子証明書", headers={"HX-Request": "true",
                                                        "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_search_form_is_live_and_pushes_the_url(client, faq_entries):
    body = client.get("/faq").get_data(as_text=True)
    assert 'hx-get="/faq"' in body and 'hx-push-url="true"' in body
    assert 'hx-trigger="input delay:300ms, submit"' in body
    assert 'method="get" action="/faq"' in body  # works without JavaScript


def test_category_filter_and_unknown_category(client, faq_entries):
    kei = faq_entries["kei_fee"].category_id
    body = client.get(f"/faq?category={kei}").get_data(as_text=True)
    assert "軽の検査手数料の払い方は?" in body and "電子証明書の有効期限" not in body
    assert "電子証明書の有効期限" in client.get("/faq?category=99999").get_data(as_text=True)


def test_entry_page_and_unpublished_404(client, faq_entries):
    assert client.get(f"/faq/{faq_entries['certificate'].id}").status_code == 200
    assert client.get(f"/faq/{faq_entries['hidden'].id}").status_code == 404
    assert client.get("/faq?q=非公開").get_data(as_text=True).count("非公開の質問") == 0


def test_user_text_is_escaped_everywhere(client, app):
    category = services.save_category(None, name="<i>カテゴリ</i>")
    entry = services.save_entry(None, category_id=category.id,
                                question="<script>alert(1)</script>の質問",
                                answer='<img src=x onerror="alert(1)"> 答え')
    services.set_published(entry, True)
    db.session.commit()
    for url in ("/faq", "/faq?q=script", f"/faq/{entry.id}", "/faq?q=<b>x</b>"):
        body = client.get(url).get_data(as_text=True)
        for raw in ("<script>alert", "<img src=x", "<i>カテゴリ", "<b>x</b>"):
            assert raw not in body, (url, raw)
    found = client.get("/faq?q=script").get_data(as_text=True)
    assert "&lt;<mark>script</mark>&gt;alert(1)" in found


def test_notices_page_search_and_detail(client, make_notice):
    now = utcnow()
    shown = make_notice("年末年始の休止", "12月29日から休止します。", kind=NoticeKind.IMPORTANT)
    gone = make_notice("古いお知らせ", "休止", publish_until=now - timedelta(minutes=1))
    body = client.get("/notices").get_data(as_text=True)
    assert "年末年始の休止" in body and "古いお知らせ" not in body
    found = client.get("/notices?q=休止&kind=important").get_data(as_text=True)
    assert "年末年始の<mark>休止</mark>" in found
    assert client.get(f"/notices/{shown.id}").status_code == 200
    assert client.get(f"/notices/{gone.id}").status_code == 404
    fragment = client.get("/notices?q=休止", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="notice-results"')


def test_header_links_to_faq_and_notices(client):
    body = client.get("/login").get_data(as_text=True)
    assert 'href="/faq"' in body and 'href="/notices"' in body
