"""Billing at completion: once per application, never when not completed."""

import threading
from datetime import datetime

import pytest
import sqlalchemy as sa
from rq.registry import ScheduledJobRegistry
from sqlalchemy.exc import IntegrityError

from jobs.queue import get_queue
from oss.status import REJECTED
from portal.billing.close import schedule_close
from portal.billing.hooks import on_completed
from portal.extensions import db
from portal.models import ApplicationState
from portal.models import Backend
from portal.models import BillingRecord
from tests.timekeeping import complete
from tests.timekeeping import jst


def _records():
    db.session.rollback()
    return db.session.scalars(sa.select(BillingRecord).order_by(BillingRecord.id)).all()


def test_completion_is_billed_once(app, tenants, make_application, set_clock):
    set_clock(jst(2026, 3, 10, 9, 0))
    application = make_application(tenants["a"], state=ApplicationState.UNDER_REVIEW)
    complete(application, jst(2026, 3, 10, 8, 59), receipt="1234567890123")
    record = on_completed(application.id)
    db.session.commit()
    again = on_completed(application.id)
    db.session.commit()
    [only] = _records()
    assert again.id == record.id == only.id
    assert (only.org_id, only.receipt_number, only.procedure, only.backend) == (
        tenants["a"].id, "1234567890123", "iten", Backend.MLIT)
    assert (only.unit_price, only.month, only.statement_id) == (45, "2026-03", None)
    assert only.completed_at == datetime(2026, 3, 9, 23, 59)


def test_duplicate_rows_are_refused_by_the_database(app, tenants, make_application):
    application = make_application(tenants["a"])
    row = {"org_id": tenants["a"].id, "application_id": application.id, "procedure": "iten",
           "backend": Backend.MLIT, "completed_at": datetime(2026, 1, 1), "month": "2026-01",
           "unit_price": 45}
    db.session.add(BillingRecord(**row))
    db.session.commit()
    db.session.add(BillingRecord(**row))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("state, oss_status", [
    (ApplicationState.SEND_ERROR, ""),          # never reached OSS
    (ApplicationState.ARRIVED, "到達"),          # not accepted (yet)
    (ApplicationState.RECEPTION_REVIEW, "受付審査中"),
    (ApplicationState.UNDER_REVIEW, "審査中"),
    (ApplicationState.REJECTED, REJECTED),
    (ApplicationState.WITHDRAWN, "取下げ"),
])
def test_never_billed_unless_completed(app, tenants, make_application, state, oss_status):
    application = make_application(tenants["a"], state=state, oss_status=oss_status)
    assert on_completed(application.id) is None
    assert on_completed(999_999) is None
    db.session.commit()
    assert _records() == []


def test_rejection_then_resubmission_bills_only_the_completion(app, tenants, make_application):
    application = make_application(tenants["a"], state=ApplicationState.UNDER_REVIEW)
    application.state, application.oss_status = ApplicationState.REJECTED, REJECTED
    assert on_completed(application.id) is None
    db.session.commit()
    application.state, application.oss_status = ApplicationState.UNDER_REVIEW, "審査中"  # 再申請
    db.session.commit()
    complete(application, jst(2026, 4, 2, 15, 0))
    assert on_completed(application.id) is not None
    assert on_completed(application.id, jst(2026, 4, 3, 9, 0)).month == "2026-04"
    db.session.commit()
    assert len(_records()) == 1


def test_kei_and_registered_are_both_billed(app, tenants, make_application):
    kei = make_application(tenants["a"], procedure="kei_keizoku", backend=Backend.KEI)
    mlit = make_application(tenants["a"], procedure="keizoku")
    for application in (kei, mlit):
        complete(application, jst(2026, 5, 20, 10, 0))
        on_completed(application.id)
    db.session.commit()
    assert [(r.backend, r.unit_price) for r in _records()] == [(Backend.KEI, 45),
                                                               (Backend.MLIT, 45)]


def test_a_request_is_billed_to_the_filing_agent(app, tenants, make_application):
    application = make_application(tenants["a"], requester=tenants["r"])
    complete(application, jst(2026, 5, 20, 10, 0))
    on_completed(application.id)
    db.session.commit()
    assert _records()[0].org_id == tenants["a"].id


def test_completion_month_is_japan_time(app, tenants, make_application):
    last_second = make_application(tenants["a"])
    first_second = make_application(tenants["a"])
    complete(last_second, jst(2026, 1, 31, 23, 59, 59))
    complete(first_second, jst(2026, 2, 1, 0, 0, 0))
    on_completed(last_second.id)
    on_completed(first_second.id)
    db.session.commit()
    assert [r.month for r in _records()] == ["2026-01", "2026-02"]


def test_price_comes_from_the_dated_table(app, sqlite_url, tenants, make_application):
    from tests.conftest import make_app

    terms = {"prices": [{"valid_from": "2020-01-01", "unit_price": 45},
                        {"valid_from": "2027-04-01", "unit_price": 50}], "debit_day": 27}
    priced = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "BILLING": terms})
    before = make_application(tenants["a"])
    after = make_application(tenants["a"])
    complete(before, jst(2027, 3, 31, 23, 59, 59))
    complete(after, jst(2027, 4, 1, 0, 0))
    db.session.commit()
    with priced.app_context():
        on_completed(before.id)
        on_completed(after.id)
        db.session.commit()
    assert [r.unit_price for r in _records()] == [45, 50]


def test_the_tick_schedules_the_month_end_close(app, tenants, make_application, set_clock):
    set_clock(jst(2026, 1, 31, 23, 59, 59))
    application = make_application(tenants["a"])
    complete(application, jst(2026, 1, 31, 23, 59, 59))
    on_completed(application.id)
    db.session.commit()
    registry = ScheduledJobRegistry(queue=get_queue())
    assert registry.get_job_ids() == []  # billing itself touches no queue
    schedule_close()  # the periodic tick
    assert sorted(registry.get_job_ids()) == ["billing-close-2025-12", "billing-close-2026-01"]
    when = registry.get_scheduled_time("billing-close-2026-01")
    seconds = (when - datetime.now(when.tzinfo)).total_seconds()
    assert 300 < seconds <= 301  # 00:05 JST on 1 February
    schedule_close()  # again: the same two jobs, nothing added
    assert len(registry.get_job_ids()) == 2


def test_a_lost_close_job_is_scheduled_again_and_runs(app, tenants, make_application,
                                                      set_clock):
    from jobs.worker import ThreadWorker
    from portal.models import Statement

    set_clock(jst(2026, 1, 20, 9, 0))
    application = make_application(tenants["a"])
    complete(application, jst(2026, 1, 20, 9, 0))
    on_completed(application.id)
    db.session.commit()
    get_queue().connection.flushall()  # the queue lost its jobs over the month end
    set_clock(jst(2026, 2, 3, 9, 0))
    schedule_close()  # the periodic tick
    worker = ThreadWorker(["default"], connection=get_queue().connection)
    worker.flask_app = app
    worker.work(burst=True, with_scheduler=True)
    db.session.rollback()
    [statement] = db.session.scalars(sa.select(Statement)).all()
    assert (statement.month, statement.total) == ("2026-01", 45)


@pytest.mark.postgres
def test_concurrent_completion_reports_bill_once(pg_app, make_org):
    from portal.models import Application
    from portal.models import OrgKind

    org = make_org(OrgKind.GYOSEISHOSHI)
    application = Application(org_id=org.id, agent_org_id=org.id, procedure="iten",
                              backend=Backend.MLIT, payload={})
    db.session.add(application)
    db.session.flush()
    complete(application, jst(2026, 6, 1, 10, 0))
    db.session.commit()
    app_id = application.id
    barrier = threading.Barrier(2, timeout=20)
    results, errors = [], []

    def report():
        with pg_app.app_context():
            try:
                db.session.get(Application, app_id)
                barrier.wait()
                record = on_completed(app_id)
                db.session.commit()
                results.append(record.id)
            except Exception as exc:  # reported below, so a failure never hangs the teardown
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=report) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BillingRecord)) == 1
