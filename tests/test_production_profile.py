"""The production profile for real: gunicorn (2 workers, TLS) + 2 RQ workers on
PostgreSQL + Redis, the OSS simulator as its own process, driven over HTTPS."""

import datetime
import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.services import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def _cert(subject, issuer, public_key, signer, ca: bool):
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key),
                              critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False)
    return builder.sign(signer, hashes.SHA256())


def _tls_pair(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ossdesk test CA")])
    ca = _cert(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    leaf = _cert(leaf_name, ca_name, key.public_key(), ca_key, ca=False)
    paths = folder / "ca.crt", folder / "tls.crt", folder / "tls.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def _wait(url, verify=True, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return requests.get(url, timeout=10, verify=verify)
        except requests.RequestException:  # not listening yet, or slow to answer while starting
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def production(tmp_path, postgres_server, redis_server):
    import base64
    import secrets

    db_url = postgres_server.create_database("ossdesk_prod")
    sim_port, web_port = free_port(), free_port()
    keyring = json.dumps({"primary": "p1",
                          "keys": {"p1": base64.b64encode(secrets.token_bytes(32)).decode()}})
    env = {**os.environ, "OSSDESK_ENV": "production", "OSSDESK_INSTANCE": str(tmp_path),
           "SECRET_KEY": secrets.token_hex(32), "OSSDESK_KEYS": keyring,
           "DATABASE_URL": db_url.replace("+psycopg", ""), "REDIS_URL": redis_server.url,
           "OSS_MLIT_URL": f"http://127.0.0.1:{sim_port}/mlit",
           "OSS_KEI_URL": f"http://127.0.0.1:{sim_port}/kei"}
    run = {"env": env, "cwd": ROOT, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run([str(BIN / "ossdesk"), "db", "upgrade"], **run)
    subprocess.run([str(BIN / "ossdesk"), "seed-demo"], **run)
    ca, cert, key = _tls_pair(tmp_path)
    procs = [
        subprocess.Popen([str(BIN / "ossdesk"), "oss-simulator", "--port", str(sim_port)],
                         env=env, cwd=ROOT, start_new_session=True),
        subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{web_port}",
                          "--certfile", str(cert), "--keyfile", str(key), "wsgi:app"],
                         env=env, cwd=ROOT, start_new_session=True),
    ]
    procs += [subprocess.Popen([str(BIN / "ossdesk"), "worker"], env=env, cwd=ROOT,
                               start_new_session=True) for _ in range(2)]
    try:
        _wait(f"http://127.0.0.1:{sim_port}/healthz")
        _wait(f"https://127.0.0.1:{web_port}/healthz", verify=str(ca))
        logins = json.loads((tmp_path / "demo-logins.json").read_text())
        yield {"url": f"https://127.0.0.1:{web_port}", "verify": str(ca), "logins": logins,
               "procs": procs}
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _token(html: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def test_gunicorn_rq_postgres_redis_round_trip(production):
    url, verify = production["url"], production["verify"]
    health = requests.get(f"{url}/healthz", verify=verify).json()
    assert health["database"]["dialect"] == "postgresql"
    assert health["queue"]["mode"] == "redis" and health["oss"]["mlit"]["ok"]

    s = requests.Session()
    s.verify = verify
    s.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides verify
    s.headers["Referer"] = f"{url}/"  # as a browser sends it; CSRF checks it over HTTPS
    login_page = s.get(f"{url}/login")
    assert "Strict-Transport-Security" in login_page.headers
    user = next(r for r in production["logins"] if r["login_id"] == "demo-kyokai")
    resp = s.post(f"{url}/login", data={"login_id": user["login_id"], "password": user["password"],
                                        "csrf_token": _token(login_page.text)},
                  allow_redirects=False)
    assert resp.status_code == 302, resp.text[:300]
    assert resp.cookies.get("__Host-ossdesk") or "__Host-ossdesk" in resp.headers["Set-Cookie"]
    page = s.get(f"{url}/association/system")
    assert page.status_code == 200 and "システム状態" in page.text
    started = s.post(f"{url}/association/system/oss-check",
                     headers={"HX-Request": "true", "X-CSRFToken": _token(page.text)})
    assert started.status_code == 200
    poll = re.search(r'hx-get="([^"]+)"', started.text).group(1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        fragment = s.get(url + poll, headers={"HX-Request": "true"}).text
        if "hx-get" not in fragment:
            break
        time.sleep(0.3)
    assert "完了" in fragment and "接続可" in fragment, fragment
    # the job ran in a work-horse forked by one of the two `ossdesk worker` processes
    parent = int(re.search(r'data-worker-parent="(\d+)"', fragment).group(1))
    assert parent in {p.pid for p in production["procs"][2:]}

    # the public FAQ search, on its own PostgreSQL pool in each gunicorn worker (fresh
    # connections, so both workers answer), the same hits every time
    hits = set()
    for _ in range(6):
        found = requests.get(f"{url}/faq", params={"q": "電子証明書"}, verify=verify,
                             headers={"Connection": "close"})
        assert found.status_code == 200 and "<mark>電子証明書</mark>" in found.text
        hits.add(tuple(re.findall(r'<h2 class="hit-title"><a href="([^"]+)"', found.text)))
    assert len(hits) == 1 and len(next(iter(hits))) >= 3
