"""変更等申込: request, approve, reject; applied to the organisation on approval."""

from portal import audit
from portal.extensions import db
from portal.models import ChangeKind
from portal.models import ChangeRequest
from portal.models import ChangeStatus
from portal.models import Organization
from portal.models import OrgKind
from portal.models.base import utcnow
from portal.orgs.rules import RuleViolation

# Which organisation attributes each kind of change may set.
CHANGE_FIELDS: dict[ChangeKind, tuple[str, ...]] = {
    ChangeKind.OFFICE_ADDRESS: ("postal_code", "address"),
    ChangeKind.BANK_ACCOUNT: ("bank_name", "bank_branch", "bank_account_type",
                              "bank_account_number", "bank_account_holder"),
    ChangeKind.CONTACT: ("phone", "email", "contact_person"),
    ChangeKind.CONVERT_TO_CORP: ("name", "registration_number"),
}

FIELD_LABELS = {
    "postal_code": "郵便番号",
    "address": "事務所所在地",
    "bank_name": "金融機関名",
    "bank_branch": "支店名",
    "bank_account_type": "預金種目",
    "bank_account_number": "口座番号",
    "bank_account_holder": "口座名義",
    "phone": "電話番号",
    "email": "メールアドレス",
    "contact_person": "担当者名",
    "name": "法人名",
    "registration_number": "行政書士法人の届出番号",
}

SECRET_FIELDS = {"bank_account_number"}


def allowed_kinds(org: Organization) -> list[ChangeKind]:
    kinds = [ChangeKind.OFFICE_ADDRESS, ChangeKind.BANK_ACCOUNT, ChangeKind.CONTACT]
    if org.kind == OrgKind.GYOSEISHOSHI:
        kinds.append(ChangeKind.CONVERT_TO_CORP)
    return kinds


def request_change(org: Organization, kind: ChangeKind, values: dict, user, reason: str = ""):
    """File a change request; nothing changes until association staff approve."""
    if kind not in allowed_kinds(org):
        raise RuleViolation("この組織では申し込めない変更です。", field="kind")
    fields = CHANGE_FIELDS[kind]
    payload = {f: (values.get(f) or "").strip() for f in fields}
    if kind == ChangeKind.CONVERT_TO_CORP:
        for f in fields:
            if not payload[f]:
                raise RuleViolation(f"{FIELD_LABELS[f]}を入力してください。", field=f)
    # A select always carries a value: only what differs from today's record is a change.
    if not any(v and v != (getattr(org, f) or "") for f, v in payload.items()):
        raise RuleViolation("変更後の内容を入力してください(現在の登録内容と同じです)。")
    cr = ChangeRequest(org_id=org.id, kind=kind, payload=payload, reason=reason,
                       requested_by_id=user.id,
                       before={f: getattr(org, f) for f in fields})
    db.session.add(cr)
    db.session.flush()
    audit.record("change_requested", target=f"change:{cr.id}", kind=kind.value)
    return cr


def _ensure_pending(cr: ChangeRequest) -> None:
    if cr.status != ChangeStatus.PENDING:
        raise RuleViolation("この申込は既に処理されています。")


def approve(cr: ChangeRequest, user, comment: str = "") -> None:
    """Apply the requested values to the organisation and close the request."""
    _ensure_pending(cr)
    org = cr.organization
    for field, value in cr.payload.items():
        if value:
            setattr(org, field, value)
    if cr.kind == ChangeKind.CONVERT_TO_CORP:
        org.kind = OrgKind.GYOSEISHOSHI_CORP
    cr.status = ChangeStatus.APPROVED
    cr.decided_by_id = user.id
    cr.decided_at = utcnow()
    cr.decision_comment = comment
    audit.record("change_approved", target=f"change:{cr.id}", org_id=org.id, kind=cr.kind.value)


def reject(cr: ChangeRequest, user, comment: str) -> None:
    _ensure_pending(cr)
    if not comment.strip():
        raise RuleViolation("却下の理由を入力してください。", field="comment")
    cr.status = ChangeStatus.REJECTED
    cr.decided_by_id = user.id
    cr.decided_at = utcnow()
    cr.decision_comment = comment
    audit.record("change_rejected", target=f"change:{cr.id}", org_id=cr.org_id)


def display_value(field: str, value: str) -> str:
    """Mask secrets (the bank account number) wherever a change is shown."""
    if field in SECRET_FIELDS and value:
        return "＊" * max(len(value) - 3, 0) + value[-3:]
    return value or "—"
