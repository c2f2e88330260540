"""Vehicle validators: the parts of 自動車登録番号 and the 車台番号."""

import re

import jaconv

from forms import jis
from forms.validators.base import Validator
from forms.validators.base import to_half_width
from forms.validators.text import JisX0208

# ひらがな used on number plates: お, し, へ and ん are never issued.
PLATE_KANA = frozenset("あいうえかきくけこさすせそたちつてとなにぬねのはひふほまみむめもやゆよらりるれろわを")
# Letters allowed in a 分類番号 (second and third places) since 2018.
CLASS_LETTERS = "ACFHKLMPXY"


class RegistrationOffice(Validator):
    """自動車登録番号の地名 (品川, 尾張小牧 …): 1 to 5 full-width characters."""

    def check(self, value, section, subject):
        if not 1 <= len(value) <= 5 or any(c.isdigit() for c in value):
            return self.fail("自動車登録番号の地名は「品川」「尾張小牧」のように全角5文字以内で入力してください。")
        message = JisX0208().check(value, section, subject)
        return self.fail(message) if message else None


class ClassNumber(Validator):
    """分類番号: 1 to 3 places; the 2nd and 3rd may be letters since 2018."""

    def check(self, value, section, subject):
        half = to_half_width(value).upper()
        if not re.fullmatch(rf"[0-9][0-9{CLASS_LETTERS}]{{0,2}}", half):
            return self.fail(
                "分類番号は「300」「530」「33C」のように半角の数字3桁以内で入力してください"
                f"(2桁目以降に使える英字は {', '.join(CLASS_LETTERS)} のみ)。"
            )
        if half != value:
            return self.fail(f"分類番号は半角で入力してください(「{half}」)。")
        return None


class PlateKana(Validator):
    """The ひらがな of a number plate: one character that plates use."""

    def check(self, value, section, subject):
        kana = jaconv.kata2hira(jis.to_full_width(value))
        if len(kana) != 1 or kana not in PLATE_KANA:
            return self.fail(
                "自動車登録番号のひらがなは1文字で入力してください(「お」「し」「へ」「ん」は使われません)。"
            )
        if kana != value:
            return self.fail(f"自動車登録番号のひらがなは「{kana}」と入力してください。")
        return None


class SerialNumber(Validator):
    """一連指定番号: 1 to 9999, digits only (no ・ or hyphen)."""

    def check(self, value, section, subject):
        half = to_half_width(value).replace("・", "").replace(".", "").replace("-", "")
        if not (half.isascii() and half.isdigit() and len(half.lstrip("0")) <= 4
                and 1 <= int(half) <= 9999):
            return self.fail("一連指定番号は1〜9999の半角数字で入力してください(例: 「12-34」なら「1234」)。")
        if half != value:
            return self.fail(f"一連指定番号は数字だけで入力してください(「{int(half)}」)。")
        return None


class ChassisNumber(Validator):
    """車台番号: half-width capital letters and digits, at most one hyphen."""

    def check(self, value, section, subject):
        half = to_half_width(value).upper()
        if not re.fullmatch(r"[A-Z0-9]{1,17}(-[A-Z0-9]{1,12})?", half) or len(half) > 20:
            return self.fail(
                "車台番号は「ZVW30-1234567」のように半角英大文字・数字とハイフン1つまで、20文字以内で"
                "入力してください。"
            )
        if half != value:
            return self.fail(f"車台番号は半角英大文字で入力してください(「{half}」)。")
        return None
