"""A staff member sends ready applications; they reach the simulator and get a 到達番号."""

import hashlib

import requests
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ApplicationEvent
from portal.models import ApplicationState
from portal.models import AuditEvent
from portal.models import OssAccount
from portal.models import SendBatch
from portal.models import SigningCertificate
from portal.models import SubmissionState
from tests.conftest import login
from tests.pipeline.conftest import point_at
from tests.pipeline.office import application
from tests.pipeline.office import drain
from tests.pipeline.office import submissions


def test_send_reaches_the_simulator_with_everything_recorded(any_app, office, sim):
    point_at(any_app, sim)
    shop = office(any_app)
    client = any_app.test_client()
    ids = shop.ready(3) + shop.ready(1, "kei_keizoku")
    login(client, shop.staff)
    resp = client.post("/submissions/send", data={"application_id": [str(i) for i in ids]})
    assert resp.status_code == 302
    batch = db.session.scalar(sa.select(SendBatch))
    assert resp.headers["Location"].endswith(f"/submissions/batches/{batch.id}")
    assert batch.total == 4 and batch.refused == []
    queued = submissions()
    assert {s.state for s in queued} == {SubmissionState.PENDING}
    assert all(len(s.idempotency_key) == 32 and s.job_id for s in queued)
    assert {application(i).state for i in ids} == {ApplicationState.SENDING}

    drain(any_app)

    sent = submissions()
    assert [s.state for s in sent] == [SubmissionState.SENT] * 4
    cert = db.session.scalar(sa.select(SigningCertificate))
    accounts = {a.backend.value: a for a in db.session.scalars(sa.select(OssAccount))}
    stats = requests.get(f"{sim.url}/_sim/stats").json()
    assert stats["applications"] == 4 and stats["duplicate_applications"] == 0
    for sub in sent:
        app = application(sub.application_id)
        assert app.state == ApplicationState.ARRIVED
        assert app.arrival_number == sub.arrival_number and app.oss_status == "到達"
        assert app.submitted_at is not None
        assert sub.certificate_id == cert.id and sub.secret_version == 1
        assert sub.oss_account_id == accounts[app.backend.value].id
        assert sub.signed_at is not None and sub.sent_at >= sub.signed_at
        assert len(sub.document_digest) == 64
        assert sub.document is None  # dropped once the outcome is known
        kinds = db.session.scalars(sa.select(ApplicationEvent.kind).where(
            ApplicationEvent.application_id == app.id).order_by(ApplicationEvent.id)).all()
        assert kinds == ["submit_requested", "submitted"]
    timeline = client.get(f"/applications/{ids[0]}").get_data(as_text=True)
    assert "送信指示" in timeline and "OSSに到達" in timeline  # the 状況照会 history
    used = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "certificate_used")).all()
    assert sorted(i for e in used for i in e.detail["submission_ids"]) == [s.id for s in sent]
    log = requests.get(f"{sim.url}/_sim/requests").json()
    assert {r["op"] for r in log["requests"]} == {"submit"}
    assert len(log["requests"]) == 4  # one batch request per back-end, one log row per document


def test_the_digest_is_that_of_the_bytes_the_simulator_received(any_app, office, sim):
    from portal.submissions.services import create_send_batch
    from portal.submissions.services import enqueue_batch

    point_at(any_app, sim)
    shop = office(any_app)
    ids = shop.ready(2)
    batch = create_send_batch(shop.staff, ids)
    db.session.commit()
    enqueue_batch(batch.id)
    drain(any_app)
    for sub in submissions():
        stored = sim.sim.store.read().app_by_key("mlit", sub.idempotency_key)
        assert hashlib.sha256(stored.document).hexdigest() == sub.document_digest


def test_a_send_is_spread_over_several_jobs_within_the_bounds(app):
    from jobs.pipeline.outbox import chunk_size
    from jobs.pipeline.outbox import job_plan

    assert [chunk_size(n) for n in (1, 25, 200, 300, 4000, 10000)] == [
        25, 25, 25, 38, 500, 1000]
    plan = job_plan(list(range(300)))
    assert [len(ids) for _, ids in plan] == [38] * 7 + [34]
    assert sorted(i for _, ids in plan for i in ids) == list(range(300))
    assert len({job_id for job_id, _ in plan}) == 8
    app.config["SUBMIT_CHUNK_SIZE"] = 10  # a smaller bound wins over the minimum
    assert chunk_size(300) == 10
