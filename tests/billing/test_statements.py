"""Statements for admins (CSV, Excel, print) and the association's overview and debit file."""

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from portal.billing.close import run_close
from portal.billing.exports import DEBIT_COLUMNS
from portal.billing.exports import STATEMENT_COLUMNS
from portal.extensions import db
from portal.models import AuditEvent
from portal.models import Backend
from portal.models import Statement
from tests.billing.helpers import bill
from tests.conftest import login
from tests.timekeeping import jst


@pytest.fixture
def closed(app, tenants, make_application, set_clock):
    """January 2026 closed for a (a late-December report, registered and kei) and b."""
    a, b = tenants["a"], tenants["b"]
    a.bank_name, a.bank_branch, a.bank_account_number = "みらい銀行", "本店営業部", "1234567"
    a.bank_account_holder, a.name_kana = "コウギョウセイショシジムショ", "コウギョウセイショシジムショ"
    db.session.commit()
    bill(make_application, a, jst(2025, 12, 31, 23, 59, 59), receipt="R-DEC")
    set_clock(jst(2026, 1, 1, 0, 5))
    run_close()
    bill(make_application, a, jst(2026, 1, 5, 10, 30), procedure="keizoku", receipt="R-1")
    bill(make_application, a, jst(2026, 1, 31, 23, 59, 59), procedure="kei_keizoku",
         backend=Backend.KEI, receipt="R-2")
    bill(make_application, b, jst(2026, 1, 10, 9, 0), receipt="R-B")
    set_clock(jst(2026, 2, 1, 0, 5))
    run_close()
    db.session.rollback()
    by = {(s.org_id, s.month): s for s in db.session.scalars(sa.select(Statement))}
    return {"a_jan": by[(a.id, "2026-01")], "b_jan": by[(b.id, "2026-01")],
            "a_dec": by[(a.id, "2025-12")]}


def test_admin_sees_own_statements(client, tenants, closed):
    login(client, tenants["a_admin"])
    page = client.get("/billing/statements").get_data(as_text=True)
    assert "2026年1月" in page and "2025年12月" in page
    assert "2026年2月27日(金)" in page
    detail = client.get(f"/billing/statements/{closed['a_jan'].id}").get_data(as_text=True)
    for text in ("R-1", "R-2", "継続検査", "軽自動車", "登録車", "2026-01-31 23:59:59",
                 "<strong>90円</strong>", "2026年2月27日(金)"):
        assert text in detail


def test_statement_csv(client, tenants, closed):
    login(client, tenants["a_admin"])
    resp = client.get(f"/billing/statements/{closed['a_jan'].id}/csv")
    assert resp.mimetype == "text/csv"
    assert "ossdesk_statement_2026-01_" in resp.headers["Content-Disposition"]
    raw = resp.get_data()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(STATEMENT_COLUMNS)
    assert rows[1:] == [
        ["R-1", "継続検査", "登録車", "2026-01-05 10:30:00", "45", ""],
        ["R-2", "継続検査", "軽自動車", "2026-01-31 23:59:59", "45", ""],
        ["合計", "2件", "", "", "90", ""],
    ]


def test_statement_excel(client, tenants, closed):
    login(client, tenants["a_admin"])
    resp = client.get(f"/billing/statements/{closed['a_jan'].id}/xlsx")
    book = openpyxl.load_workbook(io.BytesIO(resp.get_data()))
    sheet = book["利用料金明細"]
    values = [[c for c in row if c not in (None, "")] for row in sheet.iter_rows(values_only=True)]
    assert ["組織名", "甲行政書士事務所"] in values
    assert ["合計金額(円・税込)", 90] in values
    assert ["引落日", "2026-02-27"] in values
    assert list(STATEMENT_COLUMNS) in values
    assert ["R-2", "継続検査", "軽自動車", "2026-01-31 23:59:59", 45] in values
    assert ["合計", 90] in values


def test_print_view(client, tenants, closed):
    login(client, tenants["a_admin"])
    body = client.get(f"/billing/statements/{closed['a_jan'].id}/print").get_data(as_text=True)
    assert 'data-action="print"' in body and "R-2" in body and "90" in body
    assert "main-nav" not in body


def test_a_statement_shows_subtotals_and_pages_its_lines(client, tenants, closed, monkeypatch):
    """A month of thousands of lines: the page shows subtotals per procedure and the lines a
    page at a time; the print view keeps the subtotals and leaves long detail to the files."""
    from portal.billing import statements
    from portal.billing import views

    real = statements.line_page
    monkeypatch.setattr(statements, "line_page", lambda st, page: real(st, page, per_page=1))
    monkeypatch.setattr(views, "PRINTED_LINES_MAX", 1)
    login(client, tenants["a_admin"])
    url = f"/billing/statements/{closed['a_jan'].id}"
    first = client.get(url).get_data(as_text=True)
    subtotals = first.split('id="subtotals"')[1].split("</table>")[0]
    assert ('<td>継続検査</td><td>登録車</td><td class="num">1</td><td class="num">45</td>'
            in subtotals)
    assert ('<td>継続検査</td><td>軽自動車</td><td class="num">1</td><td class="num">45</td>'
            in subtotals)
    assert subtotals.index("登録車") < subtotals.index("軽自動車")
    assert "R-1" in first and "R-2" not in first and "2件中 1〜1件を表示" in first
    assert f'href="{url}?page=2" rel="next"' in first
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert "R-2" in second and "R-1" not in second
    printed = client.get(f"{url}/print").get_data(as_text=True)
    assert 'id="lines-in-files"' in printed and "R-1" not in printed
    assert 'id="subtotals"' in printed


def test_admin_cannot_reach_another_organisations_statement(client, tenants, closed):
    login(client, tenants["b_admin"])
    for suffix in ("", "/csv", "/xlsx", "/print"):
        assert client.get(f"/billing/statements/{closed['a_jan'].id}{suffix}").status_code == 404
    page = client.get("/billing/statements").get_data(as_text=True)
    assert "2025年12月" not in page and "R-1" not in page
    assert client.get(f"/billing/statements/{closed['b_jan'].id}/csv").status_code == 200


@pytest.mark.parametrize("who", ["a_staff", "r_staff"])
def test_staff_cannot_see_statements(client, tenants, closed, who):
    login(client, tenants[who])
    assert client.get("/billing/statements").status_code == 403
    assert client.get(f"/billing/statements/{closed['a_jan'].id}").status_code == 403
    assert client.get("/billing/overview").status_code == 403


def test_requester_admin_has_no_statements(client, tenants, closed):
    login(client, tenants["r_admin"])
    assert client.get("/billing/statements").status_code == 403  # menu is for agents only
    assert client.get(f"/billing/statements/{closed['a_jan'].id}").status_code == 404


def test_association_sees_all_and_totals_per_month(client, tenants, closed):
    login(client, tenants["assoc"])
    page = client.get("/billing/overview").get_data(as_text=True)
    assert "2026年1月" in page and "2025年12月" in page
    assert ">135<" in page and ">3<" in page  # January: 3 applications, 135 yen
    month = client.get("/billing/overview?month=2026-01").get_data(as_text=True)
    assert "甲行政書士事務所" in month and "乙行政書士法人" in month
    assert client.get(f"/billing/statements/{closed['b_jan'].id}").status_code == 200
    empty = client.get("/billing/overview?month=2026-02").get_data(as_text=True)
    assert "この月の明細はありません" in empty


def test_debit_file(client, tenants, closed):
    login(client, tenants["assoc"])
    resp = client.get("/billing/debit.csv?month=2026-01")
    assert resp.headers["Content-Disposition"] == 'attachment; filename="ossdesk_debit_2026-01.csv"'
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert rows[0] == list(DEBIT_COLUMNS)
    a, b = tenants["a"], tenants["b"]
    assert rows[1:] == [
        ["2026-01", "2026-02-27", str(a.id), "甲行政書士事務所", "コウギョウセイショシジムショ",
         "みらい銀行", "本店営業部", "普通", "1234567", "コウギョウセイショシジムショ", "2", "90"],
        ["2026-01", "2026-02-27", str(b.id), "乙行政書士法人", "", "", "", "普通", "", "", "1",
         "45"],
    ]
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.target).where(
        AuditEvent.action == "billing_debit_exported")) == "billing:2026-01"
    no_usage = client.get("/billing/debit.csv?month=2026-03").get_data().decode("utf-8-sig")
    assert no_usage.strip() == ",".join(DEBIT_COLUMNS)
    assert client.get("/billing/debit.csv?month=bad").status_code == 404
    login(client, tenants["a_admin"])
    assert client.get("/billing/debit.csv?month=2026-01").status_code == 403


def test_association_runs_the_close(client, tenants, make_application, set_clock):
    bill(make_application, tenants["a"], jst(2026, 4, 10, 9, 0))
    set_clock(jst(2026, 5, 2, 9, 0))
    login(client, tenants["assoc"])
    page = client.post("/billing/close", follow_redirects=True).get_data(as_text=True)
    assert "締め処理を行いました(新しい明細 1件)" in page
    assert "2026年4月" in page


def test_open_usage_is_shown_before_the_close(client, tenants, make_application, set_clock):
    bill(make_application, tenants["a"], jst(2026, 4, 10, 9, 0))
    set_clock(jst(2026, 4, 20, 9, 0))
    login(client, tenants["a_admin"])
    page = client.get("/billing/statements").get_data(as_text=True)
    assert "締め前の利用" in page and "2026年4月" in page
