"""Folding, query parsing, highlighting and snippets."""

from markupsafe import Markup

from faq.synonyms import expand
from faq.text import FoldedText
from faq.text import fold
from faq.text import highlight
from faq.text import parse_query
from faq.text import snippet


def test_fold_width_kana_case_and_spaces():
    assert fold("ﾃﾞﾝｼｼｮｳﾒｲｼｮ") == fold("デンシショウメイショ") == "でんししょうめいしょ"
    assert fold("ＯＳＳ") == fold("oss") == fold("Oss") == "oss"
    assert fold("１２３") == "123"
    assert fold("45 円") == fold("45円")
    assert fold("受付\n番号") == "受付番号"
    assert fold("  a \n\t b ") == "a b"


def test_folded_text_matches_fold_everywhere():
    for text in ("45 円", "OSS ポータル", " x\n y ", "ﾊﾟｽﾜｰﾄﾞ 変更", "㈱テスト", "A 1 Ｂ"):
        assert FoldedText(text).text == fold(text)


def test_parse_query_terms_and_phrases():
    assert parse_query("電子証明書　有効期限").terms == ("電子証明書", "有効期限")
    assert parse_query('"受付 番号" 窓口').terms == ("受付番号", "窓口")
    assert parse_query("「OSS ポータル」").terms == ("ossぽーたる",)
    assert parse_query("＂full width＂").terms == ("full width",)
    assert parse_query("ﾊﾟｽﾜｰﾄﾞ パスワード").terms == ("ぱすわーど",)  # duplicates after folding
    assert parse_query('"unclosed').terms == ("unclosed",)
    assert not parse_query("   ")
    assert len(parse_query(" ".join("abcdefghijk")).terms) == 8


def test_highlight_escapes_before_marking():
    marked = highlight("<script>alert('OSS')</script>", ["oss"])
    assert isinstance(marked, Markup)
    assert str(marked) == "&lt;script&gt;alert(&#39;<mark>OSS</mark>&#39;)&lt;/script&gt;"


def test_highlight_maps_folded_matches_back_to_the_original():
    assert str(highlight("ﾃﾞﾝｼ証明書とデンシ", ["でんし"])) == (
        "<mark>ﾃﾞﾝｼ</mark>証明書と<mark>デンシ</mark>")
    assert str(highlight("受付\n番号", ["受付番号"])) == "<mark>受付\n番号</mark>"
    assert str(highlight("料金と利用料金", ["料金", "利用料金"])) == (
        "<mark>料金</mark>と<mark>利用料金</mark>")
    assert str(highlight("㈱と株", ["株"])) == "<mark>㈱</mark>と<mark>株</mark>"


def test_snippet_is_a_window_around_the_first_match():
    text = "あ" * 100 + "<車検>" + "い" * 200
    cut = str(snippet(text, ["車検"], width=40, before=10))
    assert cut.startswith("…") and cut.endswith("…")
    assert "&lt;<mark>車検</mark>&gt;" in cut
    assert str(snippet("短い文", ["ない"])) == "短い文"


def test_synonyms_expand_whole_terms_only():
    assert expand(fold("車検")) == ("車検", "継続検査")
    assert "保管場所証明" in expand(fold("車庫証明"))
    seal = expand(fold("印鑑証明書"))
    assert seal[0] == "印鑑証明書" and "印鑑証明" in seal
    assert expand(fold("車検証")) == ("車検証", "自動車検査証")
    assert expand("関係ない語") == ("関係ない語",)
