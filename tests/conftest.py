"""Shared fixtures: apps on SQLite and PostgreSQL, factories, login, live server."""

import contextvars
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from flask.testing import FlaskClient

_INSTANCE = tempfile.mkdtemp(prefix="ossdesk-test-instance-")
os.environ["OSSDESK_INSTANCE"] = _INSTANCE
for _name in ("DATABASE_URL", "REDIS_URL", "OSS_MLIT_URL", "OSS_KEI_URL", "OSSDESK_ENV",
              "SECRET_KEY", "OSSDESK_KEYS"):
    os.environ.pop(_name, None)

from tests import services as svc  # noqa: E402

PASSWORD = "Test-pass-123"
TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SQLITE_BEGIN": "DEFERRED",
    "OSS_MLIT_URL": "http://127.0.0.1:9/mlit",
    "OSS_KEI_URL": "http://127.0.0.1:9/kei",
    # Sending is open around the clock in tests, so no test depends on the time of day it
    # runs; the service-hours tests use the shipped calendar (tests/timekeeping.py).
    "SERVICE_HOURS": {"service": {"open": "00:00", "close": "24:00"},
                      "agency": {"open": "00:00", "close": "24:00"}},
}


def pytest_collection_modifyitems(config, items):
    """Start the long runs first: under ``make test`` the test workers share them out at
    the start, and no long run begins last, after the other worker has run dry."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_INSTANCE, ignore_errors=True)


def _migrate(app) -> None:
    from flask_migrate import upgrade

    from portal.extensions import db

    with app.app_context():
        upgrade()
        db.engine.dispose()  # closes connections, so SQLite checkpoints its WAL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    from portal import create_app

    path = tmp_path_factory.mktemp("db") / "template.db"
    _migrate(create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
    return path


class IsolatedClient(FlaskClient):
    """Serve each request in a fresh context, as a real server would.

    Tests keep an app context pushed for their own queries; without this, the
    requests would share its ``g`` and database session. The test's own
    session commits what it prepared before the request and forgets what it
    had loaded afterwards, so the test reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        from flask import has_app_context

        from portal.extensions import db

        outer = has_app_context()
        if outer:
            db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            if outer:
                db.session.expire_all()
                db.session.rollback()


def make_app(extra: dict | None = None):
    from portal import create_app

    app = create_app({**TEST_CONFIG, **(extra or {})})
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(sqlite_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url})
    with app.app_context():
        yield app
        from portal.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


# --- servers -------------------------------------------------------------------------------


def _service(factory, request):
    try:
        server = factory()
    except svc.ServiceUnavailable as exc:
        if svc.must_have_services():
            pytest.fail(f"required test service missing: {exc}")
        pytest.skip(str(exc))
    request.addfinalizer(server.stop)
    return server


@pytest.fixture(scope="session")
def redis_server(request):
    return _service(svc.RedisServer, request)


@pytest.fixture(scope="session")
def postgres_server(request):
    return _service(svc.PostgresServer, request)


@pytest.fixture(scope="session")
def postgres_template_url(postgres_server) -> str:
    url = postgres_server.create_database("ossdesk_test")
    _migrate(make_app({"SQLALCHEMY_DATABASE_URI": url}))
    return url


@pytest.fixture
def pg_app(postgres_template_url, redis_server):
    """The app on PostgreSQL and a real Redis; tables are emptied after the test."""
    import sqlalchemy as sa

    app = make_app({"SQLALCHEMY_DATABASE_URI": postgres_template_url,
                    "REDIS_URL": redis_server.url})
    with app.app_context():
        yield app
        from portal.extensions import db

        db.session.remove()
        tables = [f'"{t.name}"' for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        import redis

        redis.Redis.from_url(redis_server.url).flushdb()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_app(request):
    """Run a test on the embedded default and on PostgreSQL + Redis."""
    if request.param == "sqlite":
        return request.getfixturevalue("app")
    return request.getfixturevalue("pg_app")


# --- factories -------------------------------------------------------------------------------


# The factories write through the current app context: request ``app``, ``pg_app``
# or ``any_app`` (whichever database the test is about) alongside them.
@pytest.fixture
def make_org():
    from portal.extensions import db
    from portal.models import Branch
    from portal.models import Organization
    from portal.models import OrgKind

    counter = {"n": 0}

    def _make(kind: OrgKind = OrgKind.GYOSEISHOSHI, name: str | None = None, **kw):
        counter["n"] += 1
        org = Organization(kind=kind, name=name or f"テスト組織{counter['n']}",
                           registration_number=kw.pop("registration_number", "12345678"), **kw)
        db.session.add(org)
        db.session.flush()
        db.session.add(Branch(org_id=org.id, name="本店", kei_manager_name="管理業者"))
        db.session.commit()
        return org

    return _make


@pytest.fixture
def make_user():
    from portal.extensions import db
    from portal.models import Role
    from portal.models import User

    counter = {"n": 0}

    def _make(org, role: Role = Role.STAFF, login_id: str | None = None, **kw):
        counter["n"] += 1
        user = User(org_id=org.id, login_id=login_id or f"user{counter['n']}-{org.id}",
                    display_name=kw.pop("display_name", f"利用者{counter['n']}"), role=role,
                    must_change_password=kw.pop("must_change_password", False), **kw)
        user.organization = org
        user.set_password(kw.pop("password", PASSWORD))
        db.session.add(user)
        db.session.commit()
        return user

    return _make


def login(client, user, password: str = PASSWORD):
    resp = client.post("/login", data={"login_id": user.login_id, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return resp


@pytest.fixture
def tenants(make_org, make_user):
    """Three organisations (two agents, one requester linked to the first) with users."""
    from portal.extensions import db
    from portal.models import AgentRequesterLink
    from portal.models import OrgKind
    from portal.models import Role

    a = make_org(OrgKind.GYOSEISHOSHI, "甲行政書士事務所")
    b = make_org(OrgKind.GYOSEISHOSHI_CORP, "乙行政書士法人")
    r = make_org(OrgKind.REQUESTER, "丙モータース", registration_number="")
    k = make_org(OrgKind.ASSOCIATION, "協会", registration_number="")
    db.session.add(AgentRequesterLink(agent_org_id=a.id, requester_org_id=r.id))
    db.session.commit()
    users = {
        "a_admin": make_user(a, Role.ADMIN), "a_staff": make_user(a, Role.STAFF),
        "b_admin": make_user(b, Role.ADMIN), "b_staff": make_user(b, Role.STAFF),
        "r_admin": make_user(r, Role.ADMIN), "r_staff": make_user(r, Role.STAFF),
        "assoc": make_user(k, Role.ASSOCIATION),
    }
    return {"a": a, "b": b, "r": r, "k": k, **users}


# --- live server for browser and end-to-end tests ---------------------------------------------


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        from jobs.worker import EmbeddedWorker

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.worker = EmbeddedWorker(app, poll_interval=0.1)

    def start(self):
        self.thread.start()
        self.worker.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.worker.stop()


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists("/usr/bin/chromium"):
        if svc.must_have_services():
            pytest.fail("Debian's chromium is not installed")
        pytest.skip("chromium is not installed")
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ja-JP", "viewport": {"width": 1280, "height": 1024}}


@pytest.fixture(scope="session", autouse=True)
def _browser_expectations_wait_for_a_busy_machine():
    """``make test`` runs two workers, and a browser test may share the two cores with a chaos
    run: an expectation waits up to 15 s (Playwright's default is 5 s) for the page to show
    what it must. What it must show is unchanged."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
