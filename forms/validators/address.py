"""Address validators: 住所1 and its prefecture, 丁目, 番地・例外コード, 住所コード."""

import re

from forms.validators.base import Validator
from forms.validators.base import to_half_width

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)

# 番地・例外コード: a lot number such as 1-23, or one of these exception names. [I]
ADDRESS_EXCEPTIONS = ("官有無番地", "無番地", "番外地", "合筆地")


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
