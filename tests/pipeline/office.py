"""A filing office for pipeline tests, written in the current app's database."""

import itertools
from dataclasses import dataclass

import sqlalchemy as sa

from forms import specs
from portal.applications.services import summarise
from portal.certificates.deposit import deposit
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState
from portal.models import Backend
from portal.models import Branch
from portal.models import Organization
from portal.models import OrgKind
from portal.models import PaymentMode
from portal.models import Role
from portal.models import Submission
from portal.models import User
from portal.orgs import services as orgs
from tests import certs
from tests.samples import example_payload

PASSWORD = "Test-pass-123"
_SEQ = itertools.count(1)
_CHASSIS = itertools.count(1000001)


def unique_chassis() -> str:
    """A 車台番号 not used before in this session, never ending in a simulator marker (99xx)."""
    number = next(_CHASSIS)
    while str(number)[-4:-2] == "99":
        number = next(_CHASSIS)
    return f"ZVW30-{number}"


@dataclass
class Office:
    org: Organization
    admin: User
    staff: User

    @classmethod
    def create(cls, authorities: certs.Authorities, *, certificate: bool = True,
               accounts: bool = True, kei_manager: str = "山田行政書士事務所(登録番号12345678)",
               name: str | None = None) -> "Office":
        n = next(_SEQ)
        org = Organization(kind=OrgKind.GYOSEISHOSHI, name=name or f"送信テスト事務所{n}",
                           registration_number="12345678")
        db.session.add(org)
        db.session.flush()
        db.session.add(Branch(org_id=org.id, name="本店", kei_manager_name=kei_manager))
        users = []
        for role in (Role.ADMIN, Role.STAFF):
            user = User(org_id=org.id, login_id=f"pipe{n}-{role.value}", role=role,
                        display_name=f"{role.label}{n}", must_change_password=False)
            user.set_password(PASSWORD)
            db.session.add(user)
            users.append(user)
        db.session.flush()
        if certificate:
            leaf = certs.make_leaf(authorities.gyoseishoshi, f"代理人 {n}")
            deposit(org, certs.make_p12(leaf, "P12-pass-word"), "P12-pass-word", None, None)
        if accounts:
            for backend, bulk in ((Backend.MLIT, f"T{n:04d}M"), (Backend.KEI, f"T{n:04d}K")):
                account = orgs.save_oss_account(org, None, backend=backend, bulk_user_id=bulk,
                                                payment_mode=PaymentMode.MATOME, branch_id=None)
                orgs.set_account_secret(account, "Arrival-pass-1", None)
        db.session.commit()
        return cls(org, users[0], users[1])

    def ready(self, count: int = 1, procedure: str = "iten", *, chassis: str | None = None,
              state: ApplicationState = ApplicationState.READY) -> list[int]:
        """``count`` applications ready to send (the spec's example data); their ids."""
        spec = specs.get(procedure)
        branch_id = db.session.scalar(sa.select(Branch.id).where(Branch.org_id == self.org.id))
        rows = []
        for _ in range(count):
            payload = example_payload(spec)
            payload["vehicle"]["chassis_no"] = chassis or unique_chassis()
            app = Application(org_id=self.org.id, agent_org_id=self.org.id, branch_id=branch_id,
                              procedure=spec.code, backend=Backend(spec.backend),
                              payload=payload, state=state, created_by_id=self.staff.id)
            summarise(app)
            rows.append(app)
        db.session.add_all(rows)
        db.session.commit()
        return [a.id for a in rows]


def submissions(**where) -> list[Submission]:
    """Submissions as committed (a fresh read)."""
    db.session.rollback()
    query = sa.select(Submission).order_by(Submission.id)
    for name, value in where.items():
        query = query.where(getattr(Submission, name) == value)
    return db.session.scalars(query).all()


def application(app_id: int) -> Application:
    db.session.rollback()
    return db.session.get(Application, app_id)


def drain(app) -> None:
    """Run every queued job (and what they enqueue) in this thread, as a worker would."""
    from jobs.queue import QUEUE_NAMES
    from jobs.queue import get_connection
    from jobs.worker import ThreadWorker

    worker = ThreadWorker(list(QUEUE_NAMES), connection=get_connection())
    worker.flask_app = app
    worker.work(burst=True, logging_level="WARNING")
    db.session.rollback()


def send(user, ids, kind=None) -> int:
    """Create and enqueue a bulk send as the view does; return the batch id."""
    from portal.models import SubmissionKind
    from portal.submissions.services import create_send_batch
    from portal.submissions.services import enqueue_batch

    batch = create_send_batch(user, ids, kind=kind or SubmissionKind.SUBMIT)
    db.session.commit()
    enqueue_batch(batch.id)
    return batch.id


def settle(app, rounds: int = 8) -> None:
    """Drain the queue, then let the outbox relay re-enqueue what is due, until nothing is open."""
    from jobs.pipeline.outbox import relay

    for _ in range(rounds):
        drain(app)
        if not any(not s.state.terminal for s in submissions()):
            return
        relay()
    states = [s.state.value for s in submissions() if not s.state.terminal]
    raise AssertionError(f"submissions still open: {states}")
