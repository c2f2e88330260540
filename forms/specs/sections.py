"""Sections shared by the procedure specs (the common data set, DOMAIN.md §2.3).

Section and field keys are stored in payloads and used in the OSS XML: they
are ASCII snake_case and never renamed.
"""

from dataclasses import replace

from forms import validators as v
from forms.spec import ProcedureSpec
from forms.spec import SectionSpec
from forms.specs.fields import ELECTRONIC_OR_PAPER
from forms.specs.fields import EXAMPLE_ADDRESS
from forms.specs.fields import OFFICIAL_CERTIFICATES
from forms.specs.fields import PARKING_MODES
from forms.specs.fields import POA_MODES
from forms.specs.fields import SEAL_CERT_MODES
from forms.specs.fields import TAX_MODES
from forms.specs.fields import USE_TYPES
from forms.specs.fields import date
from forms.specs.fields import file
from forms.specs.fields import flag
from forms.specs.fields import jis_text
from forms.specs.fields import select
from forms.specs.fields import text

TRANSPORT = "運輸支局"
POLICE = "警察署(保管場所証明)"
PREF_TAX = "都道府県税事務所"
KEIKENKYO = "軽自動車検査協会"

# Where a 中断 reservation can take effect, shown until OSS has answered a status
# query with its own list. The real per-procedure checkpoints are in the
# association's manuals, which are not public [I]; these match the simulator's
# (a test keeps them in step).
CHECKPOINTS_REGISTRATION = ("審査中", "納付待ち")
CHECKPOINTS_INSPECTION = ("納付待ち",)
CHECKPOINTS_KEI = ("審査中",)


def _unless(fields, key: str | None):
    return tuple(replace(f, unless=key) for f in fields) if key else tuple(fields)


def address_fields(required: bool = True, example: str = EXAMPLE_ADDRESS):
    """住所1 + 住所コード + 丁目 + 番地・例外コード."""
    return (
        jis_text("address1", "住所1", required=required, max_length=80, example=example,
                 validators=(v.Prefecture(),),
                 help="都道府県から全角で入力します(例: 東京都千代田区霞が関二丁目１番３号)。"),
        text("address_code", "住所コード", required=required, validators=(v.AddressCode(),),
             example="131010001", help="自動車登録関係コードの住所コード(9桁、小字のある地域は12桁)。"),
        text("chome", "丁目", validators=(v.Chome(),), example="2",
             help="住所1に丁目があるときは、ここにも数字で入力します(二丁目なら 2)。"),
        text("banchi", "番地・例外コード", validators=(v.Banchi(),), example="1-3",
             help="住所1に番地があるときは、ここにも入力します(例: 1-3)。"),
    )


def party(key: str, title: str, *, same_as: str | None = None, same_as_label: str = "",
          help: str = "") -> SectionSpec:
    """所有者 or 使用者: name, フリガナ and address."""
    fields = (
        jis_text("name", "氏名又は名称", required=True, max_length=60, example="山田　太郎",
                 help="全角(JIS第1・第2水準)で入力します。法人は正式名称で。"),
        text("name_kana", "フリガナ", validators=(v.FullWidthKatakana(),), max_length=60,
             example="ヤマダ　タロウ"),
        *address_fields(),
    )
    head = (flag(same_as, same_as_label, example=True),) if same_as else ()
    return SectionSpec(key, title, head + _unless(fields, same_as), help)


OWNER = party("owner", "所有者")
NEW_OWNER = party("owner", "新所有者", help="移転後の所有者を入力します。")
USER = party("user", "使用者", same_as="same_as_owner", same_as_label="所有者と同じ")

BASE = SectionSpec(
    "base", "使用の本拠の位置",
    (flag("same_as_user", "使用者の住所と同じ", example=True),
     *_unless(address_fields(), "same_as_user")),
)

PARKING = SectionSpec(
    "parking", "保管場所",
    (select("certificate_mode", "保管場所証明", PARKING_MODES, required=True,
            example="electronic"),
     flag("same_as_base", "使用の本拠の位置と同じ", example=True),
     *_unless(address_fields(), "same_as_base")),
    help="保管場所証明・検査登録・税は、まとめて電子で申請します。",
)


def usage(*, liaison: bool = True) -> SectionSpec:
    fields = [
        select("use_type", "自家用・事業用の別", USE_TYPES, required=True, example="private",
               help="事業用・貸渡は複合申請では申請できません。"),
        flag("government_vehicle", "公用車", help="公用車は官職証明書または職責証明書が必要です。"),
        select("official_certificate", "官職証明書・職責証明書", OFFICIAL_CERTIFICATES),
    ]
    if liaison:
        fields.append(flag("business_liaison_e", "事業用自動車等連絡書(電子)を用いる",
                           help="この連絡書(電子)を用いる申請は受け付けられません。"))
    return SectionSpec("usage", "用途", tuple(fields))


def vehicle_registered(title: str = "車両", number: str = "自動車登録番号") -> SectionSpec:
    """A vehicle on the register: its number in parts, and the 車台番号."""
    return SectionSpec("vehicle", title, (
        jis_text("reg_office", f"{number}(地名)", required=True, example="品川",
                 validators=(v.RegistrationOffice(),)),
        text("reg_class", f"{number}(分類番号)", required=True, example="300",
             validators=(v.ClassNumber(),)),
        text("reg_kana", f"{number}(ひらがな)", required=True, example="さ",
             validators=(v.PlateKana(),)),
        text("reg_serial", f"{number}(一連指定番号)", required=True, example="1234",
             validators=(v.SerialNumber(),)),
        text("chassis_no", "車台番号", required=True, example="ZVW30-1234567",
             validators=(v.ChassisNumber(),), help="車検証のとおり半角で入力します。"),
    ))


def vehicle_new(*, type_required: bool = True, odometer: bool = False) -> SectionSpec:
    """A vehicle not yet on the register: 車台番号 and type-approval identifiers."""
    fields = [
        text("chassis_no", "車台番号", required=True, example="ZVW30-1234567",
             validators=(v.ChassisNumber(),)),
        text("type_designation_no", "型式指定番号", required=type_required, example="12345",
             validators=(v.Digits(5, what="型式指定番号"),), help="完成検査終了証の5桁の番号。"),
        text("category_no", "類別区分番号", required=type_required, example="0001",
             validators=(v.Digits(3, 4, what="類別区分番号"),)),
    ]
    if odometer:
        fields.append(text("odometer_km", "走行距離計表示値(km)", required=True, example="35000",
                           validators=(v.NonNegativeInteger(),)))
    return SectionSpec("vehicle", "車両", tuple(fields))


def registration(causes, *, title: str = "登録原因", date_label: str = "登録原因の日付",
                 example: str = "") -> SectionSpec:
    return SectionSpec("registration", title, (
        select("cause", "登録原因", causes, required=True, example=example or causes[0][0]),
        date("cause_date", date_label, required=True, not_future=True, example="2025-04-01"),
    ))


def filing(*, hybrid: bool = False, requested_date: bool = True) -> SectionSpec:
    fields = []
    if hybrid:
        fields.append(flag("hybrid", "ハイブリッド申請",
                           help="印鑑証明書と委任状だけを紙で提出します(新車新規登録のみ)。"))
    if requested_date:
        fields.append(date("requested_date", "登録希望日", not_past=True))
    return SectionSpec("filing", "申請区分", tuple(fields))


EVIDENCE_NEW = SectionSpec("evidence", "電子の証明書類", (
    select("completion_cert", "完成検査終了証", ELECTRONIC_OR_PAPER, required=True,
           example="electronic", help="電子の完成検査終了証は車台番号で照会されます。"),
    select("transfer_cert", "譲渡証明書", ELECTRONIC_OR_PAPER, required=True,
           example="electronic"),
    select("jibaiseki", "自賠責保険(共済)", ELECTRONIC_OR_PAPER, required=True,
           example="electronic"),
))

EVIDENCE_KEI_NEW = SectionSpec("evidence", "電子の証明書類", (
    select("completion_cert", "完成検査終了証", ELECTRONIC_OR_PAPER, required=True,
           example="electronic"),
    select("jibaiseki", "自賠責保険(共済)", ELECTRONIC_OR_PAPER, required=True,
           example="electronic"),
))

EVIDENCE_INSPECTION = SectionSpec("evidence", "電子の証明書類", (
    select("safety_cert", "保安基準適合証", ELECTRONIC_OR_PAPER, required=True,
           example="electronic", help="電子の保安基準適合証(保適証サービス)が必要です。"),
    select("jibaiseki", "自賠責保険(共済)", ELECTRONIC_OR_PAPER, required=True,
           example="electronic", help="電子化された自賠責保険(共済)の証明が必要です。"),
))

POA = SectionSpec("poa", "委任状・印鑑証明書", (
    select("poa_mode", "委任状", POA_MODES, required=True, example="electronic"),
    file("e_poa", "電子委任状(XML)",
         help="国土交通省OSSポータルで作成した電子委任状のXMLファイルを添付します(PDF・画像は不可)。"),
    select("seal_cert", "印鑑証明書", SEAL_CERT_MODES, required=True, example="not_required"),
))

TAX = SectionSpec("tax", "税申告", (
    select("declaration_mode", "自動車税・環境性能割の申告", TAX_MODES, required=True,
           example="electronic"),
))


def deregistration(*, dismantled: bool = False) -> SectionSpec:
    fields = []
    if dismantled:
        fields += [
            date("dismantling_date", "解体報告記録日", required=True, not_future=True,
                 example="2025-04-01"),
            text("transfer_report_no", "移動報告番号", required=True, example="123456789012",
                 validators=(v.Digits(12, what="移動報告番号"),),
                 help="自動車リサイクルシステムの移動報告番号(12桁)。"),
        ]
    fields.append(flag("weight_tax_refund", "自動車重量税の還付を受ける",
                       help="重量税の還付を伴う申請は受け付けられません。"))
    return SectionSpec("deregistration", "抹消", tuple(fields))


# Who is involved and where a vehicle lives: the parties and places of most registrations.
PARTIES_AND_PLACES = (OWNER, USER, BASE, PARKING)


def registered_procedure(code: str, name: str, *, family: str, summary: str, sections: tuple,
                         rules: tuple, authorities: tuple = (TRANSPORT, POLICE, PREF_TAX),
                         needs_receipt_list: bool = True,
                         checkpoints: tuple = CHECKPOINTS_REGISTRATION,
                         **extra) -> ProcedureSpec:
    """A spec for the MLIT OSS (registered vehicles) with the usual defaults."""
    return ProcedureSpec(code=code, name=name, backend="mlit", family=family, summary=summary,
                         sections=sections, authorities=authorities,
                         needs_receipt_list=needs_receipt_list, checkpoints=checkpoints,
                         rules=rules, **extra)


def kei_procedure(code: str, name: str, *, summary: str, sections: tuple,
                  rules: tuple) -> ProcedureSpec:
    """A spec for the kei OSS (軽自動車検査協会)."""
    return ProcedureSpec(code=code, name=name, backend="kei", family="kei", summary=summary,
                         sections=sections, authorities=(KEIKENKYO,),
                         needs_receipt_list=name != "継続検査",
                         checkpoints=CHECKPOINTS_KEI, rules=rules)
