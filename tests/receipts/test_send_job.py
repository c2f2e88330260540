"""The send job: exactly-once effect at OSS, unknown outcomes resolved by query, lost jobs."""

from datetime import timedelta

import pytest

from jobs import receipts as job
from jobs.worker import AppWorker
from portal.extensions import db
from portal.models import ListStatus
from portal.models.base import utcnow
from portal.receipts import services as svc
from tests.receipts.helpers import received_lists
from tests.receipts.helpers import reload
from tests.receipts.helpers import sim_requests


@pytest.fixture
def office(tenants, flow):
    return flow.office(tenants["a"])


@pytest.fixture
def sending(tenants, flow, office):
    """A list of two applications at 受付審査中, marked 送信中 as the user's action does."""
    staff = tenants["a_staff"]
    apps = [flow.until(flow.file(office, staff), "受付審査中") for _ in range(2)]
    (rl,) = svc.create_lists(staff, [a.id for a in apps], "")
    svc.request_send(staff, rl)
    db.session.commit()
    return rl


def test_answer_lost_after_processing_is_resolved_by_query_not_resent(app, flow, sending):
    flow.sim.faults(error_rate=1.0, error_phase="after", ops=["receipt_list"])
    assert job.send_receipt_list(sending.id) == "sent"
    rl = reload(sending)
    assert rl.status == ListStatus.SENT and len(rl.identification_number) == 8
    sent = sim_requests(flow, "receipt_list")
    assert len(sent) == 1 and sent[0]["http_status"] == 500  # asked, never sent again
    assert sim_requests(flow, "status") and received_lists(flow) == 1


def test_request_lost_before_processing_is_sent_again_under_the_same_key(app, flow, sending,
                                                                         monkeypatch):
    monkeypatch.setattr(job, "BACKOFF", (0.0, 0.0))
    flow.sim.faults(error_rate=1.0, error_phase="before", ops=["receipt_list"])
    assert job.send_receipt_list(sending.id) == "sending"  # OSS never answered: unresolved
    rl = reload(sending)
    assert rl.error_code == svc.UNRESOLVED and "再確認" in rl.error_message
    assert rl.lease_until is None and svc.can_recheck(rl) and not svc.in_progress(rl)
    assert received_lists(flow) == 0

    flow.sim.faults()  # OSS is back; the user asks again
    svc.request_recheck(None, rl)
    db.session.commit()
    assert job.send_receipt_list(rl.id) == "sent"
    keys = {r["idempotency_key"] for r in sim_requests(flow, "receipt_list")}
    assert keys == {rl.idempotency_key} and received_lists(flow) == 1


def test_no_connection_ends_in_an_error_that_may_be_sent_again(app, tenants, flow, sending,
                                                                 monkeypatch):
    monkeypatch.setattr(job, "BACKOFF", (0.0, 0.0))
    app.config["OSS_MLIT_URL"] = "http://127.0.0.1:9/mlit"  # nothing listens there
    assert job.send_receipt_list(sending.id) == "error"
    rl = reload(sending)
    assert rl.status == ListStatus.ERROR and rl.error_code == "not_sent"
    assert "接続できませんでした" in rl.error_message and "もう一度送信" in rl.error_message
    app.config["OSS_MLIT_URL"] = f"{flow.sim.url}/mlit"
    svc.request_send(tenants["a_staff"], rl)
    db.session.commit()
    assert job.send_receipt_list(rl.id) == "sent" and received_lists(flow) == 1


def test_a_crashed_run_asks_oss_before_anything_else(app, flow, sending):
    """A run that sent, then died before writing the outcome: the next run finds the list."""
    numbers = [a.receipt_number for a in svc.members(sending)]
    account = svc.account_of(sending)
    flow.client().send_receipt_list(account.bulk_user_id, numbers,
                                    idempotency_key=sending.idempotency_key)
    sending.attempts, sending.lease_until = 1, utcnow() - timedelta(seconds=1)  # lease ran out
    db.session.commit()
    assert job.requeue_stale() == 1
    assert job.send_receipt_list(sending.id) == "sent"
    assert len(sim_requests(flow, "receipt_list")) == 1 and received_lists(flow) == 1


def test_a_run_never_claims_a_list_another_run_holds(app, flow, sending):
    sending.lease_until = utcnow() + timedelta(minutes=1)
    db.session.commit()
    assert job.send_receipt_list(sending.id) == "busy"
    assert job.requeue_stale() == 0 and sim_requests(flow, "receipt_list") == []
    sending.lease_until = None
    sending.status = ListStatus.SENT
    db.session.commit()
    assert job.send_receipt_list(sending.id) == "busy"


def test_lost_request_can_be_rechecked_after_a_while(app, flow, sending):
    assert not svc.can_recheck(sending) and svc.in_progress(sending)
    sending.requested_at = utcnow() - svc.STALE_AFTER - timedelta(seconds=1)
    db.session.commit()
    assert svc.can_recheck(sending) and job.requeue_stale() == 1


@pytest.mark.redis
def test_real_rq_worker_sends_on_postgres(pg_app, tenants, flow, office):
    staff = tenants["a_staff"]
    apps = [flow.until(flow.file(office, staff), "受付審査中") for _ in range(2)]
    client = pg_app.test_client()
    from tests.conftest import login

    login(client, staff)
    client.post("/receipts/new", data={"application_id": [a.id for a in apps]})
    rl = db.session.scalars(db.select(job.ReceiptList)).one()
    client.post(f"/receipts/{rl.id}/send")  # enqueued on the real Redis
    from jobs.queue import get_connection

    worker = AppWorker(["default"], connection=get_connection())
    worker.flask_app = pg_app
    worker.work(burst=True)
    rl = reload(rl)
    assert rl.status == ListStatus.SENT and received_lists(flow) == 1


def test_recheck_from_the_page(app, client, tenants, flow, sending):
    from tests.conftest import login
    from tests.receipts.helpers import body

    login(client, tenants["a_staff"])
    page = body(client.get(f"/receipts/{sending.id}"))
    assert "送信結果を再確認" not in page and 'hx-trigger="every 1s"' in page
    resp = client.post(f"/receipts/{sending.id}/recheck", follow_redirects=True)
    assert "送信処理中です" in body(resp)
    sending.requested_at = utcnow() - svc.STALE_AFTER - timedelta(seconds=1)
    db.session.commit()
    page = body(client.get(f"/receipts/{sending.id}"))
    assert "送信結果を再確認" in page and 'hx-trigger="every 1s"' not in page
    resp = client.post(f"/receipts/{sending.id}/recheck", follow_redirects=True)
    assert "送信結果をOSSに確認しています" in body(resp)
    assert job.send_receipt_list(sending.id) == "sent"


def test_kei_list_goes_to_the_kei_backend(app, tenants, flow, office):
    staff = tenants["a_staff"]
    apps = [flow.until(flow.file(office, staff, "kei_shinsha_shinki"), "受付審査中")
            for _ in range(2)]
    (rl,) = svc.create_lists(staff, [a.id for a in apps], "")
    assert rl.oss_account_id == office.accounts["kei"].id
    svc.request_send(staff, rl)
    db.session.commit()
    assert job.send_receipt_list(rl.id) == "sent"
    assert reload(rl).identification_number
    assert [r["backend"] for r in sim_requests(flow, "receipt_list")] == ["kei"]
