"""The job queue (embedded and Redis), /healthz, the CLI and demo data."""

import json
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from jobs import runs
from jobs.worker import AppWorker
from jobs.worker import EmbeddedWorker
from oss.simulator import create_simulator
from portal.extensions import db
from portal.models import JobRun
from portal.models import JobStatus
from tests.conftest import login

MIGRATIONS = Path(__file__).resolve().parent.parent / "portal" / "migrations" / "versions"


@pytest.fixture
def simulator():
    server = make_server("127.0.0.1", 0, create_simulator(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _wait_terminal(run_id, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()  # end the read snapshot; see what the worker wrote
        run = db.session.get(JobRun, run_id)
        if run.status.terminal:
            return run
        time.sleep(0.1)
    raise AssertionError(f"job {run_id} did not finish")


@pytest.fixture
def embedded_worker(app):
    worker = EmbeddedWorker(app, poll_interval=0.05).start()
    yield worker
    worker.stop()


def test_embedded_worker_runs_the_oss_check(app, simulator, embedded_worker):
    app.config.update(OSS_MLIT_URL=f"{simulator}/mlit", OSS_KEI_URL=f"{simulator}/kei")
    done = _wait_terminal(runs.start("oss-check", "jobs.system.check_oss").id)
    assert done.status == JobStatus.FINISHED and done.progress == 100
    assert done.result["mlit"]["ok"] and done.result["kei"]["ok"]


def test_unreachable_oss_fails_with_a_japanese_reason(app, embedded_worker):
    done = _wait_terminal(runs.start("oss-check", "jobs.system.check_oss").id)
    assert done.status == JobStatus.FAILED and "到達できません" in done.error
    assert done.result["mlit"]["reason"].startswith("接続できません")  # staff read this
    assert done.result["mlit"]["detail"] == "ConnectionError"  # and operators this


def test_the_system_page_lists_a_check_once_it_finishes(app, client, tenants, embedded_worker):
    """The page's run panel tells the recent-results list to reload when the run is over, and
    the button is disabled while its request is out (a double click starts one check)."""
    login(client, tenants["assoc"])
    page = client.get("/association/system").get_data(as_text=True)
    assert 'hx-disabled-elt="this"' in page and "まだ実行されていません。" in page
    assert 'hx-trigger="oss-check-finished from:body"' in page
    run_id = runs.start("oss-check", "jobs.system.check_oss",
                        org_id=tenants["assoc"].org_id, user_id=tenants["assoc"].id).id
    _wait_terminal(run_id)  # no OSS is reachable here: it ends in エラー
    panel = client.get(f"/association/system/runs/{run_id}")
    assert "oss-check-finished" in panel.headers["HX-Trigger"]
    recent = client.get("/association/system/recent").get_data(as_text=True)
    assert "エラー" in recent
    assert "まだ実行されていません。" not in recent


@pytest.mark.redis
def test_real_rq_worker_round_trip_on_postgres(pg_app, simulator):
    pg_app.config.update(OSS_MLIT_URL=f"{simulator}/mlit", OSS_KEI_URL=f"{simulator}/kei")
    run = runs.start("oss-check", "jobs.system.check_oss")
    worker = AppWorker(["default"], connection=__import__("jobs.queue").queue.get_connection())
    worker.flask_app = pg_app
    worker.work(burst=True)
    done = _wait_terminal(run.id)
    assert done.status == JobStatus.FINISHED


def test_healthz_reports_each_part(app, client, simulator):
    app.config.update(OSS_MLIT_URL=f"{simulator}/mlit", OSS_KEI_URL=f"{simulator}/kei")
    body = client.get("/healthz").get_json()
    assert body["database"]["ok"] and body["database"]["dialect"] == "sqlite"
    assert body["queue"] == {"ok": True, "mode": "embedded"}
    assert body["oss"]["mlit"]["ok"] and body["oss"]["kei"]["ok"]
    # no worker has looked in yet: the jobs would wait without end
    assert body["workers"] == {"ok": False, "checked": True, "last_seen_seconds_ago": None,
                               "detail": "no job worker has looked in lately"}
    assert body["status"] == "degraded" and client.get("/healthz").status_code == 200
    from jobs.pipeline.ticker import Ticker
    from jobs.queue import get_connection

    with app.app_context():
        Ticker.for_app(app, get_connection()).maybe_tick()  # what each worker's ticker does
    body = client.get("/healthz").get_json()
    assert body["workers"]["ok"] and body["workers"]["last_seen_seconds_ago"] <= 5
    assert body["status"] == "ok"
    app.config["PIPELINE_TICK_SECONDS"] = 0  # no tick: nothing to watch
    assert client.get("/healthz").get_json()["workers"] == {"ok": True, "checked": False}


def test_healthz_says_when_oss_is_down(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["oss"]["mlit"]["ok"] is False


def test_healthz_calls_oss_at_most_once_per_endpoint_in_a_while(client, monkeypatch):
    """/healthz is public: called in a loop it must not make the portal call OSS each time."""
    from portal.main import health

    calls = []
    monkeypatch.setattr(health, "probe", lambda url: calls.append(url) or {"ok": True})
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert len(calls) == 2  # mlit and kei, once each
    monkeypatch.setattr(health, "OSS_PROBE_MAX_AGE", 0)
    client.get("/healthz")
    assert len(calls) == 4


def test_healthz_on_postgres_and_redis(pg_app):
    body = pg_app.test_client().get("/healthz").get_json()
    assert body["database"]["dialect"] == "postgresql"
    assert body["queue"] == {"ok": True, "mode": "redis"}


def test_healthz_reports_the_schema_revision(app, client):
    body = client.get("/healthz").get_json()
    schema = body["database"]["schema"]
    newest = max(p.name.split("_")[0] for p in MIGRATIONS.glob("[0-9]*.py"))
    assert schema["ok"] and schema["revision"] == schema["expected"]
    assert schema["expected"].startswith(newest)  # the newest migration file's revision


def test_unmigrated_database_is_unhealthy_and_says_what_to_run(tmp_path):
    from tests.conftest import make_app

    app = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.db"})
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "degraded" and body["database"]["ok"] is False
    assert body["database"]["schema"]["revision"] is None
    assert "ossdesk db upgrade" in body["database"]["schema"]["detail"]


def test_up_refuses_an_unmigrated_database_with_the_command_to_run(tmp_path):
    from tests.conftest import make_app

    app = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.db"})
    result = app.test_cli_runner().invoke(args=["up"])
    assert result.exit_code == 1
    assert "run `ossdesk db upgrade` first" in result.output
    assert "Traceback" not in result.output


def test_database_one_migration_behind_is_unhealthy(tmp_path):
    from flask_migrate import downgrade

    from tests.conftest import _migrate
    from tests.conftest import make_app

    app = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/behind.db"})
    _migrate(app)
    with app.app_context():
        downgrade(revision="-1")
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    schema = resp.get_json()["database"]["schema"]
    assert schema["ok"] is False and schema["revision"] < schema["expected"]


def test_database_down_gives_503_without_details(tmp_path):
    from tests.conftest import make_app

    app = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json()["database"]["ok"] is False
    assert "Traceback" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("method, path", [
    ("get", "/faq?q=証明書"), ("get", "/notices"), ("get", "/usage"), ("post", "/login")])
def test_pages_answer_a_plain_503_while_the_database_is_down(tmp_path, method, path):
    """SECURITY.md R8: the error handler, not only /healthz: a generic page, nothing leaked."""
    from tests.conftest import make_app

    app = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    client = app.test_client()
    resp = getattr(client, method)(path, data={"login_id": "someone", "password": "Pass-123"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 503
    assert "Traceback" not in body and "OperationalError" not in body and "sqlite" not in body
    assert "x.db" not in body and "<html" in body


def test_demo_seed_is_idempotent(app):
    from portal.demo import seed

    first = seed()
    second = seed()
    assert first == second
    roles = {row["role"] for row in first}
    assert roles == {"協会職員", "管理者", "担当者"}
    from portal.models import User

    assert db.session.scalar(sa.select(sa.func.count(User.id))) == len(first)


def test_seeded_demo_users_can_log_in(app, client):
    from portal.demo import seed

    for row in seed():
        resp = client.post("/login", data={"login_id": row["login_id"],
                                           "password": row["password"]})
        assert resp.status_code == 302 and resp.headers["Location"] == "/dashboard"
        client.post("/logout")


def test_simulator_answers_health_on_both_backends(simulator):
    import requests

    for backend in ("mlit", "kei"):
        assert requests.get(f"{simulator}/{backend}/healthz", timeout=2).json()["backend"] == backend
    assert "OSSシミュレータ" in requests.get(simulator + "/", timeout=2).text
    assert json.loads(requests.get(simulator + "/healthz", timeout=2).text)["status"] == "ok"
