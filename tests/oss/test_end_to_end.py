"""A deposited certificate signs an application built from a spec; the simulator, running as
its own process on loopback, accepts it and reports it moving to 手続完了 (fast mode)."""

import subprocess
import sys
import time
from datetime import UTC
from datetime import datetime
from io import BytesIO

import pytest
import requests
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from oss import xml as oxml
from oss.client import OssClient
from oss.signing import sign_document
from portal.certificates.keys import signer_for_filing
from portal.config import ROOT
from portal.extensions import db
from portal.models import AuditEvent
from tests import certs
from tests.conftest import login
from tests.oss import specs
from tests.services import free_port


@pytest.fixture
def simulator_process(tmp_path, schema_dir, authorities):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "oss.simulator", "--port", str(port), "--db",
         str(tmp_path / "sim.db"), "--mode", "fast", "--step", "0.2", "--schemas",
         str(schema_dir), "--issuers", str(authorities.directory)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("simulator did not start")
    yield url
    proc.terminate()
    proc.wait(10)


def _deposit_through_the_page(client, data: bytes, password: str):
    file = FileStorage(BytesIO(data), filename="agent.p12", content_type="application/x-pkcs12")
    from tests.conftest import PASSWORD as LOGIN_PASSWORD

    boundary, body = encode_multipart({"file": file, "password": password, "start_date": "",
                                       "login_password": LOGIN_PASSWORD})
    resp = client.post("/certificates/", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 302, resp.get_data(as_text=True)[-800:]


def _wait_for(client, arrival, wanted, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.status(arrival)
        if status.status in wanted:
            return status
        time.sleep(0.1)
    pytest.fail(f"still {status.status}, wanted {wanted}")


def test_deposited_certificate_to_completion(app, client, tenants, authorities,
                                             simulator_process):
    app.config["CERT_ISSUER_DIR"] = str(authorities.directory)
    leaf = certs.make_leaf(authorities.gyoseishoshi, "山田 太郎")
    login(client, tenants["a_admin"])
    _deposit_through_the_page(client, certs.make_p12(leaf, "Demo-p12-pass"), "Demo-p12-pass")
    db.session.rollback()

    agent = tenants["a"]
    key = "e2e0" + "0" * 28
    cert, signer = signer_for_filing(agent.id, datetime.now(UTC), target="submission:e2e")
    header = oxml.Header(
        idempotency_key=key, filing_date=datetime.now(UTC).date(), created_at=datetime.now(UTC),
        agent=oxml.AgentInfo(org_id=agent.id, kind=agent.kind.value, name=agent.name,
                             registration_number=agent.registration_number,
                             bulk_user_id="DEMO0001"))
    document = sign_document(signer, oxml.build_application(specs.ITEN, specs.iten_payload(),
                                                            header))
    oss = OssClient.from_config({**app.config, "OSS_MLIT_URL": f"{simulator_process}/mlit"},
                                "mlit")
    receipt = oss.submit(document.data, idempotency_key=key)
    assert receipt.status == "到達"
    received = _wait_for(oss, receipt.arrival_number, {"受付審査中"})
    listed = oss.send_receipt_list("DEMO0001", [received.receipt_number],
                                   idempotency_key="list" + "0" * 28)
    done = _wait_for(oss, receipt.arrival_number, {"手続完了"})
    assert done.receipt_list == listed.identification_number
    assert [e.status for e in done.history][0] == "到達"
    stats = requests.get(f"{simulator_process}/_sim/stats").json()
    assert stats["applications"] == 1 and stats["duplicate_applications"] == 0
    page = requests.get(f"{simulator_process}/mlit/").text
    assert receipt.arrival_number in page and agent.name in page
    db.session.commit()
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action.like("certificate_%")).order_by(AuditEvent.id)).all()
    assert actions == ["certificate_uploaded", "certificate_decrypted", "certificate_used"]
    assert cert.subject_cn == "山田 太郎"
