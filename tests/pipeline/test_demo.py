"""``make run``: the demo 行政書士 can send a ready application to the simulator."""

import sqlalchemy as sa

from portal.demo import seed
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState
from portal.models import Organization
from portal.models import OssAccount
from portal.models import SubmissionState
from portal.models import User
from tests.pipeline.conftest import point_at
from tests.pipeline.office import settle
from tests.pipeline.office import submissions


def test_the_demo_office_has_accounts_and_can_send(app, make_sim):
    seed()
    accounts = db.session.scalars(sa.select(OssAccount).order_by(OssAccount.id)).all()
    assert [(a.backend.value, a.current_secret.version) for a in accounts] == [
        ("mlit", 1), ("kei", 1)]
    staff = db.session.scalar(sa.select(User).where(User.login_id == "demo-staff"))
    ids = db.session.scalars(sa.select(Application.id).where(
        Application.org_id == staff.org_id, Application.state == ApplicationState.READY)
        .order_by(Application.id)).all()
    from portal.submissions.services import create_send_batch
    from portal.submissions.services import enqueue_batch

    sim = make_sim(issuer_dir=app.config["CERT_ISSUER_DIR"])  # trusts the demo CA
    point_at(app, sim)
    batch = create_send_batch(staff, ids)
    db.session.commit()
    assert batch.refused == [] and batch.total == len(ids) == 9
    enqueue_batch(batch.id)
    settle(app)
    assert {s.state for s in submissions()} == {SubmissionState.SENT}
    seed()  # idempotent: accounts are not added twice
    assert db.session.scalar(sa.select(sa.func.count(OssAccount.id))) == 2


def test_the_demo_office_has_applications_to_send_and_a_draft(app):
    seed()
    rows = db.session.execute(sa.select(Application.procedure, Application.state,
                                        Application.chassis_no, Organization.name)
                              .join(Organization, Organization.id == Application.org_id)
                              .order_by(Application.id)).all()
    assert {r.name for r in rows} == {"山田行政書士事務所(デモ)"}  # the dealer has none
    by_state = {}
    for r in rows:
        by_state.setdefault(r.state, []).append(r.procedure)
    assert by_state == {
        ApplicationState.READY: ["keizoku"] * 3 + ["shinsha_shinki"] * 4 + ["kei_keizoku"] * 2,
        ApplicationState.DRAFT: ["henko"]}
    # Some 車台番号 carry the simulator's outcome markers (99 + code), so the demo shows them.
    assert {r.chassis_no[-4:] for r in rows if r.chassis_no[-4:-2] == "99"} == {
        "9904", "9901", "9902", "9905", "9906"}
    seed()  # a second run adds no applications
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == len(rows)
