"""Reading the association's FAQ export (text and HTML) and mirroring it."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from faq.importer import MAX_IMPORT_BYTES
from faq.importer import ImportFormatError
from faq.importer import parse_html
from faq.importer import parse_text
from faq.importer import read_file
from faq.models import FaqCategory
from faq.models import FaqEntry
from faq.services import upsert_entries
from portal.extensions import db

FIXTURES = Path(__file__).parent / "fixtures"
TEXT = FIXTURES / "faq_export.txt"
HTML = FIXTURES / "faq_page.html"


def test_text_export_structure():
    entries = parse_text(TEXT.read_text(encoding="utf-8"))
    assert [e.category for e in entries] == (
        ["はじめての方によくある質問"] * 2 + ["手続の設定に関する質問"] * 2)
    assert [e.question for e in entries] == [
        "サンプル窓口はだれが使えますか。", "使える時間帯は?", "パスワードを変えたいときは。",
        "ＯＳＳ画面が白いままです。"]
    assert entries[0].answer == "登録を済ませた事務所であれば使えます。\n詳しくは窓口へ。"
    assert entries[1].answer == (
        "平日の9時から17時までです。\n\n- 土曜日は休みです\n- 日曜日も休みです")
    assert entries[2].answer == (
        "### (代理人の方)\n\n管理者が画面から変更します。\n\n### (依頼人の方)\n\n"
        "申込書 \\<b\\>様式2\\</b\\> を \\*郵送\\* してください。")
    assert entries[3].answer == "1\\. 再読み込み\n\\# を押さないでください"


def test_html_page_gives_the_same_entries_as_the_text_export():
    from_html = parse_html(HTML.read_text(encoding="utf-8"))
    assert from_html == parse_text(TEXT.read_text(encoding="utf-8"))


def test_imported_markup_stays_text():
    from faq.markdown import render

    entries = parse_text(TEXT.read_text(encoding="utf-8"))
    html = str(render(entries[2].answer))
    assert "<h3>(代理人の方)</h3>" in html
    assert "&lt;b&gt;様式2&lt;/b&gt; を *郵送*" in html
    plain = str(render(entries[3].answer))
    assert "<ol>" not in plain and "<h3>#" not in plain


@pytest.mark.parametrize("payload", [
    '<!DOCTYPE html [<!ENTITY lol "lol">]><html><body><h2>&lol;</h2></body></html>',
    '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x">%p;]><h2>a</h2>',
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
    '<html><!ENTITY a "b"><h2>c</h2></html>',
])
def test_html_with_declarations_is_refused(payload):
    with pytest.raises(ImportFormatError, match="DTD"):
        parse_html(payload)


def test_oversized_and_empty_files_are_refused(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (MAX_IMPORT_BYTES + 1))
    with pytest.raises(ImportFormatError, match="大きすぎます"):
        read_file(big)
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body><p>なし</p></body></html>", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="見つかりません"):
        read_file(empty)


def test_question_before_any_heading_is_reported():
    with pytest.raises(ImportFormatError, match="1行目"):
        parse_text("  • 見出しのない質問\n    回答\n")


def test_shift_jis_export_is_read(tmp_path):
    path = tmp_path / "sjis.txt"
    # Shift_JIS has no "•"; such exports bullet their questions with "●".
    path.write_bytes(TEXT.read_text(encoding="utf-8").replace("•", "●").encode("cp932"))
    assert read_file(path) == read_file(TEXT)


def _snapshot():
    return db.session.execute(sa.select(
        FaqEntry.id, FaqCategory.name, FaqEntry.question, FaqEntry.answer, FaqEntry.sort_order,
        FaqEntry.published).join(FaqEntry.category).order_by(FaqEntry.id)).all()


def test_importing_twice_gives_the_same_entries(app):
    first = upsert_entries(read_file(TEXT))
    db.session.commit()
    before = _snapshot()
    second = upsert_entries(read_file(TEXT))
    db.session.commit()
    assert dict(first) == {"added": 4, "updated": 0, "unchanged": 0, "duplicate": 0}
    assert dict(second) == {"added": 0, "updated": 0, "unchanged": 4, "duplicate": 0}
    assert _snapshot() == before
    assert db.session.scalar(sa.select(sa.func.count(FaqCategory.id))) == 2
    # The HTML page of the same content matches the same rows.
    assert upsert_entries(read_file(HTML))["unchanged"] == 4


def test_reimport_updates_changed_answers_and_matches_width_variants(app, tmp_path):
    upsert_entries(read_file(TEXT))
    changed = tmp_path / "changed.txt"
    text = TEXT.read_text(encoding="utf-8")
    text = text.replace("平日の9時から17時までです。", "平日の8時から18時までです。")
    text = text.replace("ＯＳＳ画面が白いままです。", "OSS画面が白いままです。")
    changed.write_text(text, encoding="utf-8")
    counts = upsert_entries(read_file(changed))
    assert (counts["added"], counts["updated"], counts["unchanged"]) == (0, 2, 2)
    assert db.session.scalar(sa.select(sa.func.count(FaqEntry.id))) == 4
    assert db.session.scalar(sa.select(FaqEntry.question).where(
        FaqEntry.question.like("OSS%"))) == "OSS画面が白いままです。"


def test_cli_import_reports_counts(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["faq", "import", str(TEXT)])
    assert result.exit_code == 0, result.output
    assert "追加 4 件 / 更新 0 件 / 変更なし 0 件" in result.output
    result = runner.invoke(args=["faq", "import", str(HTML), "--draft"])
    assert "追加 0 件 / 更新 0 件 / 変更なし 4 件" in result.output


def test_cli_import_refuses_bad_file(app, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE a [<!ENTITY x "y">]><h2>x</h2>', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["faq", "import", str(bad)])
    assert result.exit_code == 1
    assert "DTD" in result.output


def test_repeated_question_in_one_file_counts_once(app, tmp_path):
    text = TEXT.read_text(encoding="utf-8")
    twice = tmp_path / "twice.txt"
    twice.write_text(text + "\n手続の設定に関する質問\n\n  • ｐａｓｓｗｏｒｄ\n\n    a\n"
                     "\n  • パスワードを変えたいときは。\n\n    別の回答\n", encoding="utf-8")
    counts = upsert_entries(read_file(twice))
    assert (counts["added"], counts["duplicate"]) == (5, 1)
    assert "別の回答" not in db.session.scalar(sa.select(FaqEntry.answer).where(
        FaqEntry.question == "パスワードを変えたいときは。"))
    assert dict(upsert_entries(read_file(twice)))["unchanged"] == 5


def test_our_own_faq_page_imports_back_unchanged(app, client, tmp_path):
    """The public /faq page has the HTML layout the importer reads."""
    from faq.markdown import plain_text
    from faq.starter import seed_starter_faq

    seed_starter_faq()
    db.session.commit()
    page = tmp_path / "faq.html"
    page.write_text(client.get("/faq").get_data(as_text=True), encoding="utf-8")
    entries = read_file(page)
    stored = db.session.execute(sa.select(FaqCategory.name, FaqEntry.question, FaqEntry.answer)
                                .join(FaqEntry.category)
                                .order_by(FaqCategory.sort_order, FaqEntry.sort_order)).all()
    assert [(e.category, e.question) for e in entries] == [(c, q) for c, q, _ in stored]
    for entry, (_, _, answer) in zip(entries, stored, strict=True):
        assert plain_text(entry.answer).split() == plain_text(answer).split(), entry.question
