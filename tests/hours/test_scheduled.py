"""予約送信: refused sends scheduled for the next opening, cancelled, re-checked when due."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq.registry import ScheduledJobRegistry

from jobs.queue import get_queue
from portal import clock
from portal.extensions import db
from portal.hours import scheduled as svc
from portal.hours.guard import send_refusal
from portal.models import ApplicationState
from portal.models import AuditEvent
from portal.models import ScheduledSend
from portal.models import ScheduledState
from tests.conftest import login
from tests.timekeeping import jst

NIGHT = jst(2026, 6, 10, 23, 0)
MORNING = jst(2026, 6, 11, 7, 0)


@pytest.fixture
def still_wall(monkeypatch):
    """Hold the system clock still. Under a frozen portal clock, ``to_wall`` of a portal
    moment moves on with real time: a check made a moment after the scheduling would
    compare against a later wall time than the one the job was scheduled from."""
    held = clock.system_now()
    monkeypatch.setattr(clock, "system_now", lambda: held)


def _rows():
    db.session.rollback()
    return db.session.scalars(sa.select(ScheduledSend).order_by(ScheduledSend.id)).all()


def test_refusal_offers_a_scheduled_send(app, set_clock):
    set_clock(NIGHT)
    with app.test_request_context(method="POST"):
        resp = send_refusal(["3", "5"])
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "ただいま送信できません" in body and "送信の受付時間外です" in body
    assert "2026年6月11日(木) 7:00に予約送信する(2件)" in body
    assert body.count('name="application_id"') == 2
    assert "<html" in body


def test_refusal_to_htmx_goes_to_the_flash_area(app, set_clock):
    set_clock(NIGHT)
    with app.test_request_context(method="POST", headers={"HX-Request": "true"}):
        resp = send_refusal([7])
    assert resp.status_code == 409
    assert resp.headers["HX-Retarget"] == "#flash"
    assert "<html" not in resp.get_data(as_text=True)


def test_no_refusal_while_open(app, set_clock):
    set_clock(jst(2026, 6, 10, 12, 0))
    with app.test_request_context(method="POST"):
        assert send_refusal([1]) is None


def test_staff_schedules_for_the_next_opening(app, client, tenants, make_application,
                                              set_clock):
    first = make_application(tenants["a"])
    second = make_application(tenants["a"], procedure="keizoku")
    set_clock(NIGHT)
    login(client, tenants["a_staff"])
    resp = client.post("/hours/schedule",
                       data={"application_id": [str(first.id), str(second.id)], "kind": "submit"})
    assert resp.status_code == 302 and resp.location.endswith("/hours/scheduled")
    [row] = _rows()
    assert (row.state, row.application_ids, row.user_id) == (
        ScheduledState.SCHEDULED, [first.id, second.id], tenants["a_staff"].id)
    assert row.run_at == MORNING.astimezone(UTC).replace(tzinfo=None)
    page = client.get("/hours/scheduled").get_data(as_text=True)
    assert "2件を2026年6月11日(木) 7:00に予約送信します。" in page
    assert "予約中" in page
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "send_scheduled"))


def test_the_job_waits_in_the_scheduler_until_the_opening(app, client, tenants,
                                                          make_application, set_clock,
                                                          still_wall):
    application = make_application(tenants["a"])
    set_clock(NIGHT)
    login(client, tenants["a_staff"])
    client.post("/hours/schedule", data={"application_id": str(application.id)})
    [row] = _rows()
    registry = ScheduledJobRegistry(queue=get_queue())
    job_id = f"scheduled-send-{row.id}-0"
    assert registry.get_job_ids() == [job_id]
    expected = datetime.now(UTC) + timedelta(hours=8)  # 23:00 -> 07:00 on the portal clock
    when = registry.get_scheduled_time(job_id)
    assert abs(when - expected) < timedelta(seconds=10)
    assert when >= clock.to_wall(row.run_at)  # whole seconds, never early


def test_a_job_near_the_opening_is_never_run_early(app, tenants, make_application, set_clock,
                                                   still_wall):
    application = make_application(tenants["a"])
    set_clock(jst(2026, 6, 11, 6, 59, 58, 900_000))
    row = svc.schedule_send(tenants["a_staff"], [application.id])
    db.session.commit()
    svc.enqueue(row)
    when = ScheduledJobRegistry(queue=get_queue()).get_scheduled_time(f"scheduled-send-{row.id}-0")
    assert clock.to_wall(MORNING) <= when <= clock.to_wall(MORNING) + timedelta(seconds=2)


def test_schedule_refusals_keep_the_selection(app, client, tenants, make_application,
                                              set_clock):
    own = make_application(tenants["a"])
    foreign = make_application(tenants["b"])
    set_clock(NIGHT)
    login(client, tenants["a_staff"])
    resp = client.post("/hours/schedule",
                       data={"application_id": [str(own.id), str(foreign.id)]})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert svc.NOT_FOUND in body
    assert f'value="{own.id}"' in body and f'value="{foreign.id}"' in body
    assert client.post("/hours/schedule", data={}).status_code == 422
    client.post("/hours/schedule", data={"application_id": str(own.id)})
    again = client.post("/hours/schedule", data={"application_id": str(own.id)})
    assert again.status_code == 422 and svc.ALREADY in again.get_data(as_text=True)
    assert len(_rows()) == 1


def test_only_agent_staff_may_schedule(app, client, tenants, make_application, set_clock):
    application = make_application(tenants["a"])
    set_clock(NIGHT)
    for who in ("a_admin", "r_staff", "assoc"):
        login(client, tenants[who])
        assert client.post("/hours/schedule",
                           data={"application_id": str(application.id)}).status_code == 403
        assert client.get("/hours/scheduled").status_code == 403
        client.post("/logout")
    assert _rows() == []


def test_cancel_before_it_runs(app, client, tenants, make_application, set_clock):
    application = make_application(tenants["a"])
    set_clock(NIGHT)
    login(client, tenants["a_staff"])
    client.post("/hours/schedule", data={"application_id": str(application.id)})
    [row] = _rows()
    resp = client.post(f"/hours/scheduled/{row.id}/cancel", follow_redirects=True)
    assert "予約送信を取り消しました。" in resp.get_data(as_text=True)
    assert _rows()[0].state == ScheduledState.CANCELLED
    again = client.post(f"/hours/scheduled/{row.id}/cancel", follow_redirects=True)
    assert svc.NOT_CANCELLABLE in again.get_data(as_text=True)
    set_clock(MORNING)
    assert svc.run_scheduled_send(row.id) == "not due"


def _schedule(tenants, application, at):
    row = ScheduledSend(org_id=tenants["a"].id, user_id=tenants["a_staff"].id,
                        application_ids=[application.id],
                        run_at=at.astimezone(UTC).replace(tzinfo=None))
    db.session.add(row)
    db.session.commit()
    return row


def test_job_does_nothing_before_its_time(app, tenants, make_application, set_clock):
    row = _schedule(tenants, make_application(tenants["a"]), MORNING)
    set_clock(MORNING - timedelta(seconds=1))
    assert svc.run_scheduled_send(row.id) == "not due"
    assert svc.dispatch_due() == 0
    assert _rows()[0].state == ScheduledState.SCHEDULED


def test_outage_announced_after_scheduling_moves_the_send(app, tenants, make_application,
                                                          set_clock, outage):
    row = _schedule(tenants, make_application(tenants["a"]), MORNING)
    outage(jst(2026, 6, 11, 6, 30), jst(2026, 6, 11, 9, 0))
    set_clock(MORNING)
    assert svc.run_scheduled_send(row.id) == "rescheduled"
    [again] = _rows()
    assert again.state == ScheduledState.SCHEDULED
    assert again.run_at == datetime(2026, 6, 11, 0, 0)  # 09:00 JST
    assert again.attempts == 1
    job_ids = ScheduledJobRegistry(queue=get_queue()).get_job_ids()
    assert f"scheduled-send-{row.id}-1" in job_ids


def test_deactivated_user_is_not_sent_for(app, tenants, make_application, set_clock):
    _schedule(tenants, make_application(tenants["a"]), MORNING)
    tenants["a_staff"].active = False
    db.session.commit()
    set_clock(MORNING)
    assert svc.dispatch_due() == 1
    [done] = _rows()
    assert (done.state, done.error_message) == (ScheduledState.FAILED, svc.USER_GONE)


def test_a_run_that_died_is_retried_after_its_lease_then_given_up(app, tenants,
                                                                  make_application, set_clock):
    application = make_application(tenants["a"], state=ApplicationState.READY)
    row = _schedule(tenants, application, MORNING)
    row.state, row.attempts = ScheduledState.RUNNING, svc.MAX_ATTEMPTS
    row.lease_until = datetime(2026, 6, 10, 22, 5)  # 07:05 JST
    db.session.commit()
    set_clock(jst(2026, 6, 11, 7, 1))
    assert svc.run_scheduled_send(row.id) == "not due"  # its lease still runs
    set_clock(jst(2026, 6, 11, 7, 6))
    assert svc.run_scheduled_send(row.id) == "failed"
    assert _rows()[0].error_message == svc.GAVE_UP


def test_waiting_rows_can_be_handed_to_the_scheduler_again(app, tenants, make_application):
    row = _schedule(tenants, make_application(tenants["a"]), MORNING)
    get_queue().connection.flushall()
    assert svc.enqueue_waiting() == 1
    assert ScheduledJobRegistry(queue=get_queue()).get_job_ids() == [
        f"scheduled-send-{row.id}-0"]


def test_send_endpoint_refuses_outside_hours_and_sends_nothing(app, client, tenants,
                                                               make_application, set_clock):
    from portal.models import Submission

    application = make_application(tenants["a"])
    set_clock(NIGHT)
    login(client, tenants["a_staff"])
    resp = client.post("/submissions/send", data={"application_id": [str(application.id)]})
    assert resp.status_code == 409
    assert "予約送信する(1件)" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_a_scheduled_send_takes_as_many_as_a_bulk_send(app, tenants):
    assert svc.max_ids() == 10000  # SEND_BATCH_MAX: 「申請準備完了のすべてを送信」 at night fits
    app.config["SEND_BATCH_MAX"] = 2
    with pytest.raises(svc.ScheduleError) as refused:
        svc.schedule_send(tenants["a_staff"], [1, 2, 3])
    assert refused.value.message == "一度に予約送信できるのは2件までです。"


def test_the_send_page_says_beforehand_that_sending_is_closed(client, tenants, set_clock):
    login(client, tenants["a_staff"])
    set_clock(NIGHT)
    body = client.get("/submissions/").get_data(as_text=True)
    notice = body.split('id="send-hours">', 1)[1].split("</p>", 1)[0]
    assert "送信の受付時間外です" in notice and "2026年6月11日(木) 7:00" in notice
    set_clock(MORNING + timedelta(hours=1))
    assert 'id="send-hours"' not in client.get("/submissions/").get_data(as_text=True)
