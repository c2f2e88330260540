"""FAQ test data built through the services, as staff would."""

from datetime import timedelta

import pytest

from faq import services
from faq.models import NoticeKind
from portal.extensions import db
from portal.models.base import utcnow

ENTRIES = {
    "inspection": ("申請", "継続検査はいつから申請できますか。",
                   "有効期間が満了する1か月前から申請できます。"),
    "parking": ("申請", "保管場所証明の申請先はどこですか。", "警察署へ電子で申請します。"),
    "seal": ("申請", "印鑑証明の有効期間は?", "発行から3か月以内のものを使います。"),
    "password": ("設定", "パスワードを忘れました。", "管理者が **再設定** します。"),
    "receipt": ("設定", "ＯＳＳの受付番号はどこで分かりますか。",
                "受付番号リストの一覧に表示されます。"),
    "certificate": ("設定", "電子証明書の有効期限が切れそうです。",
                    "新しい電子証明書を提出してください。受付は郵送のみです。"),
    "kei_fee": ("軽自動車", "軽の検査手数料の払い方は?", "まとめ払いで納めます。"),
    "payment": ("軽自動車", "納付の方法を教えてください。",
                "検査手数料はまとめ払い、重量税はダイレクト納付です。"
                "手数料の扱いに注意してください。"),
    "scattered": ("設定", "窓口で聞かれる番号は?", "番号の受付は窓口で行います。"),
    "english": ("設定", "Where is the data center?",
                "The data center is in Tokyo; center of data."),
    "percent": ("設定", "達成率の表示は?", "達成率100%で完了です。a_b と書きます。"),
    "hidden": ("設定", "非公開の質問です。", "電子証明書の話ですが、まだ公開していません。"),
}


@pytest.fixture
def faq_entries():
    """The entries above (all published except ``hidden``), by key."""
    categories = {}
    rows = {}
    for key, (category, question, answer) in ENTRIES.items():
        if category not in categories:
            categories[category] = services.save_category(None, name=category,
                                                          sort_order=len(categories))
        rows[key] = services.save_entry(None, category_id=categories[category].id,
                                        question=question, answer=answer)
        services.set_published(rows[key], key != "hidden")
    db.session.commit()
    return rows


@pytest.fixture
def make_notice():
    def _make(title="お知らせ", body="本文", kind=NoticeKind.INFO, published=True, **times):
        now = utcnow()
        times.setdefault("publish_from", now - timedelta(days=1))
        notice = services.save_notice(None, kind=kind, title=title, body=body, **times)
        services.set_published(notice, published)
        db.session.commit()
        return notice

    return _make
