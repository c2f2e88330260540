"""Bulk-import templates per procedure: a CSV header row and an Excel workbook.

The Excel template has the data sheet (headers only) and a sheet that explains
every column: required or not, its format, an example and the help text.
"""

import csv
import io

from forms.importer import SHEET_NAME
from forms.importer import Column
from forms.importer import columns
from forms.spec import ProcedureSpec


def _describe(col: Column) -> list[str]:
    fs = col.spec
    if fs.type == "select":
        kind = "選択: " + " / ".join(f"{v}={label}" for v, label in fs.choices)
    elif fs.type == "bool":
        kind = "はい/いいえ(1/0)"
    elif fs.type == "date":
        kind = "日付(2026-04-01)"
    else:
        kind = "文字"
    example = ("はい" if fs.example else "いいえ") if fs.type == "bool" else str(fs.example)
    return [col.header, "必須" if fs.required else "", kind, example, fs.help]


def table(spec: ProcedureSpec, payloads=()) -> list[list[str]]:
    """The header row and one row per payload, in the import's column layout (yes/no as 1/0)."""
    cols = columns(spec)
    rows = [[c.header for c in cols]]
    for payload in payloads:
        row = []
        for c in cols:
            value = (payload.get(c.section.key) or {}).get(c.spec.key, "")
            row.append(("1" if value else "0") if isinstance(value, bool) else str(value))
        rows.append(row)
    return rows


def as_csv(spec: ProcedureSpec, payloads=()) -> bytes:
    """The CSV template (one header row; with ``payloads``, a row for each), UTF-8 with BOM
    (opens cleanly in Excel)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table(spec, payloads))
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(spec: ProcedureSpec) -> bytes:
    """The Excel template: a data sheet with headers and a sheet explaining each column."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1})
    text = book.add_format({"num_format": "@"})
    data = book.add_worksheet(SHEET_NAME)
    for i, col in enumerate(columns(spec)):
        data.write_string(0, i, col.header, bold)
        data.set_column(i, i, max(12, len(col.header) * 2), text)
    data.freeze_panes(1, 0)
    notes = book.add_worksheet("記入方法")
    for i, title in enumerate(("列", "必須", "形式", "記入例", "説明")):
        notes.write_string(0, i, title, bold)
    for row, col in enumerate(columns(spec), start=1):
        for i, value in enumerate(_describe(col)):
            notes.write_string(row, i, value)
    notes.set_column(0, 0, 36)
    notes.set_column(2, 4, 40)
    book.close()
    return buffer.getvalue()
