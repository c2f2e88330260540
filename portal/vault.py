"""Envelope encryption for secrets at rest (AES-256-GCM).

Each value gets its own random data-encryption key (DEK). The DEK is wrapped
with a key-encryption key (KEK) from the keyring, and the KEK's id is stored
with the ciphertext, so KEKs can be rotated by re-wrapping DEKs alone. The
associated data binds a ciphertext to its owner (for example
``oss_account_secret|org=3|account=7``): a value copied to another row or
organisation fails to decrypt.

Keyring format (``OSSDESK_KEYS``)::

    {"primary": "k2", "keys": {"k1": "<base64 32 bytes>", "k2": "<base64 32 bytes>"}}
"""

import base64
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1"


class VaultError(Exception):
    """A value could not be encrypted or decrypted."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Keyring:
    primary: str
    keys: dict[str, bytes]

    @classmethod
    def from_json(cls, text: str) -> "Keyring":
        try:
            data = json.loads(text)
            keys = {kid: base64.b64decode(val) for kid, val in data["keys"].items()}
            primary = data["primary"]
        except (ValueError, KeyError, TypeError) as exc:
            raise VaultError("OSSDESK_KEYS is not a valid keyring") from exc
        if primary not in keys or any(len(k) != 32 for k in keys.values()):
            raise VaultError("keyring needs a primary key id and 32-byte keys")
        return cls(primary=primary, keys=keys)

    def kek(self, kid: str) -> AESGCM:
        try:
            return AESGCM(self.keys[kid])
        except KeyError as exc:
            raise VaultError(f"key id {kid!r} is not in the keyring") from exc


def encrypt(keyring: Keyring, plaintext: bytes, aad: str) -> str:
    """Encrypt ``plaintext`` under a fresh DEK wrapped by the primary KEK."""
    dek = AESGCM.generate_key(bit_length=256)
    data_nonce = os.urandom(12)
    ciphertext = AESGCM(dek).encrypt(data_nonce, plaintext, aad.encode())
    wrap_nonce = os.urandom(12)
    wrapped = keyring.kek(keyring.primary).encrypt(wrap_nonce, dek, aad.encode())
    parts = [PREFIX, keyring.primary, _b64(wrap_nonce + wrapped), _b64(data_nonce + ciphertext)]
    return ".".join(parts)


def _split(token: str) -> tuple[str, bytes, bytes]:
    try:
        prefix, kid, wrapped, body = token.split(".")
    except ValueError as exc:
        raise VaultError("malformed ciphertext") from exc
    if prefix != PREFIX:
        raise VaultError("unknown ciphertext version")
    return kid, _unb64(wrapped), _unb64(body)


def _unwrap(keyring: Keyring, kid: str, wrapped: bytes, aad: str) -> bytes:
    try:
        return keyring.kek(kid).decrypt(wrapped[:12], wrapped[12:], aad.encode())
    except InvalidTag as exc:
        raise VaultError("ciphertext does not belong to this owner or key") from exc


def decrypt(keyring: Keyring, token: str, aad: str) -> bytes:
    """Decrypt a value made by :func:`encrypt` with the same associated data."""
    kid, wrapped, body = _split(token)
    dek = _unwrap(keyring, kid, wrapped, aad)
    try:
        return AESGCM(dek).decrypt(body[:12], body[12:], aad.encode())
    except InvalidTag as exc:
        raise VaultError("ciphertext was altered") from exc


def key_id(token: str) -> str:
    """Return the id of the KEK that wraps ``token``."""
    return _split(token)[0]


def rewrap(keyring: Keyring, token: str, aad: str) -> str:
    """Re-wrap the DEK of ``token`` under the primary KEK; the data is untouched."""
    kid, wrapped, body = _split(token)
    if kid == keyring.primary:
        return token
    dek = _unwrap(keyring, kid, wrapped, aad)
    wrap_nonce = os.urandom(12)
    new_wrapped = keyring.kek(keyring.primary).encrypt(wrap_nonce, dek, aad.encode())
    return ".".join([PREFIX, keyring.primary, _b64(wrap_nonce + new_wrapped), _b64(body)])


def current_keyring() -> Keyring:
    """Return the keyring configured on the current app."""
    from flask import current_app

    ring = current_app.extensions.get("ossdesk_keyring")
    if ring is None:
        ring = Keyring.from_json(current_app.config["OSSDESK_KEYS"])
        current_app.extensions["ossdesk_keyring"] = ring
    return ring


# Models holding encrypted columns register here so that ``ossdesk keys rotate``
# can re-wrap every row: (model, attribute name, function(row) -> aad).
ENCRYPTED_COLUMNS: list[tuple[type, str, object]] = []


def encrypted_column(model: type, attr: str, aad_for):
    """Declare that ``model.attr`` holds a vault token bound to ``aad_for(row)``."""
    ENCRYPTED_COLUMNS.append((model, attr, aad_for))
