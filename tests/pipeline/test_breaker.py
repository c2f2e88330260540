"""The circuit breaker per OSS back-end (SECURITY.md: degrade safely when a dependency fails):
send jobs that get no answer open it, jobs then hold their rows back without calling OSS or
using an attempt, and an answer (or a user's 今すぐ処理する after its probe) closes it."""

import time
from datetime import timedelta

import pytest
import redis
import requests
import sqlalchemy as sa

from jobs.pipeline import breaker
from jobs.pipeline.send import send_chunk
from jobs.queue import get_connection
from portal.extensions import db
from portal.models import SubmissionState
from portal.models.base import utcnow
from tests.pipeline.conftest import point_at
from tests.pipeline.office import drain
from tests.pipeline.office import send
from tests.pipeline.office import settle
from tests.pipeline.office import submissions


def _requests_at(sim) -> int:
    return len(requests.get(f"{sim.url}/_sim/requests").json()["requests"])


def test_failures_in_a_row_open_it_and_an_answer_closes_it(app):
    app.config.update(BREAKER_FAILURES=3, BREAKER_OPEN_SECONDS=60)
    breaker.observe("mlit", False)
    breaker.observe("mlit", False)
    assert breaker.open_until("mlit") is None
    breaker.observe("mlit", False)
    until = breaker.open_until("mlit")
    assert until is not None
    assert timedelta(seconds=58) < until - utcnow() <= timedelta(seconds=60)
    assert breaker.open_until("kei") is None  # each back-end on its own
    breaker.observe("mlit", True)
    assert breaker.open_until("mlit") is None
    breaker.observe("mlit", False)  # the count started again
    assert breaker.open_until("mlit") is None


def test_after_its_time_one_job_tries_and_its_outcome_decides(app):
    app.config.update(BREAKER_FAILURES=2, BREAKER_OPEN_SECONDS=0.01)
    breaker.observe("kei", False)
    breaker.observe("kei", False)
    time.sleep(0.05)
    assert breaker.open_until("kei") is None  # its time is over: this job tries …
    waiting = breaker.open_until("kei")  # … and the next ones hold back meanwhile
    assert waiting is not None and waiting > utcnow()
    app.config["BREAKER_OPEN_SECONDS"] = 60
    breaker.observe("kei", False)  # the try failed: open again at once
    assert breaker.open_until("kei") > utcnow() + timedelta(seconds=58)
    get_connection().hset("ossdesk:breaker:kei", "open_until", 0)  # its time is over again
    assert breaker.open_until("kei") is None
    breaker.observe("kei", True)  # this try got an answer: closed
    assert not get_connection().exists("ossdesk:breaker:kei")
    assert breaker.open_until("kei") is None and breaker.open_until("kei") is None
    assert int(get_connection().get(breaker.OPENED)) == 2


def test_it_can_be_turned_off_even_while_open(app):
    app.config.update(BREAKER_FAILURES=1, BREAKER_OPEN_SECONDS=600)
    breaker.observe("mlit", False)
    assert breaker.open_until("mlit") is not None
    app.config["BREAKER_FAILURES"] = 0  # an operator turns it off during the outage
    assert breaker.open_until("mlit") is None
    for _ in range(5):
        breaker.observe("mlit", False)
    assert breaker.open_until("mlit") is None
    assert not get_connection().exists("ossdesk:breaker:mlit")


def test_redis_trouble_never_holds_a_send_back(app):
    app.config.update(BREAKER_FAILURES=1)
    app.extensions["ossdesk_redis"] = redis.Redis(port=9, socket_connect_timeout=0.2)
    breaker.observe("mlit", False)  # no exception
    assert breaker.open_until("mlit") is None
    breaker.rearm("mlit")


def test_held_back_rows_wait_without_a_call_or_an_attempt(app, office, sim):
    point_at(app, sim, BREAKER_FAILURES=1, BREAKER_OPEN_SECONDS=600)
    sim.faults(error_rate=1.0, error_phase="before", ops=["submit", "status"])  # OSS away
    shop = office(app)
    send(shop.staff, shop.ready(2))
    ids = [s.id for s in submissions()]
    send_chunk(ids)  # no answer: one failure opens the breaker
    assert {(s.state, s.attempts) for s in submissions()} == {(SubmissionState.UNKNOWN, 1)}
    until = breaker.open_until("mlit")
    assert until is not None
    calls = _requests_at(sim)
    db.session.execute(sa.text("UPDATE submission SET next_attempt_at = NULL"))  # due now
    db.session.commit()
    send_chunk(ids)
    assert _requests_at(sim) == calls  # OSS was not asked
    for sub in submissions():
        assert (sub.state, sub.attempts) == (SubmissionState.UNKNOWN, 1)  # nothing used up
        assert sub.next_attempt_at == until and sub.lease_until is None
        assert sub.error_code == "oss:paused"
        assert "OSSから続けて応答がないため" in sub.error_message
        assert "送信・照会を控えています" in sub.error_message
    sim.faults()  # OSS answers again, and the breaker's time is over
    get_connection().hset("ossdesk:breaker:mlit", "open_until", 0)
    db.session.execute(sa.text("UPDATE submission SET next_attempt_at = NULL"))
    db.session.commit()
    settle(app)  # the job that tries gets answers: that closes the breaker
    subs = submissions()
    assert {(s.state, s.attempts) for s in subs} == {(SubmissionState.SENT, 2)}
    stats = requests.get(f"{sim.url}/_sim/stats").json()
    assert stats["applications"] == 2 and stats["duplicate_applications"] == 0
    assert not get_connection().exists("ossdesk:breaker:mlit")


def test_a_never_sent_row_held_back_stays_ready_to_send(app, office):
    point_at(app, None, OSS_MLIT_URL="http://127.0.0.1:9/mlit",
             BREAKER_FAILURES=1, BREAKER_OPEN_SECONDS=600)
    shop = office(app)
    send(shop.staff, shop.ready(1))
    sub_id = submissions()[0].id
    send_chunk([sub_id])
    assert (submissions()[0].state, submissions()[0].attempts) == (SubmissionState.RETRY, 1)
    db.session.execute(sa.text("UPDATE submission SET next_attempt_at = NULL"))
    db.session.commit()
    send_chunk([sub_id])
    sub = submissions()[0]
    assert (sub.state, sub.attempts, sub.error_code) == (SubmissionState.RETRY, 1, "oss:paused")
    assert sub.next_attempt_at == breaker.open_until("mlit")


def test_each_back_end_is_judged_on_its_own_answers(app, office, sim):
    """One job, two back-ends: 軽OSS answers, OSS does not."""
    point_at(app, sim, OSS_MLIT_URL="http://127.0.0.1:9/mlit", BREAKER_FAILURES=2)
    get_connection().hset("ossdesk:breaker:kei", "failures", 1)  # an earlier failure
    shop = office(app)
    send(shop.staff, shop.ready(1) + shop.ready(1, "kei_keizoku"))
    send_chunk([s.id for s in submissions()])
    assert int(get_connection().hget("ossdesk:breaker:mlit", "failures")) == 1
    assert not get_connection().exists("ossdesk:breaker:kei")  # its answer reset the count
    states = {s.application_id: s.state for s in submissions()}
    assert sorted(state.value for state in states.values()) == ["retry", "sent"]


@pytest.mark.parametrize("answers", [True, False], ids=["oss-back", "oss-still-away"])
def test_go_now_rearms_the_breaker_only_when_oss_answers(app, client, office, sim, answers):
    from tests.conftest import login

    point_at(app, sim, BREAKER_FAILURES=2, BREAKER_OPEN_SECONDS=600,
             SUBMIT_RETRY_DELAYS=(1800,))
    if not answers:
        app.config["OSS_MLIT_URL"] = "http://127.0.0.1:9/mlit"
    shop = office(app)
    batch_id = send(shop.staff, shop.ready(1))
    breaker.observe("mlit", False)  # earlier jobs had no answer
    breaker.observe("mlit", False)
    drain(app)
    assert submissions()[0].error_code == "oss:paused"
    login(client, shop.staff, "Test-pass-123")
    client.post(f"/submissions/batches/{batch_id}/retry-now")
    if answers:  # sends may go, one more failure would open it again
        assert breaker.open_until("mlit") is None
        assert int(get_connection().hget("ossdesk:breaker:mlit", "failures")) == 1
        drain(app)
        assert submissions()[0].state == SubmissionState.SENT
        assert not get_connection().exists("ossdesk:breaker:mlit")
    else:
        assert breaker.open_until("mlit") is not None
        assert submissions()[0].attempts == 0
