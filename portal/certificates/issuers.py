"""The configured table of trusted issuing CAs (``CERT_ISSUER_DIR``), loaded once per app."""

from flask import current_app

from oss.certtypes import IssuerTable


def issuer_table() -> IssuerTable:
    cache = current_app.extensions.setdefault("ossdesk_issuers", {})
    path = current_app.config["CERT_ISSUER_DIR"]
    if path not in cache:
        cache[path] = IssuerTable.from_directory(path)
    return cache[path]
