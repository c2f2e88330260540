"""Brute force: per-IP rate limit and per-account lockout (SECURITY.md S7)."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent
from tests.conftest import make_app


def test_a_thousand_attempts_get_at_most_25_password_checks(app, sqlite_url, tenants):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "RATELIMIT_ENABLED": True,
                    "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    statuses = []
    for i in range(1000):
        resp = client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                           "password": f"guess-{i}"})
        statuses.append(resp.status_code)
    checked = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "login_failed", AuditEvent.detail["reason"].as_string() == "bad password"))
    assert checked <= 25
    assert checked == 5  # the account locks after five failures
    assert statuses.count(429) >= 1000 - 20
    resp = client.post("/login", data={"login_id": "x", "password": "y"})
    assert resp.status_code == 429
    assert "短時間に操作が集中しました" in resp.get_data(as_text=True)


def test_the_limit_is_per_ip(app, sqlite_url, tenants):
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "RATELIMIT_ENABLED": True,
                    "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    for _ in range(20):
        client.post("/login", data={"login_id": "nobody", "password": "x"},
                    environ_base={"REMOTE_ADDR": "10.0.0.1"})
    blocked = client.post("/login", data={"login_id": "nobody", "password": "x"},
                          environ_base={"REMOTE_ADDR": "10.0.0.1"})
    other = client.post("/login", data={"login_id": "nobody", "password": "x"},
                        environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert blocked.status_code == 429 and other.status_code == 200


def test_with_redis_down_logins_work_and_are_still_limited(app, sqlite_url, tenants):
    """The limiter's counters live in Redis in production. With Redis unreachable the login
    page still answers (no server error) and the limit is kept in the process's memory."""
    from tests.services import free_port

    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "RATELIMIT_ENABLED": True,
                    "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0"})
    client = app.test_client()
    statuses = [client.post("/login", data={"login_id": "nobody", "password": "x"}).status_code
                for _ in range(25)]
    assert 500 not in statuses and statuses[0] == 200
    assert statuses.count(429) >= 25 - 20


@pytest.mark.parametrize("hops, apart", [(1, True), (0, False)])
def test_behind_the_proxy_the_limit_follows_the_forwarded_client(app, sqlite_url, tenants,
                                                                 hops, apart):
    """With PROXY_FIX_HOPS=1 (behind nginx) each client has its own bucket, taken from
    X-Forwarded-For; with 0 the header is ignored, so a client cannot pick its bucket by
    sending one (and everybody behind a proxy shares the proxy's: hence docs/deploy.md)."""
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "RATELIMIT_ENABLED": True,
                    "RATELIMIT_STORAGE_URI": "memory://", "PROXY_FIX_HOPS": hops})
    client = app.test_client()

    def attempt(client_ip: str) -> int:
        return client.post("/login", data={"login_id": "nobody", "password": "x"},
                           headers={"X-Forwarded-For": client_ip},
                           environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code  # the proxy

    for _ in range(20):
        attempt("203.0.113.1")
    assert attempt("203.0.113.1") == 429
    assert attempt("203.0.113.2") == (200 if apart else 429)
