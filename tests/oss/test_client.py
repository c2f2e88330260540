"""The OSS client over HTTP: results, and errors mapped to one family with the outcome known or not."""

import socket
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from oss.client import OssClient
from oss.client import Timeouts
from oss.errors import OssError
from oss.errors import OssNotFound
from oss.errors import OssNotSent
from oss.errors import OssOutcomeUnknown
from oss.errors import OssProtocolError
from oss.errors import OssRejected
from tests.services import free_port


def test_submit_and_status(simulator, sign):
    mlit = simulator.client()
    signed = sign(requester=True)
    receipt = mlit.submit(signed.data, idempotency_key=signed.key)
    assert receipt.status == "到達" and not receipt.duplicate
    assert len(receipt.arrival_number) == 17 and receipt.idempotency_key == signed.key
    by_number = mlit.status(receipt.arrival_number)
    by_key = mlit.status(idempotency_key=signed.key)
    assert by_number == by_key
    assert by_number.procedure == "iten" and by_number.backend == "mlit"
    assert by_number.suspension.checkpoints == ("審査中", "納付待ち")
    assert sum(f.amount for f in by_number.fees) == 18100
    with pytest.raises(ValueError):
        mlit.status()


def test_from_config_uses_the_portal_settings():
    config = {"OSS_MLIT_URL": "http://oss.example/mlit/", "OSS_KEI_URL": "http://oss.example/kei",
              "OSS_TIMEOUT": 7, "OSS_CONNECT_TIMEOUT": 2}
    client = OssClient.from_config(config, "mlit")
    assert client.base_url == "http://oss.example/mlit"
    assert client.timeouts == Timeouts(connect=2.0, read=7.0)
    assert OssClient.from_config(config, "kei").base_url.endswith("/kei")


def test_nothing_listening_is_definitely_not_sent():
    client = OssClient(f"http://127.0.0.1:{free_port()}/mlit", timeouts=Timeouts(0.5, 0.5))
    with pytest.raises(OssNotSent) as info:
        client.submit(b"<x/>", idempotency_key="k" * 32)
    assert info.value.sent is False and isinstance(info.value, OssError)


def test_connect_timeout_is_definitely_not_sent():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):  # fill the accept queue so later connections hang in SYN
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        client = OssClient(f"http://127.0.0.1:{port}/mlit", timeouts=Timeouts(0.3, 5))
        with pytest.raises(OssNotSent):
            client.status("20260101100000001")
    finally:
        for s in fillers:
            s.close()
        listener.close()


def test_accepted_then_timed_out_is_unknown_and_resolved_by_key(simulator, sign):
    simulator.faults(timeout_rate=1.0, hang_seconds=1.5, ops=["submit"])
    signed = sign()
    impatient = simulator.client(timeouts=Timeouts(1, 0.3))
    with pytest.raises(OssOutcomeUnknown) as info:
        impatient.submit(signed.data, idempotency_key=signed.key)
    assert info.value.sent is None
    simulator.faults()
    found = simulator.client().status(idempotency_key=signed.key)  # it did arrive
    assert found.status == "到達"


def test_5xx_before_processing_is_unknown_then_not_found(simulator, sign):
    simulator.faults(error_rate=1.0, error_phase="before", ops=["submit"])
    signed = sign()
    mlit = simulator.client()
    with pytest.raises(OssOutcomeUnknown) as info:
        mlit.submit(signed.data, idempotency_key=signed.key)
    assert (info.value.code, info.value.http_status) == ("OSS-901", 503)
    with pytest.raises(OssNotFound):
        mlit.status(idempotency_key=signed.key)  # never arrived: sending again is safe
    simulator.faults()
    assert not mlit.submit(signed.data, idempotency_key=signed.key).duplicate
    log = requests.get(f"{simulator.url}/_sim/requests", params={"key": signed.key}).json()
    assert [(r["http_status"], r["fault"]) for r in log["requests"]] == [
        (503, "error_before"), (201, None)]  # no hidden retry by the client


def test_5xx_after_processing_is_unknown_but_arrived(simulator, sign):
    simulator.faults(error_rate=1.0, error_phase="after", ops=["submit"])
    signed = sign()
    mlit = simulator.client()
    with pytest.raises(OssOutcomeUnknown) as info:
        mlit.submit(signed.data, idempotency_key=signed.key)
    assert info.value.code == "OSS-900"
    simulator.faults()
    assert mlit.status(idempotency_key=signed.key).status == "到達"
    assert mlit.submit(signed.data, idempotency_key=signed.key).duplicate


def test_latency_and_fault_settings_over_http(simulator, sign):
    resp = requests.post(f"{simulator.url}/_sim/faults", json={"latency_ms": [200, 200]})
    assert resp.json()["latency_ms"] == [200, 200]
    started = time.perf_counter()
    simulator.client().procedures()
    assert time.perf_counter() - started >= 0.2
    bad = requests.post(f"{simulator.url}/_sim/faults", json={"error_rate": 2})
    assert bad.status_code == 400


def test_status_queries_can_fail_too(simulator, sign):
    signed = sign()
    mlit = simulator.client()
    mlit.submit(signed.data, idempotency_key=signed.key)
    simulator.faults(error_rate=1.0, ops=["status"])
    with pytest.raises(OssOutcomeUnknown):
        mlit.status(idempotency_key=signed.key)


class _OneShot:
    """A raw HTTP server: reads one request, then answers with ``reply`` (None: hang up)."""

    def __init__(self, reply: bytes | None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.reply = reply
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.sock.accept()
        conn.recv(65536)
        if self.reply is not None:
            conn.sendall(self.reply)
        conn.close()
        self.sock.close()


def test_connection_dropped_after_sending_is_unknown():
    server = _OneShot(None)
    client = OssClient(server.url, timeouts=Timeouts(1, 2))
    with pytest.raises(OssOutcomeUnknown):
        client.submit(b"<x/>", idempotency_key="k" * 32)


@pytest.fixture
def odd_server():
    answers = {}

    def app(environ, start_response):
        status, body = answers[environ["PATH_INFO"]]
        return Response(body, status=status, mimetype="application/json")(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", answers
    server.shutdown()
    server.server_close()


def test_unreadable_answers_are_protocol_errors(odd_server):
    url, answers = odd_server
    client = OssClient(url)
    answers["/procedures"] = (200, "<html>proxy page</html>")
    with pytest.raises(OssProtocolError):
        client.procedures()
    answers["/applications/1"] = (200, '{"status": "到達"}')  # fields missing
    with pytest.raises(OssProtocolError):
        client.status("1")
    answers["/applications/2"] = (418, '{"oops": true}')
    with pytest.raises(OssProtocolError):
        client.status("2")
    answers["/applications/3"] = (302, "{}")
    with pytest.raises(OssProtocolError):
        client.status("3")


def test_refusals_keep_the_oss_code(odd_server):
    url, answers = odd_server
    answers["/applications"] = (422, '{"error": {"code": "OSS-999", "message": "未知", "details": ["x"]}}')
    with pytest.raises(OssRejected) as info:
        OssClient(url).submit(b"<x/>", idempotency_key="k" * 32)
    assert (info.value.code, info.value.message, info.value.details) == ("OSS-999", "未知", ["x"])
    assert info.value.sent is True and "OSS-999" in str(info.value)


def test_batch_submission_answers_each_document(simulator, sign):
    mlit = simulator.client()
    good, again, bad = sign(), sign(), sign()
    mlit.submit(again.data, idempotency_key=again.key)
    tampered = bad.data.replace("山田　花子".encode(), "山田　次郎".encode())
    items = mlit.submit_many([(good.key, good.data), (again.key, again.data),
                              (bad.key, tampered), ("short", good.data)])
    assert [i.idempotency_key for i in items] == [good.key, again.key, bad.key, "short"]
    assert items[0].receipt.status == "到達" and not items[0].receipt.duplicate
    assert items[1].receipt.duplicate
    assert items[2].error.code == "OSS-201" and items[3].error.code == "OSS-401"
    log = requests.get(f"{simulator.url}/_sim/requests", params={"key": good.key}).json()
    assert [(r["op"], r["http_status"]) for r in log["requests"]] == [("submit", 201)]
    with pytest.raises(OssRejected) as info:
        mlit.submit_many([])
    assert info.value.code == "OSS-400"


def test_a_key_twice_in_one_batch_is_filed_once(simulator, sign):
    mlit = simulator.client()
    doc, other = sign(), sign()
    items = mlit.submit_many([(doc.key, doc.data), (doc.key, doc.data), (doc.key, other.data),
                              (other.key, other.data)])
    assert not items[0].receipt.duplicate and items[1].receipt.duplicate
    assert items[1].receipt.arrival_number == items[0].receipt.arrival_number
    assert items[2].error.code == "OSS-402"  # a document carries its own key
    assert items[3].receipt.arrival_number != items[0].receipt.arrival_number
    stats = requests.get(f"{simulator.url}/_sim/stats").json()
    assert stats["applications"] == 2  # doc once, other once


def test_batch_submission_fault_is_unknown_for_every_document(simulator, sign):
    simulator.faults(error_rate=1.0, error_phase="after", ops=["submit"])
    one, two = sign(), sign()
    mlit = simulator.client()
    with pytest.raises(OssOutcomeUnknown):
        mlit.submit_many([(one.key, one.data), (two.key, two.data)])
    simulator.faults()
    batch = mlit.statuses(idempotency_keys=[one.key, two.key])
    assert len(batch.found) == 2  # processed before the 500: resolved by status, not resent
    stats = requests.get(f"{simulator.url}/_sim/stats").json()
    assert stats["faults_injected"] == {"error_after": 2}
