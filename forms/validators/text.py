"""Text validators: JIS X 0208 full width, katakana, dates and numbers."""

import re
from datetime import date

import jaconv

from forms import jis
from forms.japan_time import today_in_japan
from forms.validators.base import Validator
from forms.validators.base import to_half_width

KATAKANA = frozenset(chr(c) for c in range(0x30A1, 0x30F7)) | frozenset("ー・　ヽヾ")
HIRAGANA = frozenset(chr(c) for c in range(0x3041, 0x3097))


def _half_width_runs(value: str, longest: int = 12) -> list[str]:
    """The half-width stretches of ``value`` as typed (「2-1-3」, not its characters),
    spaces around them left out."""
    runs, current = [], ""
    for ch in value + "\n":
        if ch != "\n" and jis.is_half_width(ch):
            current += ch
            continue
        if current.strip() and current.strip() not in runs:
            runs.append(current.strip())
        current = ""
    return [run[:longest] for run in runs]


class JisX0208(Validator):
    """Full-width JIS X 0208 characters only (names and addresses)."""

    def check(self, value, section, subject):
        half = [c for c in value if jis.is_half_width(c)]
        converted = jis.to_full_width(value) if half else jis.normalise(value)
        problems = []
        if half:
            runs = _half_width_runs(value)
            what = f"半角文字(「{'」「'.join(runs[:3])}」)" if runs else "半角スペース"
            problems.append(
                f"{what}は使えません。全角で入力してください(全角にすると「{converted}」)。"
            )
        bad = jis.outside(converted)
        if bad:
            parts = []
            for ch in bad[:5]:
                sub = jis.substitute(ch)
                parts.append(f"{jis.describe(ch)}は「{sub}」に置き換えてください" if sub
                             else f"{jis.describe(ch)}は使えません(代わりの文字はありません)")
            problems.append(
                "JIS第1・第2水準(JIS X 0208)にない文字が含まれています: " + "、".join(parts) + "。"
            )
        return self.fail("".join(problems)) if problems else None


def _as_katakana(text: str) -> str:
    """Full width, hiragana as katakana: what a フリガナ becomes when it can."""
    full = jis.to_full_width(text)
    return "".join(jaconv.hira2kata(c) if c in HIRAGANA else c for c in full)


class FullWidthKatakana(Validator):
    """フリガナ: full-width katakana, ー, ・ and full-width spaces."""

    def check(self, value, section, subject):
        converted = _as_katakana(value)
        # The characters named are the ones typed (a half-width voiced mark stays with its kana).
        bad = [unit for unit in re.findall(r".[ﾞﾟ]?", value, re.S)
               if any(c not in KATAKANA for c in _as_katakana(unit))]
        if bad:
            sample = "".join(dict.fromkeys(bad))[:5]
            return self.fail(f"フリガナは全角カタカナで入力してください(使えない文字: 「{sample}」)。")
        if converted != value:
            return self.fail(f"フリガナは全角カタカナで入力してください(「{converted}」)。")
        return None


class Digits(Validator):
    """A code made of half-width digits, of the given lengths."""

    def __init__(self, *lengths: int, what: str = "", message: str | None = None):
        super().__init__(message)
        self.lengths = lengths
        self.what = what

    def check(self, value, section, subject):
        half = to_half_width(value)
        lengths = "桁または".join(str(n) for n in self.lengths) + "桁"
        if not half.isascii() or not half.isdigit() or len(half) not in self.lengths:
            return self.fail(f"{self.what}は半角数字{lengths}で入力してください(入力: 「{value}」)。")
        if half != value:
            return self.fail(f"{self.what}は半角数字で入力してください(「{half}」)。")
        return None


class IsoDate(Validator):
    """A date as YYYY-MM-DD that exists; optionally not in the past or future."""

    def __init__(self, message: str | None = None, *, not_future: bool = False,
                 not_past: bool = False):
        super().__init__(message)
        self.not_future = not_future
        self.not_past = not_past

    def check(self, value, section, subject):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return self.fail(f"日付は「2026-04-01」の形で入力してください(入力: 「{value}」)。")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return self.fail(f"「{value}」は存在しない日付です。")
        today = today_in_japan()  # not the server's date: on UTC it lags from 0:00 to 9:00 JST
        if self.not_future and day > today:
            return self.fail("未来の日付は入力できません。")
        if self.not_past and day < today:
            return self.fail("過去の日付は入力できません。")
        return None


class NonNegativeInteger(Validator):
    """A whole number such as a mileage, half-width digits."""

    def __init__(self, message: str | None = None, *, maximum: int = 9_999_999):
        super().__init__(message)
        self.maximum = maximum

    def check(self, value, section, subject):
        half = to_half_width(value).replace(",", "")
        if (not (half.isascii() and half.isdigit())
                or len(half.lstrip("0")) > len(str(self.maximum))
                or int(half) > self.maximum):  # (length first: int() refuses 4,300+ digits)
            return self.fail(f"0〜{self.maximum:,}の半角数字で入力してください(入力: 「{value}」)。")
        if half != value:
            return self.fail(f"半角数字だけで入力してください(「{half}」)。")
        return None
