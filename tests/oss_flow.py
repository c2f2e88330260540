"""Applications filed at a live OSS simulator, for tests of what happens after sending.

``Flow.file`` signs an application with the organisation's deposited
certificate, submits it to the simulator over loopback and writes the sent
submission as the pipeline does; statuses are recorded through the pipeline's
one mapping (``record_oss_status``). The simulator runs in fast mode with a
long step, and tests move its clock (``Flow.advance``), so nothing moves
behind their back.

Import the fixtures into a conftest: ``from tests.oss_flow import flow, portal_simulator``.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

import pytest

from forms import specs
from oss import xml as oxml
from oss.client import OssClient
from oss.signing import sign_document
from oss.simulator.config import SimConfig
from oss.xsd import SCHEMA_DIR
from portal.applications.services import summarise
from portal.certificates.deposit import deposit
from portal.certificates.keys import signer_for_filing
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState
from portal.models import Backend
from portal.models import OssAccount
from portal.models import PaymentMode
from portal.models import Submission
from portal.models import SubmissionKind
from portal.models import SubmissionState
from portal.models.base import utcnow
from portal.orgs.services import set_account_secret
from tests import certs
from tests.oss.conftest import LiveSimulator
from tests.samples import example_payload

STEP = 60.0  # one flow step of the simulator (seconds of its clock)
P12_PASSWORD = "Flow-p12-pass"


@dataclass
class Office:
    org: object
    accounts: dict  # backend value -> OssAccount


class Flow:
    def __init__(self, sim: LiveSimulator, authorities: certs.Authorities):
        self.sim = sim
        self.authorities = authorities
        self.counter = 0

    # --- set-up -----------------------------------------------------------------------------

    def office(self, org, *, payment_mode: PaymentMode = PaymentMode.MATOME,
               bulk_prefix: str = "") -> Office:
        """Deposit a certificate for ``org`` and give it one account per back-end."""
        leaf = certs.make_leaf(self.authorities.gyoseishoshi, f"{org.name} 代理人")
        deposit(org, certs.make_p12(leaf, P12_PASSWORD), P12_PASSWORD, None, None)
        accounts = {}
        for backend in Backend:
            account = OssAccount(org_id=org.id, backend=backend, payment_mode=payment_mode,
                                 bulk_user_id=f"{bulk_prefix or 'B'}{org.id:03d}{backend.value}")
            db.session.add(account)
            db.session.flush()
            set_account_secret(account, "Tochaku-pass-1", None)
            accounts[backend.value] = account
        db.session.commit()
        return Office(org, accounts)

    def second_account(self, office: Office, backend: str = "mlit") -> OssAccount:
        account = OssAccount(org_id=office.org.id, backend=Backend(backend),
                             bulk_user_id=f"Z{office.org.id:03d}{backend}")
        db.session.add(account)
        db.session.flush()
        set_account_secret(account, "Tochaku-pass-2", None)
        db.session.commit()
        return account

    # --- filing ---------------------------------------------------------------------------

    def file(self, office: Office, user, procedure: str = "iten", *, marker: str = "",
             account: OssAccount | None = None, requester=None) -> Application:
        """A READY application of ``office`` sent to the simulator (到達), as the pipeline would."""
        spec = specs.get(procedure)
        self.counter += 1
        payload = example_payload(spec)
        if marker:  # a 車台番号 ending in 99 + code forces an outcome at the simulator
            payload["vehicle"]["chassis_no"] = f"FLOW-{self.counter:04d}99{marker}"
        account = account or office.accounts[spec.backend]
        owner = requester or office.org  # a 依頼データ belongs to its requester
        app = Application(org_id=owner.id, agent_org_id=office.org.id,
                          requester_org_id=requester.id if requester else None,
                          procedure=procedure, backend=Backend(spec.backend), payload=payload,
                          state=ApplicationState.SENDING, created_by_id=user.id)
        summarise(app)
        db.session.add(app)
        db.session.flush()
        key = uuid.uuid4().hex
        cert, signer = signer_for_filing(office.org.id, datetime.now(UTC),
                                         target=f"application:{app.id}")
        org = office.org
        header = oxml.Header(
            idempotency_key=key, filing_date=datetime.now(UTC).date(),
            created_at=datetime.now(UTC),
            agent=oxml.AgentInfo(org_id=org.id, kind=org.kind.value, name=org.name,
                                 registration_number=org.registration_number,
                                 bulk_user_id=account.bulk_user_id,
                                 kei_manager_name=org.branches[0].kei_manager_name
                                 if spec.is_kei else ""))
        document = sign_document(signer, oxml.build_application(spec, payload, header))
        receipt = self.client(spec.backend).submit(document.data, idempotency_key=key)
        db.session.add(Submission(
            org_id=org.id, application_id=app.id, kind=SubmissionKind.SUBMIT,
            idempotency_key=key, state=SubmissionState.SENT, attempts=1,
            certificate_id=cert.id, oss_account_id=account.id,
            secret_version=account.current_secret.version, document_digest=document.digest,
            signed_at=utcnow(), sent_at=utcnow(),
            arrival_number=receipt.arrival_number))
        app.arrival_number = receipt.arrival_number
        app.submitted_at = utcnow()
        db.session.commit()
        self.poll(app)
        return app

    # --- time and status -------------------------------------------------------------------

    def client(self, backend: str = "mlit") -> OssClient:
        return self.sim.client(backend)

    def advance(self, steps: float = 1.0) -> None:
        self.sim.advance(steps * STEP + 0.5)

    def poll(self, *apps: Application) -> None:
        """Record OSS's status of each application (the pipeline's poll, for these rows)."""
        from portal.submissions.status import record_oss_status

        for app in apps:
            db.session.refresh(app)
            record_oss_status(app, self.client(app.backend.value).status(app.arrival_number))
        db.session.commit()

    def until(self, app: Application, wanted: str, steps: int = 20) -> Application:
        """Advance one step at a time until OSS reports ``wanted`` (recorded)."""
        for _ in range(steps):
            self.poll(app)
            if app.oss_status == wanted:
                return app
            self.advance()
        raise AssertionError(f"application {app.id} is {app.oss_status}, wanted {wanted}")

    def portal_action(self, app: Application, action: str) -> None:
        """What the agent does on the OSS portal: correction, matome-payment, documents."""
        OssClient(f"{self.sim.url}/{app.backend.value}/portal")._request(
            "POST", f"/applications/{app.arrival_number}/{action}")


@pytest.fixture(scope="session")
def flow_authorities(tmp_path_factory) -> certs.Authorities:
    return certs.make_authorities(tmp_path_factory.mktemp("flow-issuers"))


@pytest.fixture
def portal_simulator(tmp_path, flow_authorities):
    """A simulator on loopback reading the published schemas of ``forms.specs``."""
    live = LiveSimulator(SimConfig(db_path=tmp_path / "sim.db", mode="fast", step_seconds=STEP,
                                   auto_pay=False, schema_dir=SCHEMA_DIR,
                                   issuer_dir=flow_authorities.directory))
    yield live
    live.stop()


@pytest.fixture
def flow(request, portal_simulator, flow_authorities) -> Flow:
    """The flow on the app under test (``any_app`` or ``pg_app`` when asked for, else ``app``)."""
    name = next((n for n in ("any_app", "pg_app") if n in request.fixturenames), "app")
    app = request.getfixturevalue(name)
    app.config.update(OSS_MLIT_URL=f"{portal_simulator.url}/mlit",
                      OSS_KEI_URL=f"{portal_simulator.url}/kei",
                      CERT_ISSUER_DIR=str(flow_authorities.directory))
    return Flow(portal_simulator, flow_authorities)
