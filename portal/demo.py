"""Demo data for ``make run``: created once, logins kept in ``instance/``."""

import json
import secrets

import sqlalchemy as sa

from portal.certificates.demo import deposit_demo_certificate
from portal.config import instance_dir
from portal.extensions import db
from portal.models import Backend
from portal.models import Organization
from portal.models import OrgKind
from portal.models import OssAccount
from portal.models import PaymentMode
from portal.models import Role
from portal.models import User
from portal.orgs import services

DEMO_FILE = "demo-logins.json"

# (org kind, org name, registration no., [(login id, display name, role)], linked agent key)
DEMO_ORGS = [
    ("assoc", OrgKind.ASSOCIATION, "自動車情報利活用促進協会(デモ)", "",
     [("demo-kyokai", "協会 花子", Role.ASSOCIATION)], None),
    ("yamada", OrgKind.GYOSEISHOSHI, "山田行政書士事務所(デモ)", "12345678",
     [("demo-admin", "山田 太郎", Role.ADMIN), ("demo-staff", "佐藤 次郎", Role.STAFF)], None),
    ("sakura", OrgKind.REQUESTER, "さくらモータース(デモ)", "",
     [("demo-dealer-admin", "鈴木 一郎", Role.ADMIN), ("demo-dealer", "高橋 三郎", Role.STAFF)],
     "yamada"),
]


def _password() -> str:
    return "Demo-" + secrets.token_urlsafe(9)


# 一括利用者アカウント of the demo 行政書士: (back-end, 一括利用者ID, payment mode).
DEMO_ACCOUNTS = [(Backend.MLIT, "DEMO0001", PaymentMode.DIRECT_NATIONAL),
                 (Backend.KEI, "DEMOK001", PaymentMode.MATOME)]


def _demo_accounts(org: Organization) -> None:
    """Bulk-user accounts (with a 到達番号パスワード) so staff can send to the simulator."""
    for backend, bulk_user_id, mode in DEMO_ACCOUNTS:
        account = services.save_oss_account(org, None, backend=backend, bulk_user_id=bulk_user_id,
                                            payment_mode=mode, branch_id=None)
        services.set_account_secret(account, _password(), None)


def _ensure_demo_accounts() -> None:
    org = db.session.scalar(sa.select(Organization).join(User, User.org_id == Organization.id)
                            .where(User.login_id == "demo-admin"))
    if org is not None and not db.session.scalar(
            sa.select(OssAccount.id).where(OssAccount.org_id == org.id).limit(1)):
        _demo_accounts(org)


def seed() -> list[dict]:
    """Create the demo organisations once; return the demo logins."""
    from faq.starter import seed_if_empty

    seed_if_empty()  # the starter FAQ, into an empty FAQ only
    db.session.commit()
    path = instance_dir() / DEMO_FILE
    exists = db.session.scalar(sa.select(User.id).where(User.login_id == "demo-admin"))
    if exists and path.exists():
        _ensure_demo_accounts()  # demo databases made before accounts were part of the demo
        db.session.commit()
        return json.loads(path.read_text())
    if exists:
        raise RuntimeError(f"demo users exist but {path} is missing; reset the database")
    logins: list[dict] = []
    orgs: dict[str, Organization] = {}
    for key, kind, name, reg_no, users, agent_key in DEMO_ORGS:
        org = Organization(kind=kind, name=name, registration_number=reg_no,
                           address="東京都千代田区霞が関二丁目1番3号", phone="03-0000-0000",
                           bank_name="デモ銀行", bank_branch="本店", bank_account_number="1234567",
                           bank_account_holder=name)
        db.session.add(org)
        db.session.flush()
        kei_name = f"{name}(登録番号{reg_no})" if kind.is_agent else ""
        services.save_branch(org, None, name="本店", address=org.address,
                             kei_manager_name=kei_name)
        orgs[key] = org
        for login_id, display, role in users:
            password = _password()
            services.create_user(org, login_id=login_id, display_name=display, role=role,
                                 branch_id=org.branches[0].id if org.branches else None,
                                 password=password)
            logins.append({"login_id": login_id, "password": password, "role": role.label,
                           "organization": name})
        if agent_key:
            services.link_requester(orgs[agent_key], org)
        if kind == OrgKind.GYOSEISHOSHI:
            deposit_demo_certificate(org, users[0][1])
            _demo_accounts(org)
    db.session.commit()
    path.write_text(json.dumps(logins, ensure_ascii=False, indent=1))
    path.chmod(0o600)
    return logins
