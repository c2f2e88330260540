"""移転登録, 変更登録 and 記載変更: a registered vehicle's owner, user or base changes."""

from forms import rules
from forms.spec import SectionSpec
from forms.specs import sections as s
from forms.specs.fields import date
from forms.specs.fields import select

CHANGE_CAUSES = (
    ("address", "住所変更"),
    ("name", "氏名・名称変更"),
    ("name_address", "氏名・名称及び住所変更"),
    ("base", "使用の本拠の位置変更"),
)
KISAI_ITEMS = (
    ("user", "使用者の変更"),
    ("user_address", "使用者の住所の変更"),
    ("base", "使用の本拠の位置の変更"),
)

ITEN = s.registered_procedure(
    "iten", "移転登録", family="ownership",
    summary="売買・割賦完済による所有者の変更(名義変更)を申請します。",
    sections=(s.filing(), s.vehicle_registered(), s.registration(rules.TRANSFER_CAUSES),
              s.NEW_OWNER, s.USER, s.BASE, s.PARKING, s.usage(), s.POA, s.TAX),
    rules=(*rules.COMMON, rules.transfer_cause),
)

HENKO = s.registered_procedure(
    "henko", "変更登録", family="ownership",
    summary="所有者の氏名・住所や使用の本拠の位置の変更を申請します。",
    sections=(s.vehicle_registered(),
              s.registration(CHANGE_CAUSES, title="変更の内容", date_label="変更の日付"),
              *s.PARTIES_AND_PLACES, s.POA, s.TAX),
    rules=rules.COMMON,
)

KISAI_HENKO = s.registered_procedure(
    "kisai_henko", "記載変更", family="ownership",
    summary="登録の変更を伴わない自動車検査証の記載事項(使用者・使用の本拠の位置)の変更を申請します。",
    sections=(
        s.vehicle_registered(),
        SectionSpec("change", "記載変更の内容", (
            select("item", "変更する記載事項", KISAI_ITEMS, required=True, example="user_address"),
            date("change_date", "変更の日付", required=True, not_future=True,
                 example="2025-04-01"),
        )),
        s.party("user", "使用者"), s.BASE, s.PARKING, s.POA, s.TAX,
    ),
    rules=rules.COMMON,
)

SPECS = (ITEN, HENKO, KISAI_HENKO)
