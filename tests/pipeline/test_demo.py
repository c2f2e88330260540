"""``make run``: the demo 行政書士 can send a ready application to the simulator."""

import sqlalchemy as sa

from portal.demo import seed
from portal.extensions import db
from portal.models import OssAccount
from portal.models import SubmissionState
from portal.models import User
from tests.pipeline.conftest import point_at
from tests.pipeline.office import Office
from tests.pipeline.office import settle
from tests.pipeline.office import submissions


def test_the_demo_office_has_accounts_and_can_send(app, make_sim):
    seed()
    accounts = db.session.scalars(sa.select(OssAccount).order_by(OssAccount.id)).all()
    assert [(a.backend.value, a.current_secret.version) for a in accounts] == [
        ("mlit", 1), ("kei", 1)]
    staff = db.session.scalar(sa.select(User).where(User.login_id == "demo-staff"))
    office = Office(staff.organization, None, staff)
    ids = office.ready(1, "keizoku") + office.ready(1, "kei_keizoku")
    from portal.submissions.services import create_send_batch
    from portal.submissions.services import enqueue_batch

    sim = make_sim(issuer_dir=app.config["CERT_ISSUER_DIR"])  # trusts the demo CA
    point_at(app, sim)
    batch = create_send_batch(staff, ids)
    db.session.commit()
    assert batch.refused == [] and batch.total == 2
    enqueue_batch(batch.id)
    settle(app)
    assert {s.state for s in submissions()} == {SubmissionState.SENT}
    seed()  # idempotent: accounts are not added twice
    assert db.session.scalar(sa.select(sa.func.count(OssAccount.id))) == 2
