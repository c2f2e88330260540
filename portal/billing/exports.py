"""Statement downloads (CSV, Excel) and the association's bank debit file (CSV).

CSV files are UTF-8 with a BOM and CRLF line ends, so they open cleanly in
Excel. Column lists are documented in docs/hours-and-billing.md.
"""

import csv
import io

from portal.billing import months
from portal.billing.statements import lines_of
from portal.models import Statement
from portal.templating import jst

STATEMENT_COLUMNS = ("受付番号", "手続", "申請先", "完了日時(日本時間)", "金額(円・税込)", "備考")
DEBIT_COLUMNS = ("対象年月", "引落日", "組織ID", "組織名", "組織名カナ", "金融機関名", "支店名",
                 "預金種目", "口座番号", "口座名義", "件数", "請求金額(円・税込)")


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _note(line) -> str:
    return f"{months.label(line.earlier_month)}完了分" if line.earlier_month else ""


def _statement_rows(statement: Statement) -> list[list]:
    return [[line.receipt_number, line.procedure, line.backend,
             jst(line.completed_at, "%Y-%m-%d %H:%M:%S"), line.amount, _note(line)]
            for line in lines_of(statement)]


def statement_csv(statement: Statement) -> bytes:
    """Line items, then a 合計 row (count and amount)."""
    total_row = ["合計", f"{statement.item_count}件", "", "", statement.total, ""]
    return _csv([STATEMENT_COLUMNS, *_statement_rows(statement), total_row])


def statement_xlsx(statement: Statement) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1})
    yen = book.add_format({"num_format": "#,##0"})
    sheet = book.add_worksheet("利用料金明細")
    summary = [("組織名", statement.organization.name),
               ("対象月", months.label(statement.month)),
               ("件数", statement.item_count), ("合計金額(円・税込)", statement.total),
               ("引落日", statement.debit_date.isoformat())]
    sheet.write_string(0, 0, "ossdesk 利用料金明細", bold)
    for row, (name, value) in enumerate(summary, start=1):
        sheet.write_string(row, 0, name, bold)
        sheet.write(row, 1, value, yen if isinstance(value, int) else None)
    top = len(summary) + 2
    for col, title in enumerate(STATEMENT_COLUMNS):
        sheet.write_string(top, col, title, head)
    rows = _statement_rows(statement)
    for r, values in enumerate(rows, start=top + 1):
        for c, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(r, c, value, yen)
            else:
                sheet.write_string(r, c, value)
    end = top + len(rows) + 1
    sheet.write_string(end, 0, "合計", bold)
    sheet.write_number(end, 4, statement.total, yen)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 5, 20)
    book.close()
    return buffer.getvalue()


def debit_csv(statements: list[Statement]) -> bytes:
    """One row per organisation with an amount to collect for the month."""
    rows = [DEBIT_COLUMNS]
    for s in statements:
        org = s.organization
        rows.append([s.month, s.debit_date.isoformat(), org.id, org.name, org.name_kana,
                     org.bank_name, org.bank_branch, org.bank_account_type,
                     org.bank_account_number, org.bank_account_holder, s.item_count, s.total])
    return _csv(rows)
