"""Search behaviour on the embedded default (SQLite FTS5) and on PostgreSQL."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from faq import search
from faq import services
from faq.models import FaqEntry
from faq.models import NoticeKind
from portal.extensions import db
from portal.models.base import utcnow


def found(query, **kw) -> list[int]:
    return [hit.item.id for hit in search.search(search.FAQ, query, **kw).hits]


def ids(entries, *keys) -> list[int]:
    return [entries[k].id for k in keys]


@pytest.mark.parametrize("query", ["oss", "ＯＳＳ", "Oss", "ｏｓｓ"])
def test_width_and_case(any_app, faq_entries, query):
    assert found(query) == ids(faq_entries, "receipt")


@pytest.mark.parametrize("query", ["パスワード", "ぱすわーど", "ﾊﾟｽﾜｰﾄﾞ", "パス"])
def test_kana_and_half_width_kana(any_app, faq_entries, query):
    assert found(query) == ids(faq_entries, "password")


@pytest.mark.parametrize("query, key, marked", [
    ("車検", "inspection", "継続検査"),
    ("車庫証明", "parking", "保管場所証明"),
    ("印鑑証明書", "seal", "印鑑証明"),
])
def test_synonyms(any_app, faq_entries, query, key, marked):
    results = search.search(search.FAQ, query)
    assert [h.item.id for h in results.hits] == ids(faq_entries, key)
    assert f"<mark>{marked}</mark>" in str(results.hits[0].title)


def test_one_and_two_character_queries(any_app, faq_entries):
    assert set(found("軽")) == set(ids(faq_entries, "kei_fee"))
    assert set(found("番号")) == set(ids(faq_entries, "receipt", "scattered"))
    assert set(found("郵送")) == set(ids(faq_entries, "certificate"))
    assert found("ab") == []  # "a_b" is not "ab"


def test_keywords_are_all_required(any_app, faq_entries):
    assert set(found("手数料")) == set(ids(faq_entries, "kei_fee", "payment"))
    assert found("手数料 重量税") == ids(faq_entries, "payment")
    assert found("手数料 存在しない語") == []
    assert found("軽 まとめ払い") == ids(faq_entries, "kei_fee")  # short and long terms mixed


def test_quoted_phrases(any_app, faq_entries):
    assert set(found("受付 番号")) == set(ids(faq_entries, "receipt", "scattered"))
    assert found('"受付番号"') == ids(faq_entries, "receipt")
    # Spaces next to Japanese characters do not count.
    assert found("「受付 番号」") == ids(faq_entries, "receipt")
    assert set(found("data center")) == set(ids(faq_entries, "english"))
    assert found('"center data"') == []
    assert found('"data center"') == ids(faq_entries, "english")


def test_title_matches_rank_first(any_app, faq_entries):
    results = search.search(search.FAQ, "手数料")
    assert [h.item.id for h in results.hits] == ids(faq_entries, "kei_fee", "payment")
    assert results.hits[0].score > results.hits[1].score


def test_hits_are_highlighted_and_show_a_snippet(any_app, faq_entries):
    hit = search.search(search.FAQ, "電子証明書").hits[0]
    assert str(hit.title) == "<mark>電子証明書</mark>の有効期限が切れそうです。"
    assert str(hit.snippet).startswith("新しい<mark>電子証明書</mark>を提出")
    assert "**" not in str(search.search(search.FAQ, "再設定").hits[0].snippet)


def test_unpublished_entries_are_found_only_for_staff(any_app, faq_entries):
    assert found("非公開") == []
    assert found("非公開", include_hidden=True) == ids(faq_entries, "hidden")


def test_category_filter(any_app, faq_entries):
    kei = faq_entries["kei_fee"].category_id
    assert set(found("手数料", facet=kei)) == set(ids(faq_entries, "kei_fee", "payment"))
    assert found("電子証明書", facet=kei) == []


def test_like_metacharacters_are_literal(any_app, faq_entries):
    assert found("100%") == ids(faq_entries, "percent")
    assert found("0%") == ids(faq_entries, "percent")
    assert found("a_b") == ids(faq_entries, "percent")
    assert found("%") == ids(faq_entries, "percent")
    for odd in ('"', "'", "\\", "*", "NEAR(", "a OR b", "--"):
        search.search(search.FAQ, odd)  # never an SQL or FTS syntax error


def test_paging_and_total(any_app, faq_entries):
    first = search.search(search.FAQ, "の", per_page=3)
    second = search.search(search.FAQ, "の", per_page=3, page=2)
    assert first.total == second.total > 3
    assert not {h.item.id for h in first.hits} & {h.item.id for h in second.hits}


def test_index_follows_edits_and_deletes(any_app, faq_entries):
    entry = faq_entries["parking"]
    services.save_entry(entry, category_id=entry.category_id, question=entry.question,
                        answer="交番ではなく警察署の窓口です。")
    db.session.commit()
    assert found("電子で申請") == []
    assert found("交番ではなく") == [entry.id]
    db.session.delete(faq_entries["kei_fee"])
    db.session.commit()
    assert found("検査手数料") == ids(faq_entries, "payment")
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text(
            "INSERT INTO faq_entry_fts(faq_entry_fts, rank) VALUES ('integrity-check', 1)"))


def test_rebuild_index(any_app, faq_entries):
    db.session.execute(sa.update(FaqEntry).values(search_text=""))
    db.session.commit()
    assert found("電子証明書") == []
    assert search.rebuild_index() == len(faq_entries)
    assert found("電子証明書") == ids(faq_entries, "certificate")


def test_notices_search_window_and_kind(any_app, make_notice):
    now = utcnow()
    current = make_notice("システム停止のお知らせ", "夜間にメンテナンスを行います。",
                          kind=NoticeKind.MAINTENANCE, outage_start=now + timedelta(days=2),
                          outage_end=now + timedelta(days=2, hours=3))
    make_notice("終了したメンテナンス", "メンテナンスは終わりました。",
                publish_until=now - timedelta(hours=1))
    make_notice("予定のメンテナンス", "メンテナンスの予告です。",
                publish_from=now + timedelta(days=1))
    make_notice("下書きのメンテナンス", "メンテナンス", published=False)
    info = make_notice("新機能", "メンテナンス画面を改善しました。")
    hits = search.search(search.NOTICES, "メンテナンス").hits
    assert sorted(h.item.id for h in hits) == sorted([current.id, info.id])
    kind_only = search.search(search.NOTICES, "メンテナンス", facet="maintenance").hits
    assert [h.item.id for h in kind_only] == [current.id]
