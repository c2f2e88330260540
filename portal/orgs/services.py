"""Operations on organisations, branches, users and OSS accounts."""

import sqlalchemy as sa

from portal import audit
from portal import vault
from portal.auth.services import generate_initial_password
from portal.auth.services import revoke_sessions
from portal.extensions import db
from portal.models import AgentRequesterLink
from portal.models import Backend
from portal.models import Branch
from portal.models import Organization
from portal.models import OrgKind
from portal.models import OssAccount
from portal.models import OssAccountSecret
from portal.models import PaymentMode
from portal.models import Role
from portal.models import User
from portal.orgs.rules import LOGIN_ID_FORMAT
from portal.orgs.rules import LOGIN_ID_RE
from portal.orgs.rules import RuleViolation
from portal.orgs.rules import check_kei_manager_name
from portal.orgs.rules import ensure_admin_remains
from portal.orgs.rules import roles_for_org

def check_login_id(login_id: str) -> None:
    if not LOGIN_ID_RE.match(login_id):
        raise RuleViolation(LOGIN_ID_FORMAT, field="login_id")
    exists = db.session.scalar(  # "Demo-Staff" and "demo-staff" would be told apart by no one
        sa.select(User.id).where(sa.func.lower(User.login_id) == login_id.lower())
        .execution_options(skip_tenant_scope=True)
    )
    if exists:
        raise RuleViolation("このログインIDは既に使われています。", field="login_id")


def create_user(org: Organization, *, login_id: str, display_name: str, role: Role,
                branch_id: int | None = None, password: str | None = None) -> tuple[User, str]:
    """Create a user with a one-time initial password; return it once."""
    check_login_id(login_id)
    if role not in roles_for_org(org):
        raise RuleViolation("この組織では選択できない権限です。", field="role")
    if branch_id is not None and db.session.get(Branch, branch_id) is None:
        raise RuleViolation("拠点が見つかりません。", field="branch_id")
    initial = password or generate_initial_password()
    user = User(org_id=org.id, login_id=login_id, display_name=display_name, role=role,
                branch_id=branch_id, must_change_password=password is None)
    user.organization = org
    user.set_password(initial)
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", target=f"user:{user.id}", login=login_id, role=role.value)
    return user, initial


def update_user(user: User, *, display_name: str, role: Role, branch_id: int | None) -> None:
    ensure_admin_remains(user, new_role=role)
    if role not in roles_for_org(user.organization):
        raise RuleViolation("この組織では選択できない権限です。", field="role")
    user.display_name = display_name
    user.role = role
    user.branch_id = branch_id
    audit.record("user_updated", target=f"user:{user.id}", role=role.value)


def set_user_active(user: User, active: bool) -> None:
    if not active:
        ensure_admin_remains(user, deactivate=True)
        revoke_sessions(user)
    user.active = active
    audit.record("user_activated" if active else "user_deactivated", target=f"user:{user.id}")


def reset_password(user: User) -> str:
    """Give ``user`` a new one-time password (shown once) and end its sessions."""
    initial = generate_initial_password()
    user.set_password(initial)
    user.must_change_password = True
    user.locked_until = None
    revoke_sessions(user)
    audit.record("password_reset", target=f"user:{user.id}")
    return initial


def rename_org(org: Organization, name: str) -> None:
    old = org.name
    org.name = name
    audit.record("org_renamed", target=f"org:{org.id}", before=old, after=name)


def save_branch(org: Organization, branch: Branch | None, *, name: str, address: str,
                kei_manager_name: str) -> Branch:
    check_kei_manager_name(org, kei_manager_name)
    created = branch is None
    if created:
        branch = Branch(org_id=org.id)
        db.session.add(branch)
    branch.name = name
    branch.address = address
    branch.kei_manager_name = kei_manager_name
    db.session.flush()
    audit.record("branch_created" if created else "branch_updated", target=f"branch:{branch.id}")
    return branch


def onboard_organization(*, kind: OrgKind, name: str, admin_login_id: str, admin_name: str,
                         registration_number: str = "", address: str = "", phone: str = "",
                         email: str = "", agent: Organization | None = None,
                         **bank) -> tuple[Organization, User, str]:
    """Register an organisation with its main branch and first admin.

    When ``agent`` is given (an agent onboarding its requester), the requester
    is linked to that agent.
    """
    if kind == OrgKind.ASSOCIATION:
        raise RuleViolation("協会の組織は新たに登録できません。", field="kind")
    if agent is not None and (kind != OrgKind.REQUESTER or not agent.kind.is_agent):
        raise RuleViolation("代理人が登録できるのは依頼人の組織だけです。", field="kind")
    if kind in (OrgKind.GYOSEISHOSHI, OrgKind.GYOSEISHOSHI_CORP) and not registration_number:
        raise RuleViolation("行政書士の登録番号を入力してください。", field="registration_number")
    try:
        check_login_id(admin_login_id)
    except RuleViolation as violation:  # the forms call it the first admin's login ID
        raise RuleViolation(violation.message, field="admin_login_id") from None
    org = Organization(kind=kind, name=name, registration_number=registration_number,
                       address=address, phone=phone, email=email, **bank)
    db.session.add(org)
    db.session.flush()
    save_branch(org, None, name="本店", address=address, kei_manager_name="")
    admin, initial = create_user(org, login_id=admin_login_id, display_name=admin_name,
                                 role=Role.ADMIN)
    if agent is not None:
        link_requester(agent, org)
    audit.record("org_onboarded", target=f"org:{org.id}", kind=kind.value)
    return org, admin, initial


def link_requester(agent: Organization, requester: Organization) -> AgentRequesterLink:
    if not agent.kind.is_agent or requester.kind != OrgKind.REQUESTER:
        raise RuleViolation("紐付けできるのは代理人と依頼人の組み合わせだけです。")
    exists = db.session.scalar(sa.select(AgentRequesterLink.id).where(
        AgentRequesterLink.agent_org_id == agent.id,
        AgentRequesterLink.requester_org_id == requester.id))
    if exists:
        raise RuleViolation("この代理人とは既に紐付いています。")
    link = AgentRequesterLink(agent_org_id=agent.id, requester_org_id=requester.id)
    db.session.add(link)
    db.session.flush()
    audit.record("requester_linked", target=f"link:{link.id}", org_id=agent.id,
                 agent=agent.id, requester=requester.id)
    return link


def set_org_active(org: Organization, active: bool) -> None:
    if not active and org.kind == OrgKind.ASSOCIATION:
        raise RuleViolation("協会の組織は利用停止できません"
                            "(協会職員全員がログインできなくなります)。")
    org.active = active
    audit.record("org_reactivated" if active else "org_suspended", target=f"org:{org.id}")


QUOTA_AGENTS_ONLY = "送信上限は代理人の組織にだけ設定できます(依頼人と協会は送信しません)。"


def set_send_quota(org: Organization, quota: int | None) -> None:
    """The office's own daily send quota (None: the SEND_DAILY_QUOTA setting)."""
    from portal.submissions.quota import MAX_QUOTA

    if not org.kind.is_agent:
        raise RuleViolation(QUOTA_AGENTS_ONLY, field="daily_send_quota")
    if quota is not None and quota > MAX_QUOTA:
        raise RuleViolation(f"送信上限は{MAX_QUOTA:,}件以下で入力してください。",
                            field="daily_send_quota")
    before, org.daily_send_quota = org.daily_send_quota, quota
    audit.record("org_send_quota_set", target=f"org:{org.id}",
                 before="default" if before is None else before,
                 after="default" if quota is None else quota)


def save_oss_account(org: Organization, account: OssAccount | None, *, backend: Backend,
                     bulk_user_id: str, payment_mode: PaymentMode,
                     branch_id: int | None) -> OssAccount:
    taken = db.session.scalar(
        sa.select(OssAccount.id).where(OssAccount.backend == backend,
                                       OssAccount.bulk_user_id == bulk_user_id)
        .execution_options(skip_tenant_scope=True)
    )
    if taken is not None and (account is None or taken != account.id):
        raise RuleViolation("この一括利用者IDは既に登録されています。", field="bulk_user_id")
    if account is not None and account.backend != backend:
        raise RuleViolation("OSSの種類は登録後に変更できません。もう一方のOSSの一括利用者IDは、"
                            "新しいアカウントとして登録してください。", field="backend")
    same_scope = db.session.scalar(
        sa.select(OssAccount.id).where(OssAccount.org_id == org.id, OssAccount.backend == backend,
                                       OssAccount.branch_id.is_(None) if branch_id is None
                                       else OssAccount.branch_id == branch_id))
    if same_scope is not None and (account is None or same_scope != account.id):
        scope = "組織全体" if branch_id is None else "この拠点"
        raise RuleViolation(f"{scope}で使う{backend.label}の一括利用者アカウントは"
                            "既に登録されています(申請に使うアカウントは拠点ごとに1つです)。"
                            "既存のアカウントを編集してください。",
                            field="branch_id")
    if account is None:
        account = OssAccount(org_id=org.id, backend=backend)
        db.session.add(account)
    account.bulk_user_id = bulk_user_id
    account.payment_mode = payment_mode
    account.branch_id = branch_id
    db.session.flush()
    audit.record("oss_account_saved", target=f"oss_account:{account.id}", backend=backend.value)
    return account


def set_account_secret(account: OssAccount, secret: str, user: User | None) -> OssAccountSecret:
    """Store a new password version; submissions made earlier keep theirs."""
    version = (account.current_secret.version + 1) if account.current_secret else 1
    row = OssAccountSecret(org_id=account.org_id, account_id=account.id, version=version,
                           ciphertext="", created_by_id=user.id if user else None)
    row.ciphertext = vault.encrypt(vault.current_keyring(), secret.encode(), row.aad())
    db.session.add(row)
    account.secrets.append(row)
    db.session.flush()
    audit.record("oss_secret_changed", target=f"oss_account:{account.id}", version=version)
    return row


def read_account_secret(row: OssAccountSecret) -> str:
    return vault.decrypt(vault.current_keyring(), row.ciphertext, row.aad()).decode()
