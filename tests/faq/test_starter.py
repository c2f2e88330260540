"""The starter FAQ: five categories, loaded once, staff edits kept."""

import sqlalchemy as sa

from faq import search
from faq import starter_data
from faq.models import FaqCategory
from faq.models import FaqEntry
from faq.starter import seed_if_empty
from faq.starter import seed_starter_faq
from portal.extensions import db


def test_seed_loads_five_categories_and_every_entry(app):
    counts = seed_starter_faq()
    db.session.commit()
    assert counts["added"] == len(starter_data.ENTRIES)
    names = db.session.scalars(sa.select(FaqCategory.name).order_by(FaqCategory.sort_order)).all()
    assert names == list(starter_data.CATEGORIES) and len(names) == 5
    assert db.session.scalar(sa.select(sa.func.count()).where(FaqEntry.published.is_(False))) == 0


def test_seed_covers_the_facts_users_ask_about(app):
    seed_starter_faq()
    for query, expected in [("料金", "45円"), ("利用できる時間", "22時"), ("年末年始", "12月29日"),
                            ("だれが", "行政書士"), ("申請できない", "還付"),
                            ("マイナンバーカード", "使えません"), ("受付審査中", "受付番号リスト"),
                            ("軽証明書等管理業者名", "届け出"), ("ステータス", "補正要求"),
                            ("支払い", "27日")]:
        hits = search.search(search.FAQ, query).hits
        assert hits, query
        assert expected in hits[0].item.answer, (query, hits[0].item.question)


def test_second_seed_adds_nothing_and_keeps_edits(app):
    seed_starter_faq()
    entry = db.session.scalar(sa.select(FaqEntry).order_by(FaqEntry.id))
    entry.answer = "協会が書き換えた回答"
    entry.published = False
    db.session.commit()
    counts = seed_starter_faq()
    assert counts["added"] == 0 and counts["updated"] == 0
    db.session.refresh(entry)
    assert entry.answer == "協会が書き換えた回答" and entry.published is False


def test_seed_demo_fills_only_an_empty_faq(app):
    assert seed_if_empty()["added"] == len(starter_data.ENTRIES)
    assert seed_if_empty() is None


def test_cli_seed(app):
    result = app.test_cli_runner().invoke(args=["faq", "seed"])
    assert f"追加 {len(starter_data.ENTRIES)} 件" in result.output
    result = app.test_cli_runner().invoke(args=["faq", "reindex"])
    assert f"{len(starter_data.ENTRIES)} 件を再索引しました。" in result.output
