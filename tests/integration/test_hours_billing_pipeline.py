"""Service hours and billing with the real pipeline: the send endpoint refuses at night and
offers 予約送信, which the scheduler sends at the opening; completions polled from the OSS
simulator are billed once and closed at month end."""

import copy
import time

import sqlalchemy as sa

from jobs.pipeline.poll import schedule_polls
from jobs.queue import get_connection
from jobs.worker import ThreadWorker
from portal.billing.close import run_close
from portal.extensions import db
from portal.hours.scheduled import dispatch_due
from portal.models import ApplicationState as S
from portal.models import Backend
from portal.models import BillingRecord
from portal.models import ScheduledSend
from portal.models import ScheduledState
from portal.models import Statement
from portal.models import SubmissionKind
from portal.models import SubmissionState
from tests.conftest import login
from tests.pipeline.conftest import point_at
from tests.pipeline.office import application
from tests.pipeline.office import drain
from tests.pipeline.office import send
from tests.pipeline.office import settle
from tests.pipeline.office import submissions
from tests.timekeeping import jst


def _scheduled() -> list[ScheduledSend]:
    db.session.rollback()
    return db.session.scalars(sa.select(ScheduledSend).order_by(ScheduledSend.id)).all()


def _records() -> list[BillingRecord]:
    db.session.rollback()
    return db.session.scalars(sa.select(BillingRecord).order_by(BillingRecord.id)).all()


def _staff_of_new_office(app, office, sim, count: int):
    """A filing office pointed at ``sim`` with ``count`` ready applications; its staff logged in."""
    point_at(app, sim)
    shop = office(app)
    ids = shop.ready(count)
    client = app.test_client()
    login(client, shop.staff)
    return shop, ids, client


def _poll_until_settled(app, sim, rounds: int = 3) -> None:
    for _ in range(rounds):
        sim.advance(600)
        schedule_polls()
        drain(app)


def test_night_send_is_scheduled_and_sent_at_the_opening(app, office, sim, set_clock):
    shop, ids, client = _staff_of_new_office(app, office, sim, 2)
    set_clock(jst(2026, 6, 10, 23, 0))
    refused = client.post("/submissions/send", data={"application_id": [str(i) for i in ids]})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "送信の受付時間外です" in body
    assert submissions() == [] and {application(i).state for i in ids} == {S.READY}
    offered = client.post("/hours/schedule", data={"application_id": [str(i) for i in ids]})
    assert offered.status_code == 302
    [row] = _scheduled()
    assert row.state == ScheduledState.SCHEDULED
    set_clock(jst(2026, 6, 11, 7, 0))
    assert dispatch_due() == 1  # what the periodic tick does (its RQ job waits for real 07:00)
    [row] = _scheduled()
    assert row.state == ScheduledState.DONE and row.batch_id
    drain(app)
    sent = submissions()
    assert [s.state for s in sent] == [SubmissionState.SENT] * 2
    assert {s.batch_id for s in sent} == {row.batch_id}
    assert {application(i).state for i in ids} == {S.ARRIVED}
    page = client.get("/hours/scheduled").get_data(as_text=True)
    assert f"/submissions/batches/{row.batch_id}" in page


def test_the_scheduler_itself_runs_the_scheduled_send(app, office, sim, set_clock):
    _shop, ids, client = _staff_of_new_office(app, office, sim, 1)
    set_clock(jst(2026, 6, 11, 6, 59, 58), frozen=False)  # two seconds before the opening
    client.post("/submissions/send", data={"application_id": str(ids[0])})
    client.post("/hours/schedule", data={"application_id": str(ids[0])})
    time.sleep(4)  # the job is due one whole second after 7:00 at most
    worker = ThreadWorker(["default"], connection=get_connection())
    worker.flask_app = app
    worker.work(burst=True, with_scheduler=True, logging_level="WARNING")  # as `ossdesk worker`
    [row] = _scheduled()
    assert row.state == ScheduledState.DONE
    drain(app)
    assert [s.state for s in submissions()] == [SubmissionState.SENT]


def test_completions_are_billed_once_and_closed(app, office, sim, set_clock):
    point_at(app, sim)
    shop = office(app)
    ids = shop.ready(1, "keizoku") + shop.ready(1, "kei_keizoku")
    send(shop.staff, ids)
    settle(app)
    _poll_until_settled(app, sim)
    rows = _records()
    assert {application(i).state for i in ids} == {S.COMPLETED}
    assert sorted((r.backend, r.unit_price) for r in rows) == [(Backend.KEI, 45),
                                                               (Backend.MLIT, 45)]
    assert {r.receipt_number for r in rows} == {application(i).receipt_number for i in ids}
    month = rows[0].month
    year, number = int(month[:4]), int(month[5:])
    set_clock(jst(year + number // 12, number % 12 + 1, 1, 0, 5))
    assert run_close() == 1
    [statement] = db.session.scalars(sa.select(Statement)).all()
    assert (statement.org_id, statement.item_count, statement.total) == (shop.org.id, 2, 90)


def _rejected_then_put_right(app, office, sim, chassis: str):
    """A 継続検査 filed, 却下 after reception review, its cause then put right; (office, id)."""
    point_at(app, sim)
    shop = office(app)
    ids = shop.ready(1, "keizoku", chassis="ZVW30-1239902")  # 却下 after reception review
    send(shop.staff, ids)
    settle(app)
    _poll_until_settled(app, sim, rounds=1)
    rejected = application(ids[0])
    assert rejected.state == S.REJECTED and _records() == []
    payload = copy.deepcopy(rejected.payload)
    payload["vehicle"]["chassis_no"] = chassis
    rejected.payload = payload
    db.session.commit()
    return shop, ids


def test_rejection_is_free_and_the_resubmission_is_billed_when_it_completes(app, office, sim):
    shop, ids = _rejected_then_put_right(app, office, sim, "ZVW30-1230001")
    send(shop.staff, ids, kind=SubmissionKind.RESUBMIT)
    settle(app)
    _poll_until_settled(app, sim)
    assert application(ids[0]).state == S.COMPLETED
    [record] = _records()
    assert record.application_id == ids[0]


def test_a_night_resubmission_is_offered_as_a_scheduled_resubmission(app, office, sim, set_clock):
    shop, ids = _rejected_then_put_right(app, office, sim, "ZVW30-1230002")
    client = app.test_client()
    login(client, shop.staff)
    set_clock(jst(2026, 6, 10, 22, 30))
    refused = client.post(f"/applications/{ids[0]}/oss/resubmit")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "送信の受付時間外です" in body
    assert 'name="kind" value="resubmit"' in body
    assert len(submissions()) == 1  # nothing new was written
    client.post("/hours/schedule", data={"application_id": str(ids[0]), "kind": "resubmit"})
    [row] = _scheduled()
    assert row.kind == SubmissionKind.RESUBMIT.value
    set_clock(jst(2026, 6, 11, 7, 0, 1))
    assert dispatch_due() == 1
    drain(app)
    first, again = submissions()
    assert again.kind == SubmissionKind.RESUBMIT and again.state == SubmissionState.SENT
    settle(app)
    _poll_until_settled(app, sim)
    assert application(ids[0]).state == S.COMPLETED
    assert [r.application_id for r in _records()] == [ids[0]]


def test_the_periodic_tick_runs_due_sends_and_schedules_the_close(app, office, sim, set_clock):
    from rq.registry import ScheduledJobRegistry

    from jobs.pipeline.periodic import tick
    from jobs.queue import get_queue

    _shop, ids, client = _staff_of_new_office(app, office, sim, 1)
    set_clock(jst(2026, 6, 10, 23, 0))
    client.post("/hours/schedule", data={"application_id": str(ids[0])})
    get_connection().flushall()  # the queue lost the scheduled job: only the row is left
    set_clock(jst(2026, 6, 11, 7, 0, 1))
    done = tick()
    assert done["scheduled_sends"] == 1
    assert _scheduled()[0].state == ScheduledState.DONE
    waiting = ScheduledJobRegistry(queue=get_queue()).get_job_ids()
    assert {"billing-close-2026-05", "billing-close-2026-06"} <= set(waiting)
    drain(app)
    assert [s.state for s in submissions()] == [SubmissionState.SENT]


def test_the_detail_page_shows_the_review_outlook_and_the_fee_lines(app, office, sim, set_clock):
    _shop, ids, client = _staff_of_new_office(app, office, sim, 1)
    set_clock(jst(2026, 6, 13, 10, 0))  # a Saturday: the agency reviews from Monday
    page = client.get(f"/applications/{ids[0]}").get_data(as_text=True)
    assert "審査の見込み" in page and "2026年6月15日" in page
    assert "法定手数料等(送信前の目安)" in page


def test_send_all_ready_at_night_offers_them_all_for_the_opening(app, office, sim, set_clock):
    _shop, ids, client = _staff_of_new_office(app, office, sim, 3)
    set_clock(jst(2026, 6, 10, 23, 0))
    refused = client.post("/submissions/send", data={"scope": "all_ready"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "予約送信する(3件)" in body
    offered = [f'name="application_id" value="{i}"' in body for i in ids]
    assert all(offered) and submissions() == []
