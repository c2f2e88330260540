"""Envelope encryption and key rotation."""

import base64
import json
import os

import pytest
import sqlalchemy as sa

from portal import vault
from portal.extensions import db
from portal.models import Backend
from portal.models import OssAccountSecret
from portal.models import PaymentMode
from portal.orgs import services


def _ring(*kids, primary=None):
    keys = {k: base64.b64encode(os.urandom(32)).decode() for k in kids}
    return json.dumps({"primary": primary or kids[-1], "keys": keys})


def test_round_trip_and_binding_to_owner():
    ring = vault.Keyring.from_json(_ring("k1"))
    token = vault.encrypt(ring, b"pkcs12-bytes", "cert|org=1")
    assert vault.decrypt(ring, token, "cert|org=1") == b"pkcs12-bytes"
    assert b"pkcs12" not in token.encode()
    with pytest.raises(vault.VaultError):
        vault.decrypt(ring, token, "cert|org=2")


def test_each_value_gets_a_fresh_nonce_and_key():
    ring = vault.Keyring.from_json(_ring("k1"))
    assert vault.encrypt(ring, b"same", "a") != vault.encrypt(ring, b"same", "a")


def test_tampering_is_detected():
    ring = vault.Keyring.from_json(_ring("k1"))
    token = vault.encrypt(ring, b"secret", "a")
    head, body = token.rsplit(".", 1)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(vault.VaultError):
        vault.decrypt(ring, f"{head}.{flipped}", "a")


def test_rewrap_moves_to_the_primary_key_without_touching_data():
    old = json.loads(_ring("k1"))
    ring1 = vault.Keyring.from_json(json.dumps(old))
    token = vault.encrypt(ring1, b"secret", "a")
    old["keys"]["k2"] = base64.b64encode(os.urandom(32)).decode()
    old["primary"] = "k2"
    ring2 = vault.Keyring.from_json(json.dumps(old))
    new = vault.rewrap(ring2, token, "a")
    assert vault.key_id(new) == "k2" and new.rsplit(".", 1)[1] == token.rsplit(".", 1)[1]
    assert vault.decrypt(ring2, new, "a") == b"secret"
    del old["keys"]["k1"]
    assert vault.decrypt(vault.Keyring.from_json(json.dumps(old)), new, "a") == b"secret"


def test_bad_keyrings_are_refused():
    for text in ("{}", "not json", json.dumps({"primary": "x", "keys": {"k1": "AAAA"}})):
        with pytest.raises(vault.VaultError):
            vault.Keyring.from_json(text)


def test_keys_rotate_command_rewraps_every_row(app, tenants):
    account = services.save_oss_account(tenants["a"], None, backend=Backend.MLIT,
                                        bulk_user_id="ROT1", payment_mode=PaymentMode.MATOME,
                                        branch_id=None)
    for secret in ("pw-one", "pw-two"):
        services.set_account_secret(account, secret, None)
    db.session.commit()
    ring = json.loads(app.config["OSSDESK_KEYS"])
    ring["keys"]["k9"] = base64.b64encode(os.urandom(32)).decode()
    ring["primary"] = "k9"
    app.config["OSSDESK_KEYS"] = json.dumps(ring)
    app.extensions.pop("ossdesk_keyring", None)
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert "oss_account_secret.ciphertext: 2 of 2 re-wrapped" in result.output
    rows = db.session.scalars(sa.select(OssAccountSecret).order_by(OssAccountSecret.id)).all()
    assert {vault.key_id(r.ciphertext) for r in rows} == {"k9"}
    assert [services.read_account_secret(r) for r in rows] == ["pw-one", "pw-two"]
