"""Signing keys of deposited certificates, decrypted on first use and kept in memory.

Opening a PKCS#12 file costs 40–70 ms (its key derivation), so each process
keeps the opened keys of the last few certificates used. Keys never leave
memory; every decryption and every use is audited.
"""

import threading
from collections import OrderedDict
from datetime import datetime

from flask import current_app

from oss.keystore import fingerprint
from oss.keystore import open_pkcs12
from oss.signing import DocumentSigner
from portal import audit
from portal import vault
from portal.certificates.selection import choose_certificate
from portal.models import CertRole
from portal.models import SigningCertificate

CACHE_SIZE = 32
_LOCK = threading.Lock()


class KeyMismatch(vault.VaultError):
    """The decrypted file does not hold the certificate the row describes."""


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("ossdesk_signing_keys", OrderedDict())


def load_signer(cert: SigningCertificate, *, purpose: str) -> DocumentSigner:
    """A signer for ``cert``'s key (decrypted once per process, then cached)."""
    cache, entry = _cache(), (cert.id, cert.fingerprint)
    with _LOCK:
        signer = cache.get(entry)
        if signer is not None:
            cache.move_to_end(entry)
            return signer
    ring = vault.current_keyring()
    material = open_pkcs12(vault.decrypt(ring, cert.blob_ciphertext, cert.aad("pkcs12")),
                           vault.decrypt(ring, cert.password_ciphertext,
                                         cert.aad("password")).decode())
    if fingerprint(material.cert) != cert.fingerprint:
        raise KeyMismatch("stored PKCS#12 does not match its certificate row")
    audit.record("certificate_decrypted", target=f"certificate:{cert.id}", org_id=cert.org_id,
                 purpose=purpose[:80])
    signer = DocumentSigner(material)
    with _LOCK:
        cache[entry] = signer
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return signer


def forget(cert_id: int) -> None:
    """Drop a certificate's key from this process's cache (disabled or replaced)."""
    with _LOCK:
        cache = _cache()
        for entry in [e for e in cache if e[0] == cert_id]:
            del cache[entry]


def record_use(cert: SigningCertificate, target: str, **detail) -> None:
    audit.record("certificate_used", target=f"certificate:{cert.id}", org_id=cert.org_id,
                 used_for=target[:80], **detail)


def signer_for_filing(org_id: int, at: datetime, *, target: str,
                      role: CertRole = CertRole.AGENT) -> tuple[SigningCertificate, DocumentSigner]:
    """Choose the certificate for a filing at ``at`` and return it with its signer.

    :param target: what is being signed, e.g. ``submission:42`` (audited).
    :raises FilingBlocked: no usable certificate (see ``selection``).
    """
    cert = choose_certificate(org_id, at, role)
    signer = load_signer(cert, purpose=target)
    record_use(cert, target)
    return cert, signer
