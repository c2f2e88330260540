"""Bulk import without the database: templates, reading, converting and checking rows."""

import io

import openpyxl
import pytest

from forms import import_templates
from forms import importer
from forms import specs
from tests.samples import csv_bytes
from tests.samples import example_payload
from tests.samples import import_rows
from tests.samples import xlsx_bytes

ITEN = specs.get("iten")


def check(table, **kw):
    kw.setdefault("kei_manager_name", "業者")
    return importer.check_rows(ITEN, table, **kw)


@pytest.mark.parametrize("spec", specs.ALL, ids=[s.code for s in specs.ALL])
def test_templates_for_every_procedure(spec):
    csv_text = import_templates.as_csv(spec)
    assert csv_text.startswith(b"\xef\xbb\xbf")
    header = csv_text.decode("utf-8-sig").strip().split(",")
    assert header == [c.header for c in importer.columns(spec)]
    book = openpyxl.load_workbook(io.BytesIO(import_templates.as_xlsx(spec)), read_only=True)
    assert book.sheetnames == ["申請データ", "記入方法"]
    first = next(book["申請データ"].iter_rows(values_only=True))
    assert list(first) == header
    book.close()
    assert all(c.spec.type != "file" for c in importer.columns(spec))


def test_example_rows_are_valid_for_every_procedure():
    for spec in specs.ALL:
        table = import_rows(spec, [example_payload(spec)])
        result = importer.check_rows(spec, table, kei_manager_name="業者")
        assert result.invalid == [], (spec.code, result.rows[0].problems)
        assert result.rows[0].payload == example_payload(spec)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis"])
def test_csv_encodings_are_detected(encoding):
    table = import_rows(ITEN, [example_payload(ITEN)])
    rows = importer.read_table(csv_bytes(table, encoding))
    assert rows[1][rows[0].index("新所有者:氏名又は名称")] == "山田　太郎"


@pytest.mark.parametrize("delimiter", ["\t", ","])
def test_utf16_text_as_excel_saves_it_is_read(delimiter):
    """Excel's 「Unicode テキスト」 is UTF-16 with a byte-order mark, tab-separated."""
    table = import_rows(ITEN, [example_payload(ITEN)])
    text = "\r\n".join(delimiter.join(row) for row in table) + "\r\n"
    rows = importer.read_table(text.encode("utf-16"))
    assert rows[0] == table[0] and rows[1] == table[1]


def test_cp932_only_characters_are_named():
    payload = example_payload(ITEN)
    payload["owner"]["name"] = "髙橋　①郎"
    table = importer.read_table(csv_bytes(import_rows(ITEN, [payload]), "cp932"))
    (row,) = check(table).invalid
    (column, message) = row.problems[0]
    assert column == "新所有者:氏名又は名称"
    assert "「髙」(U+9AD9)は「高」に置き換えてください" in message
    assert "「①」(U+2460)は「１」に置き換えてください" in message


def test_xlsx_is_read_by_content():
    table = import_rows(ITEN, [example_payload(ITEN)])
    rows = importer.read_table(xlsx_bytes(table))
    assert rows == table


def _xlsx_with(member: str, change) -> bytes:
    """A real workbook whose ``member`` was rewritten by ``change`` (bytes → bytes)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["a", "b"], ["x", "y"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, change(data) if item.filename == member else data)
    return out.getvalue()


def _with_entity(xml: bytes) -> bytes:
    head, body = xml.split(b"?>", 1)
    doctype = b'<!DOCTYPE sst [<!ENTITY e "expanded">]>'
    return head + b"?>" + doctype + body.replace(b">x<", b">&e;<", 1)


@pytest.mark.parametrize("member,change", [
    ("xl/sharedStrings.xml", _with_entity),  # entities are never expanded
    ("xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</sheetData>", b"<row>")),
], ids=["entity", "broken-sheet"])
def test_a_doctored_workbook_is_refused_with_a_message(member, change):
    """Entity declarations (the road to billion laughs and external files) are refused by
    defusedxml, which openpyxl uses when it is installed; a sheet whose XML breaks while its
    rows are read is refused as unreadable, not answered with a server error."""
    with pytest.raises(importer.ImportFileError) as exc:
        importer.read_table(_xlsx_with(member, change))
    assert "Excelファイル(.xlsx)として読み込めません" in exc.value.message


@pytest.mark.parametrize("data,message", [
    (b"%PDF-1.4", "PDFファイルは取り込めません"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xlsx 形式で保存し直してください"),
    (b"PK\x03\x04 not really a workbook", "Excelファイル(.xlsx)として読み込めません"),
    (b"   ", "ファイルが空です"),
    (b"\x00\x01\x02binary", "バイナリファイル"),
    (b"\x82\xa0\x81\x7f", "文字コードを判別できません"),
])
def test_unreadable_files_are_refused(data, message):
    with pytest.raises(importer.ImportFileError) as exc:
        importer.read_table(data)
    assert message in exc.value.message


def test_unknown_and_missing_headers():
    table = import_rows(ITEN, [example_payload(ITEN)])
    table[0][0] = "謎の列"
    with pytest.raises(importer.ImportFileError) as exc:
        check(table)
    assert "テンプレートにない列があります: 謎の列" in exc.value.message
    with pytest.raises(importer.ImportFileError) as exc:
        check([["新所有者:氏名又は名称"], ["山田"]])
    assert "必須の列がありません" in exc.value.message


def test_dotted_keys_are_accepted_as_headers():
    table = import_rows(ITEN, [example_payload(ITEN)])
    table[0] = [c.dotted for c in importer.columns(ITEN)]
    assert check(table).invalid == []


def test_row_problems_name_row_and_column():
    good, bad = example_payload(ITEN), example_payload(ITEN)
    bad["registration"]["cause"] = "相続"
    bad["vehicle"]["reg_kana"] = "お"
    result = check(import_rows(ITEN, [good, bad, good]))
    assert [r.number for r in result.invalid] == [3]
    problems = dict(result.invalid[0].problems)
    assert "【移転登録の登録原因】" in problems["登録原因:登録原因"]
    assert "「お」「し」「へ」「ん」" in problems["車両:自動車登録番号(ひらがな)"]
    assert len(result.valid) == 2


def test_blank_rows_are_skipped_and_empty_files_refused():
    table = import_rows(ITEN, [example_payload(ITEN)])
    table.insert(1, [""] * len(table[0]))
    result = check(table)
    assert [r.number for r in result.rows] == [3]
    with pytest.raises(importer.ImportFileError):
        check(table[:1])


def test_values_are_converted():
    payload = example_payload(ITEN)
    payload["registration"]["cause"] = "割賦完済"       # a label instead of the code
    payload["registration"]["cause_date"] = "令和7年4月1日"
    payload["user"]["same_as_owner"] = "はい"
    payload["owner"]["name"] = "山田～太郎"             # Windows wave dash
    row = check(import_rows(ITEN, [payload])).rows[0]
    assert row.problems == []
    assert row.payload["registration"] == {"cause": "installment_paid",
                                           "cause_date": "2025-04-01"}
    assert row.payload["user"]["same_as_owner"] is True
    assert row.payload["owner"]["name"] == "山田〜太郎"


@pytest.mark.parametrize("raw,iso", [("2025/4/1", "2025-04-01"), ("2025-4-1", "2025-04-01"),
                                     ("2025年4月1日", "2025-04-01"), ("R7.4.1", "2025-04-01"),
                                     ("令和元年5月1日", "2019-05-01"), ("H31/4/30", "2019-04-30"),
                                     ("昨日", "昨日")])
def test_dates(raw, iso):
    assert importer.to_iso_date(raw) == iso


def test_bad_boolean_and_full_width_option():
    payload = example_payload(ITEN)
    payload["user"]["same_as_owner"] = "たぶん"
    payload["owner"]["name"] = "ﾔﾏﾀﾞ ﾀﾛｳ"
    table = import_rows(ITEN, [payload])
    problems = dict(check(table).rows[0].problems)
    assert "はい/いいえ" in problems["使用者:所有者と同じ"]
    assert "全角にすると「ヤマダ　タロウ」" in problems["新所有者:氏名又は名称"]
    converted = check(table, full_width=True).rows[0]
    assert converted.payload["owner"]["name"] == "ヤマダ　タロウ"


def test_kei_rows_need_the_manager_name():
    spec = specs.get("kei_keizoku")
    result = importer.check_rows(spec, import_rows(spec, [example_payload(spec)]),
                                 kei_manager_name="")
    assert result.invalid[0].problems[0][0] == ""
    assert "【軽証明書等管理業者名】" in result.invalid[0].problems[0][1]


def test_progress_is_reported():
    seen = []
    table = import_rows(ITEN, [example_payload(ITEN)] * 1200)
    check(table, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][1] == 1200
