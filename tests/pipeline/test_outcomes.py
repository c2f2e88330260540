"""Every answer from OSS maps to one outcome; unknown outcomes are resolved by key, never
by a blind resend (the simulator records every request and key)."""

import hashlib
import time
from datetime import datetime

import pytest
import requests
import sqlalchemy as sa

from jobs.pipeline import outcomes
from jobs.pipeline.send import send_chunk
from jobs.pipeline.transport import Outgoing
from jobs.pipeline.transport import Result
from oss.client import Receipt
from oss.errors import OssNotSent
from oss.errors import OssRejected
from portal.extensions import db
from portal.models import ApplicationEvent
from portal.models import ApplicationState
from portal.models import Submission
from portal.models import SubmissionState
from tests.pipeline.conftest import point_at
from tests.pipeline.office import application
from tests.pipeline.office import send
from tests.pipeline.office import settle
from tests.pipeline.office import submissions


def _log(sim, key: str, at_least: int = 0) -> list[dict]:
    """The simulator's log of submit requests with ``key`` (a held answer is logged late)."""
    deadline = time.monotonic() + 3
    while True:
        rows = requests.get(f"{sim.url}/_sim/requests", params={"key": key}).json()["requests"]
        found = [r for r in rows if r["op"] == "submit"]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _stats(sim) -> dict:
    return requests.get(f"{sim.url}/_sim/stats").json()


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "single"])
def test_a_refusal_fails_with_the_oss_code_and_a_japanese_reason(app, office, sim, batch):
    point_at(app, sim, OSS_BATCH_SUBMIT=batch)
    shop = office(app)
    refused = shop.ready(1, chassis="ZVW30-1239911")  # simulator marker: OSS-601 on receipt
    fine = shop.ready(1)
    send(shop.staff, refused + fine)
    settle(app)
    bad, good = submissions()
    assert (bad.state, bad.error_code) == (SubmissionState.FAILED, "OSS-601")
    assert "OSSが申請を受け付けませんでした(OSS-601)" in bad.error_message
    assert "車台番号" in bad.error_message and bad.document is None
    assert good.state == SubmissionState.SENT
    app_row = application(refused[0])
    assert app_row.state == ApplicationState.SEND_ERROR
    event = db.session.scalar(sa.select(ApplicationEvent).where(
        ApplicationEvent.application_id == refused[0], ApplicationEvent.kind == "send_failed"))
    assert event.comment == bad.error_message and event.detail["code"] == "OSS-601"


def test_not_sent_retries_with_backoff_then_fails_with_a_reason(app, office):
    point_at(app, None, OSS_MLIT_URL="http://127.0.0.1:9/mlit",
             SUBMIT_RETRY_DELAYS=(3600,), SUBMIT_MAX_ATTEMPTS=2)
    shop = office(app)
    ids = shop.ready(1)
    send(shop.staff, ids)
    sub_id = submissions()[0].id
    send_chunk([sub_id])
    sub = submissions()[0]
    assert sub.state == SubmissionState.RETRY and sub.attempts == 1
    assert sub.error_message.startswith("再試行待ち: OSSに接続できませんでした")
    assert (sub.next_attempt_at - sub.updated_at).total_seconds() >= 3599
    assert sub.document is not None and sub.signed_at is not None  # signed once, kept
    send_chunk([sub_id])  # not due yet: nothing happens
    assert submissions()[0].attempts == 1
    db.session.execute(sa.text("UPDATE submission SET next_attempt_at = NULL"))
    db.session.commit()
    send_chunk([sub_id])
    sub = submissions()[0]
    assert sub.state == SubmissionState.FAILED and sub.error_code == "not_sent"
    assert "2回試みたところで送信を中止しました" in sub.error_message
    assert application(ids[0]).state == ApplicationState.SEND_ERROR


@pytest.mark.parametrize("fault", ["error_after", "timeout"])
def test_processed_then_unknown_is_found_by_key_and_not_sent_again(app, office, sim, fault):
    point_at(app, sim, OSS_TIMEOUT=0.5)
    if fault == "error_after":
        sim.faults(error_rate=1.0, error_phase="after", ops=["submit"])
    else:
        sim.faults(timeout_rate=1.0, hang_seconds=1.0, ops=["submit"])
    shop = office(app)
    ids = shop.ready(3)
    send(shop.staff, ids)
    send_chunk([s.id for s in submissions()])
    unknown = submissions()
    assert {s.state for s in unknown} == {SubmissionState.UNKNOWN}
    assert all(s.document is not None and s.next_attempt_at is not None for s in unknown)
    assert all(s.error_message.startswith("送信結果を確認中") for s in unknown)
    assert {application(i).state for i in ids} == {ApplicationState.SENDING}
    sim.faults()  # OSS answers again
    settle(app)
    for sub in submissions():
        assert sub.state == SubmissionState.SENT
        assert len(_log(sim, sub.idempotency_key, 1)) == 1  # looked up, never resent
        stored = sim.sim.store.read().app_by_key("mlit", sub.idempotency_key)
        assert stored.arrival_number == sub.arrival_number
        assert application(sub.application_id).state == ApplicationState.ARRIVED
    assert _stats(sim)["applications"] == 3


def test_unknown_and_never_arrived_is_sent_again_as_the_same_document(app, office, sim):
    point_at(app, sim)
    sim.faults(error_rate=1.0, error_phase="before", ops=["submit"])  # 503, nothing processed
    shop = office(app)
    send(shop.staff, shop.ready(2))
    send_chunk([s.id for s in submissions()])
    first = {s.id: s.document_digest for s in submissions()}
    assert {s.state for s in submissions()} == {SubmissionState.UNKNOWN}
    sim.faults()
    settle(app)
    stats = _stats(sim)
    assert stats["applications"] == 2 and stats["duplicate_applications"] == 0
    assert stats["faults_injected"] == {"error_before": 1}  # the first batch request
    for sub in submissions():
        assert sub.state == SubmissionState.SENT and sub.document_digest == first[sub.id]
        assert [r["http_status"] for r in _log(sim, sub.idempotency_key)] == [201]
        stored = sim.sim.store.read().app_by_key("mlit", sub.idempotency_key)
        assert hashlib.sha256(stored.document).hexdigest() == first[sub.id]


def test_a_failed_status_lookup_leaves_the_outcome_unknown(app, office, sim):
    point_at(app, sim, RECONCILE_DELAYS=(600,))
    sim.faults(error_rate=1.0, error_phase="after", ops=["submit", "status"])
    shop = office(app)
    send(shop.staff, shop.ready(1))
    sub_id = submissions()[0].id
    send_chunk([sub_id])
    db.session.execute(sa.text("UPDATE submission SET next_attempt_at = NULL"))
    db.session.commit()
    send_chunk([sub_id])  # the lookup itself fails: still unknown, asked again later
    sub = submissions()[0]
    assert sub.state == SubmissionState.UNKNOWN and sub.attempts == 2
    assert (sub.next_attempt_at - sub.updated_at).total_seconds() >= 599
    assert len(_log(sim, sub.idempotency_key)) == 1


def test_one_chunks_outcomes_are_written_as_batches(any_app, office):
    """``record`` writes submissions, applications and history events as batched statements
    (no ORM object per row), with the same columns and events per outcome; an outcome that
    leaves the application as it is writes nothing to it."""
    shop = office(any_app)
    ids = shop.ready(3)
    send(shop.staff, ids)
    db.session.execute(sa.update(Submission).values(state=SubmissionState.SENDING, attempts=1))
    db.session.commit()
    subs = submissions()
    assert {application(i).state for i in ids} == {ApplicationState.SENDING}
    before = {i: application(i).updated_at for i in ids}
    rows = [Outgoing(id=s.id, application_id=s.application_id, attempt=1, key=s.idempotency_key,
                     backend="mlit", resubmit_of="", document=b"<signed/>", unresolved=False)
            for s in subs]
    receipt = Receipt(arrival_number="20261126000000001", status="到達",
                      received_at="2026-11-26T10:02:03+09:00", idempotency_key="",
                      duplicate=False)
    results = {subs[0].id: Result(rejected=OssRejected("車台番号が見つかりません", code="OSS-601")),
               subs[1].id: Result(sent=receipt),
               subs[2].id: Result(not_sent=OssNotSent("接続できません", code="net"))}
    assert outcomes.record(rows, results) == {"failed": 1, "sent": 1, "retry": 1}

    def history(app_id: int) -> list[tuple]:
        db.session.rollback()
        return [(e.kind, e.from_state, e.to_state, e.comment, e.detail) for e in db.session.scalars(
            sa.select(ApplicationEvent).where(ApplicationEvent.application_id == app_id,
                                              ApplicationEvent.kind != "submit_requested")
            .order_by(ApplicationEvent.id))]

    refused, arrived, waiting = (application(i) for i in ids)
    assert refused.state == ApplicationState.SEND_ERROR and refused.updated_at > before[ids[0]]
    [event] = history(ids[0])
    assert event[:3] == ("send_failed", "sending", "send_error") and "OSS-601" in event[3]
    assert event[3] == submissions()[0].error_message
    assert event[4] == {"code": "OSS-601", "submission_id": subs[0].id}
    assert arrived.state == ApplicationState.ARRIVED and arrived.oss_status == "到達"
    assert arrived.arrival_number == "20261126000000001"
    assert arrived.submitted_at == arrived.oss_status_at == datetime(2026, 11, 26, 1, 2, 3)
    assert arrived.last_polled_at is not None and arrived.updated_at > before[ids[1]]
    assert history(ids[1]) == [("submitted", "sending", "arrived", "到達番号 20261126000000001",
                                {"arrival_number": "20261126000000001",
                                 "submission_id": subs[1].id})]
    assert waiting.state == ApplicationState.SENDING and history(ids[2]) == []
    assert waiting.updated_at == before[ids[2]]
    states = {s.id: (s.state, s.arrival_number) for s in submissions()}
    assert states == {subs[0].id: (SubmissionState.FAILED, ""),
                      subs[1].id: (SubmissionState.SENT, "20261126000000001"),
                      subs[2].id: (SubmissionState.RETRY, "")}
