"""Procedure specs defined by the tests themselves (the real 13 live in forms/)."""

from forms.spec import FieldSpec
from forms.spec import ProcedureSpec
from forms.spec import SectionSpec

ITEN = ProcedureSpec(
    code="iten", name="移転登録", backend="mlit",
    sections=(
        SectionSpec("vehicle", "自動車", (
            FieldSpec("registration_number", "自動車登録番号", required=True, max_length=20),
            FieldSpec("chassis_number", "車台番号", required=True, max_length=30),
        )),
        SectionSpec("所有者", "新所有者", (
            FieldSpec("氏名", "氏名又は名称", required=True, max_length=40),
            FieldSpec("住所1", "住所1", required=True, max_length=80),
            FieldSpec("住所コード", "住所コード", max_length=11),
        )),
        SectionSpec("cause", "登録原因", (
            FieldSpec("reason", "登録原因", type="select", required=True,
                      choices=(("sale", "売買"), ("installment", "割賦完済"))),
            FieldSpec("date", "原因日付", type="date", required=True),
        )),
        SectionSpec("options", "その他", (
            FieldSpec("hybrid", "ハイブリッド申請", type="bool"),
            FieldSpec("attachments", "添付ファイル", type="file"),
            FieldSpec("note", "備考", type="textarea", max_length=200),
        )),
    ),
    authorities=("運輸支局", "警察", "都道府県税事務所"), needs_receipt_list=True,
    checkpoints=("審査中", "納付待ち"),
)

KEIZOKU = ProcedureSpec(
    code="keizoku", name="継続検査", backend="mlit",
    sections=(
        SectionSpec("vehicle", "自動車", (
            FieldSpec("registration_number", "自動車登録番号", required=True, max_length=20),
            FieldSpec("chassis_number", "車台番号", required=True, max_length=30),
        )),
    ),
    authorities=("運輸支局",), needs_receipt_list=False, checkpoints=("納付待ち",),
)

KEI_KEIZOKU = ProcedureSpec(
    code="kei_keizoku", name="継続検査", backend="kei",
    sections=(
        SectionSpec("vehicle", "自動車", (
            FieldSpec("vehicle_number", "車両番号", required=True, max_length=20),
            FieldSpec("chassis_number", "車台番号", required=True, max_length=30),
        )),
    ),
    authorities=("軽自動車検査協会",), needs_receipt_list=False, checkpoints=("審査中",),
)

KEI_SHINKI = ProcedureSpec(
    code="kei_shinsha_shinki", name="新車新規検査", backend="kei",
    sections=(
        SectionSpec("vehicle", "自動車", (
            FieldSpec("chassis_number", "車台番号", required=True, max_length=30),
        )),
    ),
    authorities=("軽自動車検査協会",), needs_receipt_list=True, checkpoints=("審査中",),
)

ALL = (ITEN, KEIZOKU, KEI_KEIZOKU, KEI_SHINKI)


def iten_payload(chassis: str = "ZVW30-1234567") -> dict:
    return {
        "vehicle": {"registration_number": "品川 300 さ 12-34", "chassis_number": chassis},
        "所有者": {"氏名": "山田　花子", "住所1": "東京都千代田区霞が関二丁目1番3号", "住所コード": ""},
        "cause": {"reason": "sale", "date": "2026-11-20"},
        "options": {"hybrid": False, "attachments": ["doc-1", "doc-2"], "note": ""},
    }


def vehicle_payload(chassis: str = "ZVW30-7654321", number_key: str = "registration_number") -> dict:
    return {"vehicle": {number_key: "品川 300 さ 12-34", "chassis_number": chassis}}
