"""Build, validate and sign the document of one claimed submission.

Everything the outcome depends on is stored on the row before anything is
sent: the certificate (chosen by the 利用開始日 rule), the 一括利用者アカウント,
the version of its 到達番号パスワード in force now, the exact signed bytes and
their digest, and when they were signed.
"""

from dataclasses import dataclass
from datetime import UTC

import sqlalchemy as sa

from forms import specs
from jobs.pipeline import reasons
from oss import xml as oxml
from oss.signing import SignatureError
from oss.signing import sign_document
from portal import vault
from portal.certificates.keys import load_signer
from portal.certificates.keys import record_use
from portal.certificates.selection import FilingBlocked
from portal.extensions import db
from portal.models import Branch
from portal.models import Organization
from portal.models.base import utcnow
from portal.submissions.eligibility import FilingContext
from portal.submissions.eligibility import certificate_refusal
from portal.templating import JST


class NotSendable(Exception):
    """The submission cannot be sent as it is; ``reason`` is shown to staff."""

    def __init__(self, reason: str, code: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass
class Filers:
    """Per-job caches: one filing context per organisation, organisations by id."""

    def __post_init__(self):
        self.contexts: dict[int, FilingContext] = {}
        self.orgs: dict[int, Organization] = {}
        self.used: dict[int, tuple] = {}  # certificate id -> (certificate, [submission ids])

    def context(self, org_id: int) -> FilingContext:
        if org_id not in self.contexts:
            first = db.session.scalar(sa.select(Branch.id).where(Branch.org_id == org_id)
                                      .order_by(Branch.id).limit(1))
            self.contexts[org_id] = FilingContext(org_id, utcnow(), first)
        return self.contexts[org_id]

    def audit_use(self) -> None:
        """One audit event per certificate and part (committed with the part, before it goes
        out), listing the submissions it signed."""
        for cert, ids in self.used.values():
            record_use(cert, f"submissions:{ids[0]}-{ids[-1]}", submission_ids=ids)
        self.used.clear()

    def org(self, org_id: int) -> Organization:
        if org_id not in self.orgs:
            self.orgs[org_id] = db.session.get(Organization, org_id)
        return self.orgs[org_id]


def _header(sub, app, org, account, branch, requester) -> oxml.Header:
    spec = specs.get(app.procedure)
    agent = oxml.AgentInfo(
        org_id=org.id, kind=org.kind.value, name=org.name,
        registration_number=org.registration_number, bulk_user_id=account.bulk_user_id,
        branch_name=branch.name if branch is not None else "",
        kei_manager_name=branch.kei_manager_name if branch is not None and spec.is_kei else "")
    req = (oxml.RequesterInfo(org_id=requester.id, name=requester.name)
           if requester is not None else None)
    now = utcnow().replace(tzinfo=UTC)
    return oxml.Header(idempotency_key=sub.idempotency_key, agent=agent,
                       filing_date=now.astimezone(JST).date(), created_at=now, requester=req)


def sign(sub, app, filers: Filers) -> dict:
    """Sign ``sub`` for ``app``; the columns to store on its row (the caller writes them
    and commits).

    :raises NotSendable: no certificate, account or 軽証明書等管理業者名, or data
        that does not fit the procedure's schema.
    """
    context = filers.context(sub.org_id)
    refusal = context.refusal(app)
    if refusal:
        raise NotSendable(refusal, "portal")
    try:
        cert = context.certificate()
    except FilingBlocked as exc:  # pragma: no cover - refusal() above reports it
        raise NotSendable(certificate_refusal(exc), f"cert:{exc.code}") from exc
    branch = context.branch(app.branch_id)
    account = context.account(app.backend, app.branch_id or context.default_branch_id)
    org = filers.org(sub.org_id)
    requester = filers.org(app.requester_org_id) if app.requester_org_id else None
    try:
        root = oxml.build_application(specs.get(app.procedure), app.payload or {},
                                      _header(sub, app, org, account, branch, requester))
    except oxml.InvalidDocument as exc:
        raise NotSendable(reasons.invalid_document(exc.problems), "portal:xsd") from exc
    except oxml.BuildError as exc:
        raise NotSendable(reasons.build_error(str(exc)), "portal:build") from exc
    try:
        signer = load_signer(cert, purpose=f"submission:{sub.id}")
        signed = sign_document(signer, root)
    except (vault.VaultError, ValueError, SignatureError) as exc:
        raise NotSendable(reasons.key_unavailable(cert.role.label), "portal:key") from exc
    filers.used.setdefault(cert.id, (cert, []))[1].append(sub.id)
    return {"certificate_id": cert.id, "oss_account_id": account.id,
            "secret_version": account.current_secret.version, "document": signed.data,
            "document_digest": signed.digest, "signed_at": utcnow()}
