"""Fixtures for the OSS adapter and simulator: CAs, schemas, signed documents, a live simulator."""

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from werkzeug.serving import make_server

from oss import xml as oxml
from oss import xsd
from oss.client import OssClient
from oss.client import Timeouts
from oss.keystore import SigningMaterial
from oss.signing import DocumentSigner
from oss.simulator.app import create_simulator
from oss.simulator.config import FaultConfig
from oss.simulator.config import SimConfig
from tests import certs
from tests.oss import specs


@pytest.fixture(scope="session")
def authorities(tmp_path_factory) -> certs.Authorities:
    return certs.make_authorities(tmp_path_factory.mktemp("issuers"))


@pytest.fixture(scope="session")
def schema_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("schemas")
    xsd.write_family_schemas(path, specs.ALL)
    return path


@pytest.fixture(scope="session")
def agent_leaf(authorities) -> certs.Issued:
    return certs.make_leaf(authorities.gyoseishoshi, "代理人 太郎")


def signer_of(leaf: certs.Issued) -> DocumentSigner:
    return DocumentSigner(SigningMaterial(leaf.key, leaf.cert))


def new_key() -> str:
    return uuid.uuid4().hex


def header(key: str, *, kind: str = "gyoseishoshi", bulk: str = "BULK0001",
           requester: bool = False) -> oxml.Header:
    agent = oxml.AgentInfo(org_id=7, kind=kind, name="山田行政書士事務所", registration_number="12345678",
                           bulk_user_id=bulk, branch_name="本店")
    req = oxml.RequesterInfo(org_id=9, name="さくらモータース") if requester else None
    return oxml.Header(idempotency_key=key, agent=agent, filing_date=date(2026, 11, 25),
                       created_at=datetime(2026, 11, 25, 1, 2, 3, tzinfo=UTC), requester=req)


@dataclass
class Signed:
    key: str
    data: bytes


@pytest.fixture
def sign(agent_leaf):
    """sign(spec=ITEN, payload=None, leaf=agent_leaf, **header options) -> Signed."""

    def _sign(spec=specs.ITEN, payload=None, leaf=None, key=None, **kw) -> Signed:
        key = key or new_key()
        if payload is None:
            payload = specs.iten_payload() if spec is specs.ITEN else specs.vehicle_payload(
                number_key="vehicle_number" if spec is specs.KEI_KEIZOKU else "registration_number")
            if spec is specs.KEI_SHINKI:
                payload = {"vehicle": {"chassis_number": "HA36S-1234567"}}
        root = oxml.build_application(spec, payload, header(key, **kw))
        return Signed(key, signer_of(leaf or agent_leaf).sign(root))

    return _sign


class LiveSimulator:
    def __init__(self, config: SimConfig):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.wsgi = create_simulator(config)
        self.sim = self.wsgi.simulator
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def client(self, backend: str = "mlit", **kw) -> OssClient:
        return OssClient(f"{self.url}/{backend}", timeouts=kw.pop("timeouts", Timeouts(1, 5)), **kw)

    def advance(self, seconds: float) -> None:
        self.sim.clock.advance(seconds)

    def faults(self, **kw) -> None:
        self.sim.faults.set(FaultConfig.from_json(kw))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SimulatorPool:
    """Live simulators of one test, each on its own database (fast unless told); ``stop_all``."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.started: list[LiveSimulator] = []

    def start(self, **config) -> LiveSimulator:
        config = {"mode": "fast", **config}
        live = LiveSimulator(SimConfig(db_path=self.tmp_path / f"sim{len(self.started)}.db",
                                       **config))
        self.started.append(live)
        return live

    def stop_all(self) -> None:
        for live in self.started:
            live.stop()


@pytest.fixture
def make_simulator(tmp_path, schema_dir, authorities):
    pool = SimulatorPool(tmp_path)

    def _make(**overrides) -> LiveSimulator:
        return pool.start(**{"step_seconds": 1.0, "schema_dir": schema_dir,
                             "issuer_dir": authorities.directory, **overrides})

    yield _make
    pool.stop_all()


@pytest.fixture
def simulator(make_simulator) -> LiveSimulator:
    return make_simulator()
