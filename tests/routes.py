"""Route inventory and tenant-row helpers shared by the access, tenancy and CSRF tests."""

import json
import re

import sqlalchemy as sa

# Each URL parameter name maps to the model it identifies. A new route with an
# unknown parameter fails the tests until it is added here (and so replayed).
PARAM_MODELS = {
    "user_id": "User",
    "branch_id": "Branch",
    "account_id": "OssAccount",
    "change_id": "ChangeRequest",
    "org_id": "Organization",
    "run_id": "JobRun",
    "entry_id": "FaqEntry",  # global content: a draft, so only association staff reach it
    "notice_id": "Notice",
    "category_id": "FaqCategory",
    "cert_id": "SigningCertificate",
    "app_id": "Application",
    "batch_id": "ImportBatch",  # and SendBatch: rows_of makes one of each with the same id
    "scheduled_id": "ScheduledSend",
    "statement_id": "Statement",
    "list_id": "ReceiptList",
}


# URL parameters that are not ids (a format, say): filled with a fixed value.
NON_ID_PARAMS = {"fmt": "csv"}


def app_rules(app):
    """Every (rule, method, view) except static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, view


def build_path(rule, ids: dict[str, object]) -> str:
    """Fill a rule's parameters from ``ids`` (by parameter name)."""
    path = rule.rule
    ids = {**NON_ID_PARAMS, **ids}
    for name in rule.arguments:
        if name not in ids:
            raise KeyError(f"route {rule.rule}: no id for parameter {name!r}")
        path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", str(ids[name]), path)
    return path


def rows_of(org, admin) -> dict[str, object]:
    """Create rows of ``org`` addressable by every id parameter the routes use."""
    from portal.extensions import db
    from portal.models import Application
    from portal.models import Backend
    from portal.models import ChangeKind
    from portal.models import ChangeRequest
    from portal.models import ImportBatch
    from portal.models import JobRun
    from portal.models import OssAccount
    from portal.models import ReceiptList
    from portal.models import SendBatch

    account = OssAccount(org_id=org.id, backend=Backend.MLIT, bulk_user_id=f"F{org.id}X9")
    change = ChangeRequest(org_id=org.id, kind=ChangeKind.CONTACT, payload={"phone": "0300000000"},
                           requested_by_id=admin.id)
    run = JobRun(id=f"oss-check-foreign-{org.id}", kind="oss-check", org_id=org.id)
    cert = signing_certificate_row(org)
    agent = org.kind.is_agent
    application = Application(org_id=org.id, agent_org_id=org.id if agent else None,
                              requester_org_id=None if agent else org.id, procedure="iten",
                              backend=Backend.MLIT, payload={"owner": {"name": org.name}})
    batch = ImportBatch(org_id=org.id, user_id=admin.id, procedure="iten", content=b"x")
    db.session.add_all([account, change, run, cert, application, batch])
    db.session.commit()
    receipt_list = ReceiptList(org_id=org.id, backend=Backend.MLIT, oss_account_id=account.id,
                               idempotency_key=f"rl-foreign-{org.id:028d}")
    send_batch = SendBatch(id=batch.id, org_id=org.id, user_id=admin.id, total=0)
    db.session.add_all([receipt_list, send_batch])
    db.session.commit()
    return {"user_id": admin.id, "branch_id": org.branches[0].id, "account_id": account.id,
            "change_id": change.id, "org_id": org.id, "run_id": run.id, "cert_id": cert.id,
            "app_id": application.id, "batch_id": batch.id, "list_id": receipt_list.id,
            **draft_content(org.id), **billing_rows(org, admin, application)}


def billing_rows(org, user, application) -> dict[str, int]:
    """A scheduled send and a closed statement of ``org``."""
    from datetime import date
    from datetime import datetime

    from portal.extensions import db
    from portal.models import BillingRecord
    from portal.models import ScheduledSend
    from portal.models import Statement

    scheduled = ScheduledSend(org_id=org.id, user_id=user.id, application_ids=[application.id],
                              run_at=datetime(2099, 1, 4, 22))
    statement = Statement(org_id=org.id, month="2026-01", item_count=1, total=45,
                          debit_date=date(2026, 2, 27))
    db.session.add_all([scheduled, statement])
    db.session.flush()
    db.session.add(BillingRecord(org_id=org.id, application_id=application.id,
                                 statement_id=statement.id, receipt_number="R-FOREIGN",
                                 procedure="iten", backend=application.backend,
                                 completed_at=datetime(2026, 1, 15, 3), month="2026-01",
                                 unit_price=45))
    db.session.commit()
    return {"scheduled_id": scheduled.id, "statement_id": statement.id}


def signing_certificate_row(org):
    """A certificate row of ``org`` (its ciphertexts are placeholders: never decrypted here)."""
    from datetime import date
    from datetime import datetime

    from oss.certtypes import CertType
    from portal.models import CertRole
    from portal.models import SigningCertificate

    return SigningCertificate(
        org_id=org.id, role=CertRole.AGENT, cert_type=CertType.GYOSEISHOSHI,
        subject_cn=org.name, subject=f"CN={org.name}", issuer="CN=CA", serial_hex="1",
        fingerprint=f"{org.id:064x}", not_before=datetime(2026, 1, 1),
        not_after=datetime(2099, 1, 1), start_date=date(2026, 1, 1),
        blob_ciphertext="-", password_ciphertext="-")


def draft_content(tag: int) -> dict[str, int]:
    """An unpublished FAQ entry and notice (global rows that no tenant user may reach)."""
    from faq import services
    from faq.models import NoticeKind
    from portal.extensions import db
    from portal.models.base import utcnow

    category = services.save_category(None, name=f"下書きカテゴリ{tag}")
    entry = services.save_entry(None, category_id=category.id, question=f"下書きの質問{tag}",
                                answer="非公開")
    notice = services.save_notice(None, kind=NoticeKind.INFO, title=f"下書きのお知らせ{tag}",
                                  body="非公開", publish_from=utcnow())
    db.session.commit()
    return {"entry_id": entry.id, "notice_id": notice.id, "category_id": category.id}


def sample_ids(tenants) -> dict[str, object]:
    """Ids for every route parameter, for tests that only look at status codes."""
    return {"user_id": tenants["a_staff"].id, "branch_id": tenants["a"].branches[0].id,
            "account_id": 1, "change_id": 1, "org_id": tenants["a"].id, "run_id": "none",
            "entry_id": 1, "notice_id": 1, "category_id": 1, "cert_id": 1, "app_id": 1,
            "batch_id": 1, "scheduled_id": 1, "statement_id": 1, "list_id": 1}


def tenant_tables() -> list[tuple[str, str]]:
    """(table, column holding the organisation id) for every organisation-owned table."""
    from portal.extensions import db

    found = [("organization", "id"), ("agent_requester_link", "agent_org_id")]
    for table in db.metadata.sorted_tables:
        if "org_id" in table.c:
            found.append((table.name, "org_id"))
    return found


def snapshot(org_id: int) -> str:
    """Everything of the organisation as JSON, read with plain SQL (no tenant scope).

    Denials are audited under the organisation of the user who was refused, so
    an organisation's own ``access_denied`` events grow while it probes others;
    they are left out (they never concern another organisation's rows).
    """
    from portal.extensions import db

    out = []
    for table, col in tenant_tables():
        extra = " AND action <> 'access_denied'" if table == "audit_event" else ""
        rows = db.session.execute(
            sa.text(f'SELECT * FROM "{table}" WHERE {col} = :o{extra} ORDER BY 1'),
            {"o": org_id})
        out.append([tuple(map(str, r)) for r in rows])
    return json.dumps(out, ensure_ascii=False)
