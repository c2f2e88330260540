"""受付番号リスト: build from eligible applications, send as a job, search, Excel, counter sheet."""

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from jobs.receipts import send_receipt_list
from portal.extensions import db
from portal.models import ApplicationEvent
from portal.models import AuditEvent
from portal.models import ListStatus
from tests.conftest import login
from tests.receipts.helpers import body
from tests.receipts.helpers import lists
from tests.receipts.helpers import received_lists
from tests.receipts.helpers import reload


@pytest.fixture
def office(tenants, flow):
    return flow.office(tenants["a"])


def at_reception(flow, office, user, procedure="iten", **kw):
    app = flow.file(office, user, procedure, **kw)
    return flow.until(app, "受付審査中")


def test_build_send_and_follow_a_list(any_app, tenants, flow, office):
    staff = tenants["a_staff"]
    first, second = (at_reception(flow, office, staff) for _ in range(2))
    kei = at_reception(flow, office, staff, "kei_shinsha_shinki")
    keizoku = at_reception(flow, office, staff, "keizoku")  # 継続検査: no list needed
    client = any_app.test_client()
    login(client, staff)

    page = body(client.get("/receipts/new"))
    assert f'id="candidate-{first.id}"' in page and f'id="candidate-{second.id}"' in page
    assert f'id="candidate-{kei.id}"' in page  # kei lists are built the same way
    assert f'id="candidate-{keizoku.id}"' not in page  # 継続検査 needs no list
    assert office.accounts["mlit"].bulk_user_id in page

    resp = client.post("/receipts/new", data={"name": "品川窓口", "application_id": [
        first.id, second.id]})
    assert resp.status_code == 302
    (rl,) = lists()
    assert (rl.status, rl.name, len(rl.items)) == (ListStatus.UNSENT, "品川窓口", 2)
    assert rl.oss_account_id == office.accounts["mlit"].id and rl.idempotency_key
    page = body(client.get("/receipts/new"))
    assert f'id="candidate-{first.id}"' not in page  # on a list now

    show = body(client.get(f"/receipts/{rl.id}"))
    assert "未送信" in show and first.receipt_number in show and "OSSへ送信" in show
    assert client.post(f"/receipts/{rl.id}/send").status_code == 302
    rl = reload(rl)
    assert rl.status == ListStatus.SENDING and rl.requested_at is not None
    polled = client.get(f"/receipts/{rl.id}/status", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in body(polled) and "HX-Refresh" not in polled.headers

    assert send_receipt_list(rl.id) == "sent"
    rl = reload(rl)
    assert rl.status == ListStatus.SENT and re.fullmatch(r"\d{8}", rl.identification_number)
    assert rl.sent_at and rl.attempts == 1 and rl.lease_until is None
    assert received_lists(flow) == 1
    polled = client.get(f"/receipts/{rl.id}/status", headers={"HX-Request": "true"})
    assert "hx-trigger" not in body(polled) and polled.headers["HX-Refresh"] == "true"
    assert rl.identification_number in body(polled) and "送信済" in body(polled)
    # The members' status was asked at once and recorded: OSS names the list.
    for app in (first, second):
        db.session.refresh(app)
        assert app.oss_detail["receipt_list"] == rl.identification_number
    events = db.session.scalars(sa.select(ApplicationEvent).where(
        ApplicationEvent.kind == "receipt_list_sent")).all()
    assert {e.application_id for e in events} == {first.id, second.id}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "receipt_list_sent")) == 1

    index = body(client.get("/receipts/"))
    assert "送信済" in index and rl.identification_number in index
    found = body(client.get("/receipts/", query_string={
        "identification_number": rl.identification_number}))
    assert f'id="receipt-list-{rl.id}"' in found
    found = body(client.get("/receipts/", query_string={"receipt_number": second.receipt_number}))
    assert f'id="receipt-list-{rl.id}"' in found
    none = body(client.get("/receipts/", query_string={"status": "error"}))
    assert f'id="receipt-list-{rl.id}"' not in none and "該当する受付番号リストはありません" in none

    # The flow goes on at OSS: documents at the counter, review, payment, completion.
    flow.portal_action(first, "documents")
    flow.until(first, "審査中")


def test_a_list_takes_one_account_and_eligible_applications_only(app, client, tenants, flow,
                                                                  office):
    staff = tenants["a_staff"]
    other = flow.second_account(office)
    a = at_reception(flow, office, staff)
    b = at_reception(flow, office, staff, account=other)
    fresh = flow.file(office, staff)  # 到達: not yet 受付審査中
    login(client, staff)
    page = body(client.get("/receipts/new"))
    assert f'id="account-{office.accounts["mlit"].id}"' in page
    assert f'id="account-{other.id}"' in page and f'id="candidate-{fresh.id}"' not in page

    resp = client.post("/receipts/new", data={"name": "混在", "application_id": [a.id, fresh.id]})
    assert resp.status_code == 422
    page = body(resp)
    assert f"No.{fresh.id} は受付番号リストに載せられません" in page
    assert 'value="混在"' in page  # what the user typed stays
    assert re.search(rf'value="{a.id}" id="pick-{a.id}"[^>]*checked', page)
    assert lists() == []

    # two 一括利用者ID: one list each
    resp = client.post("/receipts/new", data={"name": "混在", "application_id": [a.id, b.id]})
    assert resp.status_code == 302 and "status=unsent" in resp.headers["Location"]
    made = sorted(lists(), key=lambda rl: rl.id)
    assert [(rl.name, rl.oss_account_id, [i.application_id for i in rl.items]) for rl in made] == [
        ("混在(1/2)", office.accounts["mlit"].id, [a.id]), ("混在(2/2)", other.id, [b.id])]
    resp = client.post("/receipts/new", data={"name": "x" * 121, "application_id": [a.id]})
    assert resp.status_code == 422 and "120文字以内" in body(resp)
    resp = client.post("/receipts/new", data={"name": ""})
    assert resp.status_code == 422 and "選んでください" in body(resp)


def test_oss_refusal_is_an_error_with_the_reason_per_number(app, client, tenants, flow, office):
    staff = tenants["a_staff"]
    kept, gone = at_reception(flow, office, staff), at_reception(flow, office, staff)
    login(client, staff)
    client.post("/receipts/new", data={"application_id": [kept.id, gone.id]})
    (rl,) = lists()
    client.post(f"/receipts/{rl.id}/send")
    flow.client().withdraw(gone.arrival_number)  # withdrawn on the OSS side meanwhile
    assert send_receipt_list(rl.id) == "error"
    rl = reload(rl)
    assert rl.status == ListStatus.ERROR and rl.error_code == "OSS-421"
    assert gone.receipt_number in rl.error_message and "取下げ" in rl.error_message
    page = body(client.get(f"/receipts/{rl.id}"))
    assert "エラー" in page and gone.receipt_number in page and "もう一度送信" in page

    old_key = rl.idempotency_key
    assert client.post(f"/receipts/{rl.id}/remove",
                       data={"application_id": gone.id}).status_code == 302
    rl = reload(rl)
    assert rl.idempotency_key != old_key and len(rl.items) == 1  # new content, new key
    client.post(f"/receipts/{rl.id}/send")
    assert send_receipt_list(rl.id) == "sent"
    assert reload(rl).status == ListStatus.SENT
    # Sent lists can no longer change.
    resp = client.post(f"/receipts/{rl.id}/delete", follow_redirects=True)
    assert "送信済のリストは変更できません" in body(resp)


def test_delete_frees_the_applications(app, client, tenants, flow, office):
    staff = tenants["a_staff"]
    one = at_reception(flow, office, staff)
    login(client, staff)
    client.post("/receipts/new", data={"application_id": [one.id]})
    (rl,) = lists()
    resp = client.post(f"/receipts/{rl.id}/remove", data={"application_id": one.id},
                       follow_redirects=True)
    assert "最後の1件は外せません" in body(resp)
    assert client.post(f"/receipts/{rl.id}/delete").status_code == 302
    assert lists() == []
    assert f'id="candidate-{one.id}"' in body(client.get("/receipts/new"))


def test_excel_and_counter_sheet(app, client, tenants, flow, office):
    staff = tenants["a_staff"]
    apps = [at_reception(flow, office, staff) for _ in range(2)]
    login(client, staff)
    client.post("/receipts/new", data={"application_id": [a.id for a in apps]})
    (rl,) = lists()
    sheet = body(client.get(f"/receipts/{rl.id}/sheet"))
    assert "まだOSSへ送信されていません" in sheet
    client.post(f"/receipts/{rl.id}/send")
    send_receipt_list(rl.id)
    rl = reload(rl)

    resp = client.get(f"/receipts/{rl.id}/export.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert rl.identification_number in resp.headers["Content-Disposition"]
    sheet_rows = list(openpyxl.load_workbook(io.BytesIO(resp.data)).active.values)
    assert sheet_rows[0][:2] == ("一括利用者ID", office.accounts["mlit"].bulk_user_id)
    assert sheet_rows[1][:2] == ("識別番号", rl.identification_number)
    table = [r for r in sheet_rows if r and r[1] in {a.receipt_number for a in apps}]
    assert len(table) == 2 and all(isinstance(r[1], str) for r in table)  # kept as text

    resp = client.get(f"/receipts/{rl.id}/sheet")
    sheet = body(resp)
    assert rl.identification_number in sheet and office.accounts["mlit"].bulk_user_id in sheet
    assert all(a.receipt_number in sheet for a in apps)
    assert 'data-action="print"' in sheet and "css/receipts.css" in sheet
    assert "<script>" not in sheet and 'style="' not in sheet and "まだOSSへ" not in sheet
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


def test_dashboard_counts_applications_waiting_for_a_list(app, tenants, flow, office):
    from tests.applications.helpers import waiting_lines

    staff = tenants["a_staff"]
    first, second = (at_reception(flow, office, staff) for _ in range(2))
    at_reception(flow, office, staff, "keizoku")  # 継続検査 needs no list
    client = app.test_client()
    login(client, staff)
    lines = waiting_lines(body(client.get("/dashboard")))
    assert lines["receipt_list"] == (2, "/receipts/new")
    page = body(client.get("/receipts/new"))
    assert page.count('<tr id="candidate-') == 2
    client.post("/receipts/new", data={"application_id": [first.id, second.id]})
    lines = waiting_lines(body(client.get("/dashboard")))
    assert "receipt_list" not in lines
    # The list is made but not sent: the home page keeps asking for it until it is.
    assert lines["receipt_list_unsent"] == (1, "/receipts/?status=unsent")
    assert body(client.get("/receipts/?status=unsent")).count('<tr id="receipt-list-') == 1
    (rl,) = lists()
    client.post(f"/receipts/{rl.id}/send")
    assert "receipt_list_unsent" not in waiting_lines(body(client.get("/dashboard")))
    rl.status = ListStatus.ERROR
    db.session.commit()
    assert waiting_lines(body(client.get("/dashboard")))["receipt_list_error"] == (
        1, "/receipts/?status=error")


def test_a_refiled_application_needs_a_new_list_and_the_old_list_keeps_its_numbers(
        app, client, tenants, flow, office):
    """却下 after the list was sent, then 再申請: the new 受付番号 is a candidate again, and
    the sent list still shows (and is found by) the number it was sent with."""
    from tests.pipeline.office import drain

    staff = tenants["a_staff"]
    filed = at_reception(flow, office, staff, marker="03")  # 却下 during 審査中
    old_receipt, old_arrival = filed.receipt_number, filed.arrival_number
    login(client, staff)
    client.post("/receipts/new", data={"name": "一回目", "application_id": [filed.id]})
    (first,) = lists()
    client.post(f"/receipts/{first.id}/send")
    assert send_receipt_list(first.id) == "sent"
    flow.portal_action(filed, "documents")
    flow.until(filed, "却下")
    assert client.post(f"/applications/{filed.id}/oss/resubmit").status_code == 302
    drain(app)
    db.session.refresh(filed)
    flow.until(filed, "受付審査中")
    assert filed.receipt_number not in ("", old_receipt)

    page = body(client.get("/receipts/new"))
    assert f'id="candidate-{filed.id}"' in page
    show = body(client.get(f"/receipts/{first.id}"))
    assert f"<td>{old_receipt}</td>" in show and f"<td>{old_arrival}</td>" in show
    assert f"<td>{filed.receipt_number}</td>" not in show
    assert f"再申請済(現在の受付番号 {filed.receipt_number})" in show
    found = body(client.get(f"/receipts/?receipt_number={old_receipt}"))
    assert f"/receipts/{first.id}" in found
    assert f"/receipts/{first.id}" not in body(
        client.get(f"/receipts/?receipt_number={filed.receipt_number}"))
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/receipts/{first.id}/export.xlsx").data))
    cells = [c for row in sheet.active.iter_rows(values_only=True) for c in row]
    assert old_receipt in cells and filed.receipt_number not in cells  # only inside the status text

    resp = client.post("/receipts/new", data={"name": "二回目", "application_id": [filed.id]})
    assert resp.status_code == 302
    second = next(rl for rl in lists() if rl.id != first.id)
    assert [i.receipt_number for i in second.items] == [filed.receipt_number]
    assert "受付番号リスト No.{}".format(second.id) in body(client.get(f"/applications/{filed.id}"))


def test_a_list_holding_an_earlier_filing_is_not_sent(app, client, tenants, flow, office):
    """An unsent list made before a 再申請 holds the old 受付番号: sending it is refused
    with what to do, rather than sending a number OSS no longer knows."""
    staff = tenants["a_staff"]
    filed = at_reception(flow, office, staff)
    login(client, staff)
    client.post("/receipts/new", data={"application_id": [filed.id]})
    (rl,) = lists()
    old = filed.receipt_number
    filed.receipt_number = "19999999999"  # what a 再申請 brings: a new filing, a new number
    db.session.commit()
    resp = client.post(f"/receipts/{rl.id}/send", follow_redirects=True)
    assert (f"No.{filed.id} は再申請されたため、このリストの受付番号({old})では送れません"
            in body(resp))
    assert reload(rl).status == ListStatus.UNSENT


def test_an_application_oss_already_lists_is_neither_offered_nor_counted(any_app, tenants, flow,
                                                                        office):
    """OSS's status can name a list the portal did not send (made elsewhere): such an
    application is no candidate, and the home page's count agrees with the page."""
    from portal.receipts.eligibility import candidates
    from portal.receipts.eligibility import count_candidates

    staff = tenants["a_staff"]
    listed, free = (at_reception(flow, office, staff) for _ in range(2))
    row = reload(listed)
    row.oss_detail = {**row.oss_detail, "receipt_list": "R0000000001"}
    db.session.commit()
    assert [c.application.id for c in candidates(staff.org_id)] == [free.id]
    assert count_candidates(staff.org_id) == 1


def test_a_large_choice_becomes_lists_of_the_maximum_in_receipt_order(app, client, tenants,
                                                                        flow, office,
                                                                        monkeypatch):
    from portal.receipts import eligibility
    from portal.receipts import views

    monkeypatch.setattr(eligibility, "MAX_ITEMS", 2)
    monkeypatch.setattr(views, "SHOWN_PER_ACCOUNT", 3)
    staff = tenants["a_staff"]
    apps = [at_reception(flow, office, staff) for _ in range(4)]
    henko = at_reception(flow, office, staff, "henko")  # another procedure
    login(client, staff)
    page = body(client.get("/receipts/new"))
    assert page.count('<tr id="candidate-') == 3 and 'id="more-' in page  # 5, 3 shown
    form = page.split('id="receipt-list-form"')[1]
    first_submit = re.search(r'<button type="submit"[^>]*>', form)
    assert 'id="create-top"' in first_submit[0]  # Enter in リスト名 never takes a whole group

    ids = [a.id for a in apps[:3]]
    resp = client.post("/receipts/new", data={"name": "午前", "application_id": ids})
    assert resp.status_code == 302
    made = sorted(lists(), key=lambda rl: rl.id)
    numbers = sorted(reload(a).receipt_number for a in apps[:3])
    assert [(rl.name, sorted(i.receipt_number for i in rl.items)) for rl in made] == [
        ("午前(1/2)", numbers[:2]), ("午前(2/2)", numbers[2:])]

    # the rest of one procedure, as narrowed, with the group's button
    page = body(client.get("/receipts/new?procedure=iten"))
    assert f'id="candidate-{apps[3].id}"' in page and f'id="candidate-{henko.id}"' not in page
    account = office.accounts["mlit"].id
    resp = client.post("/receipts/new", data={"procedure": "iten", "whole_account": account})
    assert resp.status_code == 302
    last = max(lists(), key=lambda rl: rl.id)
    assert [i.application_id for i in last.items] == [apps[3].id]
    assert f'id="candidate-{henko.id}"' in body(client.get("/receipts/new"))
