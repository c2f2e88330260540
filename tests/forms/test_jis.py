"""The JIS X 0208 table and the full-width check, including property tests."""

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from forms import jis
from forms.validators import JisX0208

TABLE = sorted(jis.JIS_X_0208)
CHECK = JisX0208()


def check(value: str):
    return CHECK.check(value, {}, None)


def test_table_is_exactly_jis_x_0208():
    assert len(jis.JIS_X_0208) == 6879
    level1 = [c for c in TABLE if 0x889F <= int.from_bytes(c.encode("shift_jis")) <= 0x9872]
    level2 = [c for c in TABLE if 0x989F <= int.from_bytes(c.encode("shift_jis")) <= 0xEAA4]
    assert (len(level1), len(level2)) == (2965, 3390)
    assert len(TABLE) - len(level1) - len(level2) == 524


@pytest.mark.parametrize("ch", ["漢", "ひ", "カ", "Ａ", "１", "　", "〜", "−", "丼", "ヴ", "・", "濱"])
def test_characters_in_the_table_pass(ch):
    assert check(ch) is None


@pytest.mark.parametrize("ch", ["～", "－", "∥", "￠", "￡", "￢"])
def test_windows_variants_are_mapped_not_refused(ch):
    assert check(f"山田{ch}太郎") is None
    assert ch not in jis.normalise(ch)


@pytest.mark.parametrize("ch,substitute", [
    ("髙", "高"), ("﨑", "崎"), ("𠮷", "吉"), ("①", "１"), ("Ⅱ", "ＩＩ"), ("㈱", "（株）"),
    ("鷗", "鴎"), ("剝", "剥"), ("德", "徳"), ("—", "―"), ("№", "Ｎｏ"),
])
def test_characters_outside_are_named_with_their_substitute(ch, substitute):
    message = check(f"髙橋{ch}" if ch != "髙" else "髙橋")
    assert message is not None
    assert f"「{ch}」(U+{ord(ch):04X})" in message
    assert f"「{substitute}」に置き換えてください" in message


@pytest.mark.parametrize("ch", ["😀", "𩸽", "\u2603"])
def test_characters_without_substitute_say_so(ch):
    message = check(f"山田{ch}")
    assert f"(U+{ord(ch):04X})は使えません(代わりの文字はありません)" in message


def test_half_width_is_offered_its_full_width_form():
    message = check("ﾔﾏﾀﾞ ﾀﾛｳ")
    assert "半角文字" in message
    assert "「ヤマダ　タロウ」" in message


@pytest.mark.parametrize("typed,quoted", [
    ("東京都千代田区霞が関2-1-3", "「2-1-3」"), ("shinagawa", "「shinagawa」"),
    ("ﾔﾏﾀﾞ 太郎 abc", "「ﾔﾏﾀﾞ」「abc」")])
def test_the_half_width_part_is_quoted_as_typed(typed, quoted):
    assert f"半角文字({quoted})は使えません" in check(typed)


def test_a_half_width_space_alone_is_named():
    assert check("山田 太郎") == (
        "半角スペースは使えません。全角で入力してください(全角にすると「山田　太郎」)。")


def test_every_substitute_is_in_the_table():
    for ch, sub in jis.SUBSTITUTES.items():
        assert ch not in jis.JIS_X_0208
        assert all(c in jis.JIS_X_0208 for c in sub), ch


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(TABLE), min_size=1, max_size=40))
def test_any_text_of_table_characters_passes(text):
    assert check(text) is None


OUTSIDE = st.characters(exclude_categories=("Cs",)).filter(
    lambda c: c not in jis.JIS_X_0208 and not jis.is_half_width(c)
    and jis.normalise(c) not in jis.JIS_X_0208
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(TABLE), max_size=10), OUTSIDE,
       st.text(alphabet=st.sampled_from(TABLE), max_size=10))
def test_one_character_outside_is_refused_and_named(before, bad, after):
    message = check(before + bad + after)
    assert message is not None
    assert f"(U+{ord(bad):04X})" in message


@settings(max_examples=200, deadline=None)
@given(OUTSIDE)
def test_a_substitute_when_offered_is_in_the_table(ch):
    sub = jis.substitute(ch)
    assert sub is None or all(c in jis.JIS_X_0208 for c in sub)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1,
               max_size=20))
def test_half_width_ascii_converts_to_text_that_passes(text):
    assert check(text) is not None
    assert check(jis.to_full_width(text)) is None
