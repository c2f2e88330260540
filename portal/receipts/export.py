"""A 受付番号リスト as an Excel workbook: the 一括利用者ID and 識別番号 on top, one row per application."""

import io

import xlsxwriter

from portal.models import ReceiptList
from portal.receipts.services import account_of
from portal.receipts.services import procedure_label
from portal.templating import jst

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (("No.", 6), ("受付番号", 16), ("到達番号", 20), ("手続", 16), ("登録番号", 22),
           ("車台番号", 22), ("所有者", 28), ("OSSの状況", 14))


def filename(rl: ReceiptList) -> str:
    ident = rl.identification_number or f"unsent-{rl.id}"
    return f"receipt-list-{ident}.xlsx"


def header_rows(rl: ReceiptList) -> list[tuple[str, str]]:
    """What the counter needs first: 一括利用者ID and 識別番号 (shared with the counter sheet)."""
    account = account_of(rl)
    return [
        ("一括利用者ID", account.bulk_user_id if account else ""),
        ("識別番号", rl.identification_number or "(未送信)"),
        ("送信状況", rl.status.label),
        ("送信日時(JST)", jst(rl.sent_at)),
        ("リスト名", rl.name),
        ("件数", str(len(rl.items))),
    ]


def row_values(index: int, app) -> list:
    return [index, app.receipt_number, app.arrival_number,
            procedure_label(app.procedure), app.registration_no, app.chassis_no,
            app.owner_name,
            f"再申請済(現在の受付番号 {app.application.receipt_number})" if app.refiled
            else app.oss_status]


def workbook(rl: ReceiptList, apps) -> bytes:
    """The workbook's bytes (written in memory)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
    cell = book.add_format({"border": 1, "num_format": "@"})
    sheet = book.add_worksheet("受付番号リスト")
    heading = header_rows(rl)
    for row, (label, value) in enumerate(heading):
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 1, value)
    top = len(heading) + 1
    for col, (title, width) in enumerate(COLUMNS):
        sheet.write_string(top, col, title, head)
        sheet.set_column(col, col, width)
    for i, app in enumerate(apps, start=1):
        for col, value in enumerate(row_values(i, app)):
            if isinstance(value, int):
                sheet.write_number(top + i, col, value, cell)
            else:
                sheet.write_string(top + i, col, value or "", cell)
    sheet.freeze_panes(top + 1, 0)
    book.close()
    return out.getvalue()
