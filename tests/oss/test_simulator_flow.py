"""The simulated OSS moves applications through their flow (fast mode, clock moved by the tests)."""

import threading

import pytest
import requests

from oss.client import OssClient
from oss.errors import OssRejected
from tests.oss import specs
from tests.oss.conftest import new_key

STEP = 1.01


def submit(client, signed):
    return client.submit(signed.data, idempotency_key=signed.key).arrival_number


def portal(simulator, backend="mlit"):
    return OssClient(f"{simulator.url}/{backend}/portal")


def until_reception(simulator, client, arrival):
    simulator.advance(STEP)
    status = client.status(arrival)
    assert status.status == "受付審査中"
    return status


def test_receipt_list_procedure_to_completion(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign())
    first = mlit.status(arrival)
    assert (first.status, first.receipt_number) == ("到達", None)
    received = until_reception(simulator, mlit, arrival)
    assert received.receipt_number.startswith("1") and received.paper_deadline
    simulator.advance(60)  # nothing moves until the receipt list is sent
    assert mlit.status(arrival).status == "受付審査中"
    listed = mlit.send_receipt_list("BULK0001", [received.receipt_number],
                                    idempotency_key=new_key())
    assert len(listed.identification_number) == 8
    simulator.advance(2 * STEP)
    review = mlit.status(arrival)
    assert review.status == "審査中" and review.receipt_list == listed.identification_number
    assert {s.authority: s.status for s in review.substeps} == {
        "police": "審査中", "tax": "審査中", "transport": "審査中"}
    simulator.advance(0.6)
    steps = {s.authority: s.status for s in mlit.status(arrival).substeps}
    assert steps["tax"] == "審査完了" and steps["transport"] == "審査中"
    simulator.advance(1.0)
    assert mlit.status(arrival).status == "納付待ち"
    simulator.advance(2 * STEP)
    done = mlit.status(arrival)
    assert done.status == "手続完了" and done.terminal
    assert all(f.paid_via == "matome" for f in done.fees)
    assert done.flag_raised("notice") and not done.flag_raised("message")
    assert [e.status for e in done.history][:2] == ["到達", "受付審査中"]
    assert done.history[-1].status == "手続完了"


def test_continuing_inspection_needs_no_list(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign(specs.KEIZOKU))
    simulator.advance(30)
    status = mlit.status(arrival)
    assert status.status == "手続完了" and status.receipt_list is None
    assert {f.code for f in status.fees} == {"inspection_fee", "tech_info_fee", "weight_tax"}
    assert next(f for f in status.fees if f.code == "inspection_fee").amount == 1200


def test_kei_flow_flags_and_numbers(simulator, sign):
    kei = simulator.client("kei")
    arrival = submit(kei, sign(specs.KEI_SHINKI))
    assert arrival[8] == "2"
    received = until_reception(simulator, kei, arrival)
    assert received.receipt_number.startswith("2")
    assert set(received.flags) == {"message", "notice", "deadline"}
    assert received.flags["deadline"].label == "期" and received.flag_raised("deadline")
    assert received.flags["notice"].label == "軽"
    kei.send_receipt_list("BULK0001", [received.receipt_number], idempotency_key=new_key())
    simulator.advance(30)
    done = kei.status(arrival)
    assert done.status == "手続完了"
    assert [s.label for s in done.substeps] == ["軽自動車検査協会"]


def test_each_back_end_numbers_its_own_lists(simulator, sign):
    """OSS and 軽OSS are separate systems: each counts its lists from 00000001, and the same
    識別番号 on both is two lists, each found on its own back-end."""
    mlit, kei = simulator.client(), simulator.client("kei")
    received = until_reception(simulator, mlit, submit(mlit, sign()))
    received_kei = until_reception(simulator, kei, submit(kei, sign(specs.KEI_SHINKI)))
    one = mlit.send_receipt_list("BULK0001", [received.receipt_number], idempotency_key=new_key())
    two = kei.send_receipt_list("BULK0001", [received_kei.receipt_number],
                                idempotency_key=new_key())
    assert one.identification_number == two.identification_number == "00000001"
    assert mlit.receipt_list("00000001").receipt_numbers == (received.receipt_number,)
    assert kei.receipt_list("00000001").receipt_numbers == (received_kei.receipt_number,)


def test_a_database_from_before_per_back_end_list_numbers_is_upgraded(tmp_path):
    import sqlite3

    from oss.simulator.store import SCHEMA
    from oss.simulator.store import Store

    path = tmp_path / "sim.db"
    old = SCHEMA.replace("identification_number TEXT NOT NULL,",
                         "identification_number TEXT NOT NULL UNIQUE,")
    old = old.replace(",\n  UNIQUE (backend, identification_number));", ");")
    with sqlite3.connect(path) as conn:
        conn.executescript(old)
        conn.execute("INSERT INTO receipt_list VALUES (1, 'mlit', '00000001', 'B', 'k', 'd', 0)")
    Store(path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO receipt_list VALUES (2, 'kei', '00000001', 'B', 'k', 'd', 0)")
        tables = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        assert conn.execute("SELECT count(*) FROM receipt_list").fetchone() == (2,)
    assert "UNIQUE (backend, identification_number)" in tables["receipt_list"]
    assert "REFERENCES receipt_list(id)" in tables["application"]
    assert "receipt_list_new" not in tables and "receipt_list_old" not in tables


def test_same_key_gives_the_same_arrival_number_and_one_application(simulator, sign):
    mlit = simulator.client()
    signed = sign()
    first = mlit.submit(signed.data, idempotency_key=signed.key)
    again = mlit.submit(signed.data, idempotency_key=signed.key)
    assert again.arrival_number == first.arrival_number and again.duplicate
    resigned = sign(key=signed.key)  # signed again later: same data, same key
    assert mlit.submit(resigned.data, idempotency_key=signed.key).arrival_number == \
        first.arrival_number
    stats = requests.get(f"{simulator.url}/_sim/stats").json()
    assert stats["applications"] == 1 and stats["requests"]["submit"] == 3
    assert stats["repeated_keys"] == 1 and stats["duplicate_applications"] == 0
    log = requests.get(f"{simulator.url}/_sim/requests", params={"key": signed.key}).json()
    assert [r["http_status"] for r in log["requests"]] == [201, 200, 200]


def test_concurrent_submissions_of_one_key_make_one_application(simulator, sign):
    signed = sign()
    numbers, errors = [], []

    def send():
        try:
            numbers.append(simulator.client().submit(signed.data, idempotency_key=signed.key)
                           .arrival_number)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(numbers)) == 1 and len(numbers) == 8
    assert requests.get(f"{simulator.url}/_sim/stats").json()["applications"] == 1


def test_duplicate_counter_sees_the_same_data_under_two_keys(simulator, sign):
    mlit = simulator.client()
    submit(mlit, sign())
    submit(mlit, sign())  # a new key for the same application data: a duplicate filing
    assert requests.get(f"{simulator.url}/_sim/stats").json()["duplicate_applications"] == 1


def test_batch_status_by_numbers_and_keys(simulator, sign):
    mlit = simulator.client()
    a, b = sign(), sign(specs.KEIZOKU)
    arrival_a = submit(mlit, a)
    submit(mlit, b)
    batch = mlit.statuses([arrival_a, "20990101100000009"], [b.key, new_key()])
    assert len(batch.found) == 2 and batch.by_key(b.key).procedure == "keizoku"
    assert batch.missing_arrival_numbers == ("20990101100000009",)
    assert len(batch.missing_keys) == 1


def test_receipt_list_is_idempotent(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign())
    received = until_reception(simulator, mlit, arrival)
    key = new_key()
    one = mlit.send_receipt_list("BULK0001", [received.receipt_number], idempotency_key=key)
    two = mlit.send_receipt_list("BULK0001", [received.receipt_number], idempotency_key=key)
    assert two.identification_number == one.identification_number and two.duplicate
    assert mlit.receipt_list(one.identification_number).receipt_numbers == (received.receipt_number,)
    with pytest.raises(OssRejected) as info:
        mlit.send_receipt_list("BULK0001", ["10000000099"], idempotency_key=key)
    assert info.value.code == "OSS-410"


def test_documents_arrive_at_the_counter_on_request(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign())
    received = until_reception(simulator, mlit, arrival)
    mlit.send_receipt_list("BULK0001", [received.receipt_number], idempotency_key=new_key())
    portal(simulator)._request("POST", f"/applications/{arrival}/documents")
    assert any("窓口で書類" in e.detail for e in mlit.status(arrival).history)


def test_fifteen_day_rule_rejects_without_documents(make_simulator, sign):
    simulator = make_simulator(paper_deadline=5.0)
    mlit = simulator.client()
    arrival = submit(mlit, sign())
    until_reception(simulator, mlit, arrival)
    simulator.advance(5.1)
    status = mlit.status(arrival)
    assert status.status == "却下" and status.flag_raised("message")
    assert "15日" in status.flags["message"].items[0].body


# --- markers ----------------------------------------------------------------------------------


def test_correction_at_reception_then_corrected_on_the_portal(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign(specs.KEIZOKU, specs.vehicle_payload("ZVW30-1239901")))
    simulator.advance(2 * STEP)
    status = mlit.status(arrival)
    assert status.status == "補正要求" and status.flag_raised("message")
    assert "補正" in status.flags["message"].items[0].body
    portal(simulator)._request("POST", f"/applications/{arrival}/correction")
    simulator.advance(30)
    assert mlit.status(arrival).status == "手続完了"


def test_rejection_then_resubmission(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign(specs.KEIZOKU, specs.vehicle_payload("ZVW30-1239902")))
    simulator.advance(2 * STEP)
    rejected = mlit.status(arrival)
    assert rejected.status == "却下" and rejected.terminal
    again = sign(specs.KEIZOKU)
    receipt = mlit.resubmit(arrival, again.data, idempotency_key=again.key)
    assert receipt.arrival_number != arrival
    assert mlit.resubmit(arrival, again.data, idempotency_key=again.key).duplicate
    assert mlit.status(receipt.arrival_number).resubmission_of == arrival
    stats = requests.get(f"{simulator.url}/_sim/stats").json()
    assert stats["applications"] == 2 and stats["duplicate_applications"] == 0


def test_rejection_during_review(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign(specs.KEIZOKU, specs.vehicle_payload("ZVW30-1239903")))
    simulator.advance(30)
    status = mlit.status(arrival)
    assert status.status == "却下" and "運輸支局" in status.history[-1].detail


def test_message_notice_and_deadline_markers(simulator, sign):
    mlit, kei = simulator.client(), simulator.client("kei")
    message = submit(mlit, sign(specs.KEIZOKU, specs.vehicle_payload("ZVW30-1239904")))
    notice = submit(mlit, sign(specs.KEIZOKU, specs.vehicle_payload("ZVW30-1239905")))
    deadline_mlit = submit(mlit, sign(specs.KEIZOKU, specs.vehicle_payload("ZVW30-1239906")))
    deadline_kei = submit(kei, sign(specs.KEI_KEIZOKU, {"vehicle": {
        "vehicle_number": "品川 580 あ 12-34", "chassis_number": "HA36S-1239906"}}))
    simulator.advance(2 * STEP)
    assert mlit.status(message).flags["message"].items[0].title == "OSSからのメッセージ"
    assert mlit.status(notice).flag_raised("notice")
    assert mlit.status(deadline_mlit).flags["notice"].items[0].title == "期限のお知らせ"
    kei_status = kei.status(deadline_kei)
    assert kei_status.flags["deadline"].items[0].title == "期限のお知らせ"


def test_police_correction_during_review(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign(payload=specs.iten_payload("ZVW30-1239907")))
    received = until_reception(simulator, mlit, arrival)
    mlit.send_receipt_list("BULK0001", [received.receipt_number], idempotency_key=new_key())
    simulator.advance(3 * STEP)
    status = mlit.status(arrival)
    assert status.status == "補正要求" and "保管場所" in status.flags["message"].items[0].body
    portal(simulator)._request("POST", f"/applications/{arrival}/correction")
    simulator.advance(30)
    assert mlit.status(arrival).status == "手続完了"


def test_hold_then_withdraw(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign(specs.KEIZOKU, specs.vehicle_payload("ZVW30-1239908")))
    simulator.advance(100)
    assert mlit.status(arrival).status == "審査中"
    withdrawn = mlit.withdraw(arrival)
    assert withdrawn.status == "取下げ" and withdrawn.terminal


# --- 中断 -----------------------------------------------------------------------------------


def test_suspension_takes_effect_at_the_next_checkpoint_and_resumes(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign(specs.KEIZOKU))  # checkpoint: 納付待ち
    reserved = mlit.reserve_suspension(arrival)
    assert reserved.reserved and not reserved.in_effect
    assert reserved.remaining_checkpoints == ("納付待ち",)
    simulator.advance(30)
    status = mlit.status(arrival)
    assert status.status == "中断" and status.suspension.in_effect
    assert status.suspension.resume_to == "納付待ち"
    resumed = mlit.cancel_suspension(arrival)
    assert not resumed.in_effect
    simulator.advance(30)
    assert mlit.status(arrival).status == "手続完了"


def test_cancelled_reservation_lets_the_flow_pass(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign(specs.KEIZOKU))
    mlit.reserve_suspension(arrival)
    mlit.reserve_suspension(arrival)  # idempotent
    assert not mlit.cancel_suspension(arrival).reserved
    simulator.advance(30)
    assert mlit.status(arrival).status == "手続完了"


# --- fees -----------------------------------------------------------------------------------


def test_direct_payment_of_national_money_then_matome_for_the_rest(make_simulator, sign):
    simulator = make_simulator(auto_pay=False)
    mlit = simulator.client()
    arrival = submit(mlit, sign(specs.KEIZOKU))
    simulator.advance(30)
    assert mlit.status(arrival).status == "納付待ち"
    paid = mlit.request_direct_payment(arrival)
    assert {f.code for f in paid.paid} == {"inspection_fee", "weight_tax"}
    assert [f.code for f in paid.remaining] == ["tech_info_fee"]
    assert all(f.direct_allowed for f in paid.paid) and not paid.remaining[0].direct_allowed
    assert mlit.request_direct_payment(arrival).paid == paid.paid  # nothing paid twice
    simulator.advance(30)
    assert mlit.status(arrival).status == "納付待ち"
    portal(simulator)._request("POST", f"/applications/{arrival}/matome-payment")
    simulator.advance(1)
    done = mlit.status(arrival)
    assert done.status == "手続完了"
    assert {f.code: f.paid_via for f in done.fees} == {
        "inspection_fee": "direct", "weight_tax": "direct", "tech_info_fee": "matome"}


def test_kei_direct_payment_covers_the_weight_tax_only(simulator, sign):
    kei = simulator.client("kei")
    arrival = submit(kei, sign(specs.KEI_KEIZOKU))
    paid = kei.request_direct_payment(arrival)
    assert [f.code for f in paid.paid] == ["weight_tax"]
    assert {f.code for f in paid.remaining} == {"kei_inspection_fee", "tech_info_fee"}


def test_published_procedures(simulator):
    info = simulator.client().procedures()
    iten = next(p for p in info["procedures"] if p["code"] == "iten")
    assert iten["needs_receipt_list"] and iten["checkpoints"] == ["審査中", "納付待ち"]
    assert {a["code"] for a in iten["authorities"]} == {"police", "tax", "transport"}
    keizoku = next(p for p in info["procedures"] if p["code"] == "keizoku")
    assert not keizoku["needs_receipt_list"]
    kei = simulator.client("kei").procedures()
    assert {p["code"] for p in kei["procedures"]} == {"kei_shinsha_shinki", "kei_keizoku"}


def test_received_page_lists_applications_read_only(simulator, sign):
    mlit = simulator.client()
    arrival = submit(mlit, sign())
    page = requests.get(f"{simulator.url}/mlit/")
    assert page.status_code == 200 and arrival in page.text and "移転登録" in page.text
    assert "<form" not in page.text
    assert arrival in requests.get(f"{simulator.url}/").text
    assert requests.post(f"{simulator.url}/mlit/").status_code == 405


def test_reset_empties_the_database(simulator, sign):
    submit(simulator.client(), sign())
    assert requests.post(f"{simulator.url}/_sim/reset").json() == {"reset": True}
    assert requests.get(f"{simulator.url}/_sim/stats").json()["applications"] == 0
