"""Exactly-once effect: claims by compare-and-set, persist before send, no transaction held
across HTTP, the reaper, and the outbox relay after Redis lost its jobs."""

import base64
import hashlib
import json
import threading
import time
from datetime import timedelta

import pytest
import redis
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from jobs.pipeline import settings
from jobs.pipeline import transport
from jobs.pipeline.claim import SENDABLE
from jobs.pipeline.claim import claim
from jobs.pipeline.outbox import relay
from jobs.pipeline.reaper import reap
from jobs.pipeline.send import send_chunk
from jobs.queue import get_connection
from oss.simulator.app import create_simulator
from oss.simulator.config import SimConfig
from portal.extensions import db
from portal.models import SubmissionState
from portal.models.base import utcnow
from tests.conftest import login
from tests.conftest import make_app
from tests.pipeline.conftest import point_at
from tests.pipeline.office import drain
from tests.pipeline.office import send
from tests.pipeline.office import settle
from tests.pipeline.office import submissions


def _submit_log(url: str) -> dict[str, int]:
    rows = requests.get(f"{url}/_sim/requests").json()["requests"]
    counts: dict[str, int] = {}
    for row in rows:
        if row["op"] == "submit" and row["http_status"] in (200, 201):
            counts[row["idempotency_key"]] = counts.get(row["idempotency_key"], 0) + 1
    return counts


def _at_once(app, count: int, work) -> list:
    """Run ``work()`` in ``count`` threads released together, each in its own app context
    (its own database session); return what they returned or raised."""
    start, results = threading.Barrier(count), []

    def run():
        with app.app_context():
            start.wait()
            try:
                results.append(work())
                db.session.commit()
            except Exception as exc:  # reported to the test
                results.append(exc)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_claims_take_each_row_once(any_app, office):
    point_at(any_app)
    shop = office(any_app)
    send(shop.staff, shop.ready(40))
    ids = [s.id for s in submissions()]
    won = _at_once(any_app, 4, lambda: claim(ids, SENDABLE, utcnow()))
    claimed = [i for result in won for i in result]
    assert sorted(claimed) == sorted(ids)  # every row once, by exactly one claimer
    assert {s.state for s in submissions()} == {SubmissionState.SENDING}
    assert {s.attempts for s in submissions()} == {1}


def test_the_same_chunk_run_twice_at_once_sends_each_key_once(any_app, office, sim):
    point_at(any_app, sim)
    shop = office(any_app)
    send(shop.staff, shop.ready(30))
    ids = [s.id for s in submissions()]
    results = _at_once(any_app, 2, lambda: send_chunk(ids))
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(r["claimed"] for r in results) == 30  # each row by one of the two runs
    assert {s.state for s in submissions()} == {SubmissionState.SENT}
    log = _submit_log(sim.url)
    assert len(log) == 30 and set(log.values()) == {1}


class Witness:
    """Wraps the simulator: on every batch submission it reads the portal's database through
    its own connection and checks what was committed, and that no transaction of the job
    waits on the call (the job may sign its next part meanwhile, but commits it without
    waiting for this answer: a transaction held across the call would never end here)."""

    def __init__(self, wsgi, db_url: str):
        self.wsgi = wsgi
        self.engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
        self.seen: list[dict] = []

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/mlit/applications/batch":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            self._check(json.loads(body))
            import io

            environ["wsgi.input"] = io.BytesIO(body)
        return self.wsgi(environ, start_response)

    def _check(self, payload: dict) -> None:
        with self.engine.connect() as conn:
            held = self._held_across_the_call(conn)
            for item in payload["documents"]:
                row = conn.execute(sa.text(
                    "SELECT state, document_digest, signed_at, certificate_id, oss_account_id, "
                    "secret_version FROM submission WHERE idempotency_key = :k"),
                    {"k": item["idempotency_key"]}).mappings().one()
                sent = base64.b64decode(item["document"])
                self.seen.append({**row, "held_across_the_call": held,
                                  "digest_of_sent": hashlib.sha256(sent).hexdigest()})

    def _held_across_the_call(self, conn, seconds: float = 3.0) -> bool:
        if self.engine.dialect.name == "sqlite":  # the job's transactions all BEGIN IMMEDIATE
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(seconds * 1000)}")
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits for the job's write lock
            except sa.exc.OperationalError:
                return True
            conn.exec_driver_sql("ROLLBACK")
            return False
        started = conn.execute(sa.text("SELECT clock_timestamp()")).scalar()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:  # every transaction older than the call ends
            if not conn.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                    "AND xact_start < :started"), {"started": started}).scalar():
                return False
            conn.rollback()  # the next look reads pg_stat_activity afresh
            time.sleep(0.01)
        return True


@pytest.fixture
def witness_sim(tmp_path, pipeline_authorities, request):
    def _start(db_url: str):
        cfg = SimConfig(db_path=tmp_path / "witness-sim.db", mode="fast", step_seconds=30,
                        issuer_dir=pipeline_authorities.directory)
        witness = Witness(create_simulator(cfg), db_url)
        server = make_server("127.0.0.1", 0, witness, threaded=True)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        request.addfinalizer(server.shutdown)
        return witness, f"http://127.0.0.1:{server.server_port}"

    return _start


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_everything_is_committed_before_the_call_and_no_transaction_waits_on_it(
        database, sqlite_url, request, office, witness_sim):
    if database == "sqlite":
        app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "SQLITE_BEGIN": "IMMEDIATE"})
        ctx = app.app_context()
        ctx.push()
        request.addfinalizer(ctx.pop)
        request.addfinalizer(db.session.remove)
    else:
        app = request.getfixturevalue("pg_app")
    witness, url = witness_sim(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config.update(OSS_MLIT_URL=f"{url}/mlit", OSS_KEI_URL=f"{url}/kei")
    point_at(app, None, OSS_MLIT_URL=f"{url}/mlit")
    shop = office(app)
    send(shop.staff, shop.ready(250))
    send_chunk([s.id for s in submissions()])  # three HTTP batches, the next signed meanwhile
    assert len(witness.seen) == 250
    for row in witness.seen:
        assert row["state"] == "sending"
        assert row["document_digest"] == row["digest_of_sent"]
        assert row["signed_at"] is not None and row["certificate_id"] is not None
        assert row["oss_account_id"] is not None and row["secret_version"] == 1
        assert not row["held_across_the_call"]
    assert {s.state for s in submissions()} == {SubmissionState.SENT}


def test_the_secret_version_in_force_is_recorded(app, office, sim):
    from portal.models import OssAccount
    from portal.orgs.services import set_account_secret

    point_at(app, sim)
    shop = office(app)
    first = shop.ready(1)
    send(shop.staff, first)
    settle(app)
    for account in db.session.scalars(sa.select(OssAccount)):
        set_account_secret(account, "Changed-pass-2", None)
    db.session.commit()
    second = shop.ready(1)
    send(shop.staff, second)
    settle(app)
    versions = {s.application_id: s.secret_version for s in submissions()}
    assert versions == {first[0]: 1, second[0]: 2}


def test_a_crash_after_signing_is_reaped_and_resolved_by_key(app, office, sim, monkeypatch):
    point_at(app, sim, SUBMIT_LEASE_SECONDS=0)
    shop = office(app)
    send(shop.staff, shop.ready(3))
    ids = [s.id for s in submissions()]

    def killed(*args, **kwargs):
        raise SystemExit("work-horse killed")  # after the commit, before any HTTP call

    with monkeypatch.context() as m:
        m.setattr(transport, "deliver", killed)
        with pytest.raises(SystemExit):
            send_chunk(ids)
    stuck = submissions()
    assert {s.state for s in stuck} == {SubmissionState.SENDING}
    assert all(s.signed_at is not None for s in stuck)
    assert reap() == {"unknown": 3, "retry": 0}
    assert {s.state for s in submissions()} == {SubmissionState.UNKNOWN}
    settle(app)
    assert {s.state for s in submissions()} == {SubmissionState.SENT}
    assert set(_submit_log(sim.url).values()) == {1}


def test_the_reaper_releases_only_expired_claims(app, office):
    point_at(app)
    shop = office(app)
    send(shop.staff, shop.ready(3))
    a, b, c = submissions()
    now = utcnow()
    year = timedelta(days=365)  # not now.replace(year=...), which fails on 29 February
    db.session.execute(sa.text(
        "UPDATE submission SET state = 'sending', lease_until = :past WHERE id IN (:a, :b)"),
        {"past": now - year, "a": a.id, "b": b.id})
    db.session.execute(sa.text("UPDATE submission SET signed_at = :now WHERE id = :a"),
                       {"now": now, "a": a.id})
    db.session.execute(sa.text(
        "UPDATE submission SET state = 'sending', lease_until = :later WHERE id = :c"),
        {"later": now + year, "c": c.id})
    db.session.commit()
    assert reap() == {"unknown": 1, "retry": 1}
    states = {s.id: s.state for s in submissions()}
    assert states == {a.id: SubmissionState.UNKNOWN, b.id: SubmissionState.RETRY,
                      c.id: SubmissionState.SENDING}


def test_reaped_work_is_back_in_play_within_five_minutes_by_default():
    defaults = settings.DEFAULTS
    assert defaults["SUBMIT_LEASE_SECONDS"] + defaults["PIPELINE_TICK_SECONDS"] <= 300


def test_after_redis_lost_everything_the_outbox_sends_from_the_database(any_app, office, sim):
    point_at(any_app, sim)
    shop = office(any_app)
    send(shop.staff, shop.ready(7))
    assert relay() == 0  # the jobs are queued: nothing to do
    get_connection().flushall()
    drain(any_app)
    assert {s.state for s in submissions()} == {SubmissionState.PENDING}
    assert relay() == 7
    drain(any_app)
    assert {s.state for s in submissions()} == {SubmissionState.SENT}
    assert set(_submit_log(sim.url).values()) == {1}


def test_a_send_while_redis_is_down_is_kept_and_relayed(pg_app, office, sim):
    point_at(pg_app, sim)
    shop = office(pg_app)
    ids = shop.ready(2)
    real = pg_app.extensions["ossdesk_redis"] = get_connection()
    pg_app.extensions["ossdesk_redis"] = redis.Redis(port=9, socket_connect_timeout=0.2)
    client = pg_app.test_client()
    login(client, shop.staff)
    resp = client.post("/submissions/send", data={"application_id": [str(i) for i in ids]})
    assert resp.status_code == 302
    assert {s.state for s in submissions()} == {SubmissionState.PENDING}
    pg_app.extensions["ossdesk_redis"] = real
    assert relay() == 2
    drain(pg_app)
    assert {s.state for s in submissions()} == {SubmissionState.SENT}


def test_a_crash_between_two_http_batches_is_settled_by_key(app, office, sim, monkeypatch):
    """A job of 250 goes out as three HTTP batches. When the second dies after the first was
    filed, the job records the first's answers on its way out and sends no third; the other
    150 are left SENDING (the second part signed), and after the reaper the signed ones are
    looked up by key and sent as the same bytes under the same keys: each key is filed once."""
    from oss.client import OssClient
    from portal.submissions.services import create_send_batch

    point_at(app, sim, SUBMIT_LEASE_SECONDS=0)
    shop = office(app)
    create_send_batch(shop.staff, shop.ready(250))
    db.session.commit()
    ids = [s.id for s in submissions()]
    real, calls = OssClient.submit_many, []

    def killed_before_the_second(self, documents):
        calls.append(len(documents))
        if len(calls) == 2:
            raise SystemExit("work-horse killed between two HTTP batches")
        return real(self, documents)

    with monkeypatch.context() as m:
        m.setattr(OssClient, "submit_many", killed_before_the_second)
        with pytest.raises(SystemExit):
            send_chunk(ids)
    assert calls == [100, 100]
    after = submissions()
    assert sum(s.state == SubmissionState.SENT for s in after) == 100  # answered, recorded
    stuck = [s for s in after if s.state != SubmissionState.SENT]
    assert {s.state for s in stuck} == {SubmissionState.SENDING} and len(stuck) == 150
    signed = sum(bool(s.document_digest) for s in stuck)  # the second part, and the third
    assert signed >= 100  # if it was signed before the job saw the second part die
    assert len(_submit_log(sim.url)) == 100
    assert reap() == {"unknown": signed, "retry": 150 - signed}
    settle(app)
    assert {s.state for s in submissions()} == {SubmissionState.SENT}
    log = _submit_log(sim.url)
    assert len(log) == 250 and set(log.values()) == {1}


def test_a_job_signs_its_next_part_while_the_last_one_is_at_oss(app, office, sim, monkeypatch):
    """A job of 250 goes out as three HTTP batches; the first is posted before the job has
    signed its last row, and every batch's rows are stored, signed, before it is posted."""
    from jobs.pipeline import document
    from oss.client import OssClient
    from portal.models import Submission
    from portal.submissions.services import create_send_batch

    point_at(app, sim)
    shop = office(app)
    create_send_batch(shop.staff, shop.ready(250))
    db.session.commit()
    ids = sorted(s.id for s in submissions())
    engine, real_sign, real_post = db.engine, document.sign, OssClient.submit_many
    posted, overlapped, stored_before_post = threading.Event(), [], []

    def sign(sub, application, filers):
        if sub.id == ids[-1]:
            overlapped.append(posted.wait(10))
        return real_sign(sub, application, filers)

    def submit_many(self, documents):
        keys = [key for key, _ in documents]
        with engine.connect() as conn:  # what another transaction sees now
            stored_before_post.append(conn.scalar(
                sa.select(sa.func.count()).select_from(Submission).where(
                    Submission.idempotency_key.in_(keys),
                    Submission.document_digest.is_not(None))) == len(keys))
        posted.set()
        return real_post(self, documents)

    monkeypatch.setattr(document, "sign", sign)
    monkeypatch.setattr(OssClient, "submit_many", submit_many)
    send_chunk(ids)
    assert overlapped == [True]
    assert stored_before_post == [True, True, True]
    assert {s.state for s in submissions()} == {SubmissionState.SENT}
    assert set(_submit_log(sim.url).values()) == {1}
