"""Checks on a received application document, in the order OSS applies them.

Well-formed and DOCTYPE-free → published XSD of the procedure's family →
header consistent with the request → signature present → signing certificate
trusted, of the right type for the agent and valid now → signature verifies.
Each refusal is a ``SimError`` with its documented error code.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from oss import signing
from oss.certtypes import CertificateRefused
from oss.certtypes import IssuerTable
from oss.certtypes import Refusal
from oss.certtypes import check_certificate
from oss.families import FAMILY_OF
from oss.simulator.markers import Marker
from oss.simulator.markers import find_marker
from oss.simulator.procedures import PROFILES
from oss.xml import tag
from oss.xmlsafe import MAX_DOCUMENT_BYTES
from oss.xmlsafe import UnsafeXml
from oss.xmlsafe import parse_untrusted
from oss.xsd import DS_NS
from oss.xsd import SchemaSet
from oss.xsd import schema_errors

CERT_CODES = {
    Refusal.UNTRUSTED_ISSUER: "OSS-301",
    Refusal.MY_NUMBER: "OSS-302",
    Refusal.WRONG_TYPE: "OSS-303",
    Refusal.EXPIRED: "OSS-304",
    Refusal.NOT_YET_VALID: "OSS-305",
}


class SimError(Exception):
    """A refusal answered with an error code (and HTTP status)."""

    def __init__(self, code: str, message: str, status: int = 422, details: list | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details or []


@dataclass(frozen=True)
class Intake:
    procedure: str
    key: str
    bulk_user_id: str
    agent_name: str
    agent_kind: str
    cert_subject: str
    cert_serial: str
    cert_type: str
    doc_digest: str
    body_digest: str
    marker: Marker | None


def _text(root, path: str) -> str:
    return (root.findtext("/".join(tag(p) for p in path.split("/"))) or "").strip()


def _parse(data: bytes):
    if len(data) > MAX_DOCUMENT_BYTES:
        raise SimError("OSS-105", "申請データが大きすぎます。", 413)
    try:
        return parse_untrusted(data)
    except UnsafeXml as exc:
        raise SimError("OSS-100", "申請データをXMLとして読めません(DOCTYPEは使えません)。",
                       400, [str(exc)[:200]]) from exc


def _check_schema(root, backend: str, schemas: SchemaSet) -> str:
    code = _text(root, "Header/ProcedureCode")
    profile = PROFILES.get(code)
    if profile is None or profile.backend != backend or code not in FAMILY_OF:
        raise SimError("OSS-103", f"手続「{code or '(不明)'}」はこのOSSでは受け付けていません。")
    schema = schemas.for_family(FAMILY_OF[code])
    if schema is None:
        raise SimError("OSS-103", f"手続「{profile.name}」の様式(XSD)が公開されていません。")
    errors = schema_errors(schema, root)
    if errors:
        details = [f"{e.path}: {e.message}" for e in errors[:20]]
        raise SimError("OSS-102", "申請データが様式(XSD)に適合しません。", 422, details)
    return code


def _check_header(root, code: str, backend: str, key: str) -> None:
    body = root.find(tag("Body"))
    if body is None or len(body) != 1 or body[0].tag != tag(code):
        raise SimError("OSS-104", "ヘッダの手続コードと本文の手続が一致しません。")
    if _text(root, "Header/Backend") != backend:
        raise SimError("OSS-104", "ヘッダのOSSの種類が送信先と一致しません。")
    if _text(root, "Header/IdempotencyKey") != key:
        raise SimError("OSS-402", "Idempotency-Keyが申請データ内の送信キーと一致しません。", 400)


def _check_signature_algorithms(root) -> None:
    sig = root.find(f"{{{DS_NS}}}Signature")
    if sig is None:
        raise SimError("OSS-200", "申請データに電子署名がありません。")
    method = sig.find(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}SignatureMethod")
    digests = sig.findall(f".//{{{DS_NS}}}DigestMethod")
    if (method is None or not method.get("Algorithm", "").endswith("#rsa-sha256")
            or not digests or any(not d.get("Algorithm", "").endswith("#sha256")
                                  for d in digests)):
        raise SimError("OSS-202", "電子署名の方式はRSA-SHA256(SHA-256ダイジェスト)に限られます。")


def receive(data: bytes, *, backend: str, key: str, schemas: SchemaSet, issuers: IssuerTable,
            now: datetime | None = None) -> Intake:
    """Check a submitted document and return what the simulator stores about it."""
    now = now or datetime.now(UTC)
    root = _parse(data)
    code = _check_schema(root, backend, schemas)
    _check_header(root, code, backend, key)
    _check_signature_algorithms(root)
    try:
        cert = signing.signing_certificate(root)
    except signing.SignatureError as exc:
        raise SimError("OSS-300", "署名に証明書が含まれていないか、読めません。") from exc
    agent_kind = _text(root, "Header/Agent/Kind")
    try:
        cert_type = check_certificate(cert, agent_kind, issuers, now)
    except CertificateRefused as exc:
        raise SimError(CERT_CODES[exc.reason], exc.message) from exc
    try:
        signed = signing.verify(root, cert)
    except signing.SignatureError as exc:
        raise SimError("OSS-201", "電子署名を検証できません(改ざんの可能性があります)。",
                       422, [str(exc)[:200]]) from exc
    marker = find_marker(signed.find(tag("Body")))
    if marker == Marker.REFUSE_ON_ARRIVAL:
        raise SimError("OSS-601", "車台番号に対応する電子的な証明データ(完成検査終了証等)が見つかりません。")
    return Intake(
        procedure=code, key=key, bulk_user_id=_text(signed, "Header/Agent/BulkUserId"),
        agent_name=_text(signed, "Header/Agent/Name"), agent_kind=agent_kind,
        cert_subject=cert.subject.rfc4514_string(), cert_serial=format(cert.serial_number, "x"),
        cert_type=cert_type.value, doc_digest=hashlib.sha256(data).hexdigest(),
        body_digest=signing.body_digest(signed), marker=marker)


def peek_key_and_body(data: bytes) -> str | None:
    """Body digest of a document for the idempotency check, or None if unreadable."""
    try:
        root = parse_untrusted(data)
    except UnsafeXml:
        return None
    if root.tag != tag("Application"):
        return None
    return signing.body_digest(root)

