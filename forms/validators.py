"""Reusable field validators: callable classes in the WTForms style.

Each validator has one job and two entry points:

- ``check(value, section, subject)`` returns a Japanese message or ``None``.
  ``section`` is the mapping of the field's section (for rules between fields
  of one section, such as 住所1 and 丁目); ``subject`` is the
  ``forms.checks.Subject`` being checked (the attached 電子委任状 …) or None.
  ``forms.checks`` calls this for forms, live checks and bulk import alike.
- ``__call__(form, field)`` makes the same object a WTForms validator.

Messages say what is wrong with the value and what to enter instead.
``message=`` overrides the message, as in WTForms.
"""

import re
from datetime import date

import jaconv
from wtforms.validators import ValidationError

from forms import jis

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)

# ひらがな used on number plates: お, し, へ and ん are never issued.
PLATE_KANA = frozenset("あいうえかきくけこさすせそたちつてとなにぬねのはひふほまみむめもやゆよらりるれろわを")
# Letters allowed in a 分類番号 (second and third places) since 2018.
CLASS_LETTERS = "ACFHKLMPXY"
# 番地・例外コード: a lot number such as 1-23, or one of these exception names. [I]
ADDRESS_EXCEPTIONS = ("官有無番地", "無番地", "番外地", "合筆地")

KATAKANA = frozenset(chr(c) for c in range(0x30A1, 0x30F7)) | frozenset("ー・　ヽヾ")
HIRAGANA = frozenset(chr(c) for c in range(0x3041, 0x3097))


def to_half_width(text: str) -> str:
    """Full-width ASCII letters, digits and hyphens as half width (for codes)."""
    return jaconv.z2h(text.replace("−", "-").replace("ー", "-"), kana=False, ascii=True,
                      digit=True)


class Validator:
    """Base class: subclasses implement ``check``."""

    runs_on_empty = False  # True for validators that may require an empty field
    default_message = ""

    def __init__(self, message: str | None = None):
        self.message = message

    def fail(self, text: str) -> str:
        return self.message or text

    def check(self, value: str, section: dict, subject) -> str | None:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, form, field):
        section = form.section_values(field) if hasattr(form, "section_values") else {}
        value = field.data if isinstance(field.data, str) else ("" if field.data is None else
                                                                  str(field.data))
        if not value.strip() and not self.runs_on_empty:
            return
        message = self.check(value.strip(), section, getattr(form, "subject", None))
        if message:
            raise ValidationError(message)


class JisX0208(Validator):
    """Full-width JIS X 0208 characters only (names and addresses)."""

    def check(self, value, section, subject):
        half = [c for c in value if jis.is_half_width(c)]
        converted = jis.to_full_width(value) if half else jis.normalise(value)
        problems = []
        if half:
            sample = "".join(dict.fromkeys(half))[:5]
            problems.append(
                f"半角文字(「{sample}」)は使えません。全角で入力してください"
                f"(全角にすると「{converted}」)。"
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


class FullWidthKatakana(Validator):
    """フリガナ: full-width katakana, ー, ・ and full-width spaces."""

    def check(self, value, section, subject):
        converted = jis.to_full_width(value)
        converted = "".join(jaconv.hira2kata(c) if c in HIRAGANA else c for c in converted)
        bad = [c for c in converted if c not in KATAKANA]
        if bad:
            sample = "".join(dict.fromkeys(bad))[:5]
            return self.fail(f"フリガナは全角カタカナで入力してください(使えない文字: 「{sample}」)。")
        if converted != value:
            return self.fail(f"フリガナは全角カタカナで入力してください(「{converted}」)。")
        return None


class Prefecture(Validator):
    """住所1 starts with one of the 47 prefectures.

    The one exception: the attached 電子委任状 itself states the address
    without a prefecture (the filing must then match it).
    """

    def check(self, value, section, subject):
        if value.startswith(PREFECTURES):
            return None
        poa = getattr(subject, "poa", None) if subject is not None else None
        if poa is not None and poa.address and not poa.has_prefecture:
            return None
        return self.fail(
            "住所1は都道府県名から入力してください(例: 東京都千代田区霞が関二丁目)。"
            "都道府県を省略できるのは、添付した電子委任状の住所に都道府県がない場合だけです。"
        )


_CHOME_IN_ADDRESS = re.compile(r"丁目")
_BANCHI_IN_ADDRESS = re.compile(r"番地|[0-9０-９一二三四五六七八九十〇]+番|[0-9０-９]+[-−－‐][0-9０-９]")


class _AddressDetail(Validator):
    """丁目 / 番地・例外コード: required when 住所1 contains them."""

    runs_on_empty = True
    address_field = "address1"
    pattern: re.Pattern
    part = ""          # what 住所1 contains
    label = ""         # the separate field's label

    def __init__(self, message: str | None = None, address_field: str = "address1"):
        super().__init__(message)
        self.address_field = address_field

    def check(self, value, section, subject):
        address = str(section.get(self.address_field) or "")
        if not value:
            if self.pattern.search(address):
                return self.fail(
                    f"住所1に{self.part}が含まれているので、「{self.label}」欄にも入力してください。"
                    f"空欄のままだと車検証に{self.part}が表示されないことがあります。"
                )
            return None
        return self.check_format(value)

    def check_format(self, value: str) -> str | None:  # pragma: no cover
        raise NotImplementedError


class Chome(_AddressDetail):
    pattern = _CHOME_IN_ADDRESS
    part = "丁目"
    label = "丁目"

    def check_format(self, value):
        half = to_half_width(value)
        if re.fullmatch(r"[1-9][0-9]{0,2}", half):
            return None if half == value else self.fail(
                f"丁目は半角数字で入力してください(「{half}」)。")
        return self.fail("丁目は数字だけで入力してください(例: 二丁目なら「2」)。")


class Banchi(_AddressDetail):
    pattern = _BANCHI_IN_ADDRESS
    part = "番地"
    label = "番地・例外コード"

    def check_format(self, value):
        if value in ADDRESS_EXCEPTIONS:
            return None
        half = to_half_width(value)
        if re.fullmatch(r"[0-9]{1,5}(-[0-9]{1,5}){0,3}", half):
            return None if half == value else self.fail(
                f"番地は半角数字とハイフンで入力してください(「{half}」)。")
        return self.fail(
            "番地・例外コードは「1-23」のように数字とハイフンで入力するか、"
            f"例外({'・'.join(ADDRESS_EXCEPTIONS)})を入力してください。"
        )


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


class AddressCode(Validator):
    """住所コード: 9 digits, or 12 where the address has a 小字."""

    def check(self, value, section, subject):
        half = to_half_width(value)
        if not (half.isascii() and half.isdigit() and len(half) in (9, 12)):
            return self.fail(
                f"住所コードは半角数字9桁(小字のある地域は12桁)で入力してください(入力: 「{value}」)。"
            )
        if half != value:
            return self.fail(f"住所コードは半角数字で入力してください(「{half}」)。")
        head = int(half[:2])
        if not (2 <= head <= 47 or 50 <= head <= 62):
            return self.fail(
                f"住所コードの先頭2桁「{half[:2]}」は都道府県のコードではありません"
                "(北海道は50〜62、その他は02〜47)。"
            )
        return None


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
        if not (half.isascii() and half.isdigit() and 1 <= int(half or "0") <= 9999):
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
        today = date.today()
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
        if not (half.isascii() and half.isdigit()) or int(half) > self.maximum:
            return self.fail(f"0〜{self.maximum:,}の半角数字で入力してください(入力: 「{value}」)。")
        if half != value:
            return self.fail(f"半角数字だけで入力してください(「{half}」)。")
        return None
