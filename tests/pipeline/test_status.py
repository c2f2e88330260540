"""OSS status becomes portal state and history in one place (record_oss_status), fed by the
batched periodic poll; 却下 can be resubmitted once."""

import pytest
import sqlalchemy as sa

from jobs.pipeline.poll import schedule_polls
from oss import status as oss
from portal.extensions import db
from portal.models import ApplicationEvent
from portal.models import ApplicationState as S
from portal.models import SubmissionKind
from portal.models import SubmissionState
from portal.submissions.services import create_send_batch
from portal.submissions.status import portal_state
from portal.submissions.status import record_oss_status
from tests.pipeline.conftest import point_at
from tests.pipeline.office import application
from tests.pipeline.office import drain
from tests.pipeline.office import send
from tests.pipeline.office import settle
from tests.pipeline.office import submissions


def _events(app_id: int) -> list[ApplicationEvent]:
    return db.session.scalars(sa.select(ApplicationEvent).where(
        ApplicationEvent.application_id == app_id).order_by(ApplicationEvent.id)).all()


def _poll(app) -> None:
    schedule_polls()
    drain(app)


def _billed() -> list[int]:
    """Applications with a billing record (made by ``portal.billing.hooks.on_completed``)."""
    from portal.models import BillingRecord

    db.session.rollback()
    return db.session.scalars(sa.select(BillingRecord.application_id)).all()


@pytest.mark.parametrize("raw,listed,state", [
    (oss.ARRIVED, False, S.ARRIVED), (oss.RECEPTION, False, S.RECEPTION_REVIEW),
    (oss.RECEPTION, True, S.LIST_SENT), (oss.REVIEW, False, S.UNDER_REVIEW),
    (oss.PAYMENT, False, S.PAYMENT_PENDING), (oss.COMPLETED, False, S.COMPLETED),
    (oss.CORRECTION, False, S.CORRECTION_REQUESTED), (oss.REJECTED, False, S.REJECTED),
    (oss.WITHDRAWN, False, S.WITHDRAWN), (oss.SUSPENDED, False, S.SUSPENDED),
    ("未知の状況", False, None)])
def test_every_oss_status_has_one_portal_state(raw, listed, state):
    assert portal_state(raw, listed=listed) == state


def test_polling_follows_an_application_to_completion(any_app, office, sim):
    point_at(any_app, sim)
    shop = office(any_app)
    ids = shop.ready(1, "keizoku")  # 継続検査: no 受付番号リスト, so it runs through alone
    send(shop.staff, ids)
    settle(any_app)
    sim.advance(45)  # one step (30 s) past 到達
    _poll(any_app)
    app_row = application(ids[0])
    assert app_row.state == S.RECEPTION_REVIEW and app_row.oss_status == "受付審査中"
    assert app_row.receipt_number and app_row.accepted_at is not None
    assert app_row.last_polled_at is not None
    sim.advance(600)
    _poll(any_app)
    app_row = application(ids[0])
    assert (app_row.state, app_row.oss_status) == (S.COMPLETED, "手続完了")
    assert app_row.completed_at is not None and _billed() == [app_row.id]
    assert {f["code"] for f in app_row.fees} and all(f["paid_via"] for f in app_row.fees)
    assert app_row.flags["notice"]["items"][0]["title"] == "交付物のお知らせ"
    assert app_row.oss_detail["arrival_number"] == app_row.arrival_number
    events = _events(app_row.id)
    statuses = [e.detail["oss_status"] for e in events if e.kind == "oss_status"]
    assert statuses == ["到達", "受付審査中", "審査中", "納付待ち", "手続完了"]
    assert [e.to_state for e in events if e.kind == "oss_status"][-1] == "completed"
    assert any(e.kind == "oss_progress" and "審査完了" in e.comment for e in events)
    assert any(e.kind == "oss_flag" and "交付物のお知らせ" in e.comment for e in events)
    count = len(events)
    sim.advance(600)
    _poll(any_app)  # terminal: no longer polled, nothing repeated
    assert len(_events(app_row.id)) == count and _billed() == [app_row.id]


def test_a_receipt_list_shows_as_list_sent(app, office, sim):
    point_at(app, sim)
    shop = office(app)
    ids = shop.ready(1)
    send(shop.staff, ids)
    settle(app)
    sim.advance(45)
    _poll(app)
    app_row = application(ids[0])
    assert app_row.state == S.RECEPTION_REVIEW
    sim.client().send_receipt_list(shop_bulk_id(shop), [app_row.receipt_number],
                                   idempotency_key="list-" + "0" * 20)
    _poll(app)
    assert application(ids[0]).state == S.LIST_SENT


def shop_bulk_id(shop) -> str:
    from portal.models import OssAccount

    return db.session.scalar(sa.select(OssAccount.bulk_user_id).where(
        OssAccount.org_id == shop.org.id, OssAccount.backend == "mlit"))


def test_recording_the_same_status_twice_adds_nothing(app, office, sim):
    point_at(app, sim)
    shop = office(app)
    ids = shop.ready(1, "keizoku")
    send(shop.staff, ids)
    settle(app)
    sim.advance(45)
    app_row = application(ids[0])
    status = sim.client().status(app_row.arrival_number)
    first = record_oss_status(app_row, status)
    db.session.commit()
    assert [e.detail["oss_status"] for e in first] == ["到達", "受付審査中"]
    assert record_oss_status(app_row, status) == []
    other = sim.client().status(app_row.arrival_number)
    object.__setattr__(other, "arrival_number", "20990101199999999")
    assert record_oss_status(app_row, other) == []  # another filing's status is ignored


def test_a_rejected_application_is_resubmitted_once(app, office, sim):
    point_at(app, sim)
    shop = office(app)
    ids = shop.ready(1, "keizoku", chassis="ZVW30-1239902")  # 却下 after reception review
    send(shop.staff, ids)
    settle(app)
    sim.advance(100)
    _poll(app)
    rejected = application(ids[0])
    assert rejected.state == S.REJECTED and rejected.flags["message"]["items"]
    first_arrival = rejected.arrival_number
    send(shop.staff, ids, kind=SubmissionKind.RESUBMIT)
    settle(app)
    resub = submissions(kind=SubmissionKind.RESUBMIT)[0]
    assert resub.state == SubmissionState.SENT and resub.arrival_number != first_arrival
    again = application(ids[0])
    assert again.state == S.ARRIVED and again.arrival_number == resub.arrival_number
    assert again.oss_detail == {} and again.accepted_at is None
    assert again.flags == {} and again.fees == []  # the new filing's history starts empty
    event = db.session.scalar(sa.select(ApplicationEvent).where(
        ApplicationEvent.application_id == ids[0], ApplicationEvent.kind == "resubmitted"))
    assert (event.from_state, event.to_state) == ("sending", "arrived")
    assert event.detail == {"arrival_number": resub.arrival_number, "submission_id": resub.id}
    stored = sim.sim.store.read().app_by_key("mlit", resub.idempotency_key)
    assert stored.resubmission_of == first_arrival
    batch = create_send_batch(shop.staff, ids, kind=SubmissionKind.RESUBMIT)
    assert batch.total == 0
    assert "「到達」のため再申請できません" in batch.refused[0]["reason"]


def test_a_poll_that_finds_nothing_new_keeps_the_update_time(any_app, office, sim):
    """更新日時 (the search's default sort, and what its live rows compare) moves when OSS
    reports something new, not each time the application is polled."""
    point_at(any_app, sim, STATUS_POLL_SECONDS=0)
    shop = office(any_app)
    ids = shop.ready(1, "keizoku")
    send(shop.staff, ids)
    settle(any_app)
    sim.advance(45)
    _poll(any_app)
    db.session.rollback()
    row = application(ids[0])
    assert row.state == S.RECEPTION_REVIEW
    changed_at, polled_at = row.updated_at, row.last_polled_at
    _poll(any_app)
    db.session.rollback()
    row = application(ids[0])
    assert row.last_polled_at > polled_at
    assert row.updated_at == changed_at
    sim.advance(45 * 60)
    _poll(any_app)
    db.session.rollback()
    assert application(ids[0]).updated_at > changed_at
