"""SECURITY.md S6 beyond the database cells: after a deposit and a send through the whole
pipeline, neither Redis (jobs, results, the breaker) nor a backup file holds a certificate's
password, its private key, the PKCS#12 file or an OSS account's password in the clear."""

import base64
import zlib

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization

from jobs.queue import get_connection
from oss.keystore import open_pkcs12
from portal import backup
from portal import vault
from portal.extensions import db
from portal.models import SigningCertificate
from portal.models import SubmissionState
from tests.pipeline.conftest import point_at
from tests.pipeline.office import send
from tests.pipeline.office import settle
from tests.pipeline.office import submissions

P12_PASSWORD = "P12-pass-word"      # what tests.pipeline.office deposits with
ACCOUNT_SECRET = "Arrival-pass-1"   # … and sets on its OSS accounts


def _secrets() -> list[bytes]:
    cert = db.session.scalar(sa.select(SigningCertificate))
    ring = vault.current_keyring()
    p12 = vault.decrypt(ring, cert.blob_ciphertext, cert.aad("pkcs12"))
    key = open_pkcs12(p12, P12_PASSWORD).key
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    # long enough to be unmistakable, short enough to catch a fragment
    plain = [P12_PASSWORD.encode(), ACCOUNT_SECRET.encode(), der[-64:], pem[40:104], p12[-64:]]
    return plain + [base64.b64encode(secret)[4:-4] for secret in plain]  # encoded, too


def _redis_bytes() -> bytes:
    conn = get_connection()
    out = []
    for key in conn.scan_iter():
        out.append(key)
        kind = conn.type(key)
        if kind == b"string":
            out.append(conn.get(key) or b"")
        elif kind == b"hash":
            out.extend(b for pair in conn.hgetall(key).items() for b in pair)
        elif kind == b"list":
            out.extend(conn.lrange(key, 0, -1))
        elif kind == b"set":
            out.extend(conn.smembers(key))
        elif kind == b"zset":
            out.extend(conn.zrange(key, 0, -1))
        elif kind == b"stream":
            out.extend(str(conn.xrange(key)).encode())
    values = [x if isinstance(x, bytes) else str(x).encode() for x in out]
    for value in list(values):  # RQ keeps a job's data and traceback zlib-compressed
        try:
            values.append(zlib.decompress(value))
        except zlib.error:
            pass
    return b"\n".join(values)


def test_redis_and_backups_hold_no_secret_in_the_clear(app, office, sim, tmp_path):
    point_at(app, sim)
    shop = office(app)
    send(shop.staff, shop.ready(3))
    settle(app)
    assert {s.state for s in submissions()} == {SubmissionState.SENT}
    secrets = _secrets()
    in_redis = _redis_bytes()
    assert b"jobs.pipeline.send.send_chunk" in in_redis  # the jobs were there to look at
    made = backup.create(tmp_path / "ossdesk.db")
    in_backup = (tmp_path / "ossdesk.db").read_bytes()
    assert made["bytes"] == len(in_backup)
    for secret in secrets:
        assert secret not in in_redis
        assert secret not in in_backup
