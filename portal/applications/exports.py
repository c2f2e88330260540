"""CSV and Excel export of the rows a search matches (all pages, display order).

Rows are read in chunks of ids and written as they come: the CSV streams to
the client, the workbook is written by XlsxWriter in constant-memory mode. Text that a spreadsheet would run as a formula is prefixed
with an apostrophe.
"""

import csv
import io
from collections.abc import Iterator

from forms import specs
from portal.applications import flags as flag_rules
from portal.applications.search import ids_query
from portal.applications.search import load_rows
from portal.applications.search_form import Criteria
from portal.extensions import db
from portal.templating import jst

CHUNK = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_text(value) -> str:
    """``value`` as text a spreadsheet shows as typed (never as a formula)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def header(backend: str) -> list[str]:
    flag_headers = [c.header for c in flag_rules.columns(backend)]
    return ["No.", "手続", "種別", "状態", "OSS状況", "OSS状況日時(JST)", *flag_headers,
            "登録番号", "車台番号", "所有者", "依頼人", "代理人", "担当者(作成者)", "到達番号",
            "受付番号", "作成日時(JST)", "送信日時(JST)", "受付日時(JST)", "完了日時(JST)",
            "更新日時(JST)"]


def row_values(app, backend: str) -> list[str]:
    spec = specs.get(app.procedure)
    flags = {f.code: f for f in flag_rules.flags_of(app)}
    flag_cells = ["有" if flags.get(c.code) and flags[c.code].raised else ""
                  for c in flag_rules.columns(backend)]
    return [str(app.id), spec.name, "軽" if spec.is_kei else "登録車", app.state.label,
            app.oss_status, jst(app.oss_status_at), *flag_cells, app.registration_no,
            app.chassis_no, app.owner_name, app.requester.name if app.requester else "",
            app.agent.name if app.agent else "",
            app.created_by.display_name if app.created_by else "", app.arrival_number,
            app.receipt_number, jst(app.created_at), jst(app.submitted_at),
            jst(app.accepted_at), jst(app.completed_at), jst(app.updated_at)]


def matching_rows(user, c: Criteria) -> Iterator:
    """Every matching application (list columns only), chunk by chunk."""
    ids = list(db.session.scalars(ids_query(user, c)))
    for start in range(0, len(ids), CHUNK):
        rows = load_rows(ids[start:start + CHUNK])
        yield from rows
        for row in rows:
            db.session.expunge(row)


def csv_chunks(user, c: Criteria) -> Iterator[bytes]:
    """The CSV (UTF-8 with BOM, so spreadsheet software reads the Japanese) in pieces."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header(c.backend))
    for n, app in enumerate(matching_rows(user, c), start=1):
        writer.writerow([safe_text(v) for v in row_values(app, c.backend)])
        if n % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_file(user, c: Criteria) -> io.BytesIO:
    """The workbook (rows are flushed to disk while it is built; the zip is kept in memory)."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    sheet = book.add_worksheet("申請データ")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, header(c.backend), bold)
    for r, app in enumerate(matching_rows(user, c), start=1):
        values = row_values(app, c.backend)
        sheet.write_number(r, 0, app.id)
        for col, value in enumerate(values[1:], start=1):
            if value:
                sheet.write_string(r, col, value)
    sheet.freeze_panes(1, 0)
    book.close()
    out.seek(0)
    return out
