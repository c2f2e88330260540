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


# Applications of the demo 行政書士, imported the way staff import them (every row checked):
# (procedure, changes to the spec's example data, 車台番号 numbers, ready to send). A 車台番号
# ending in 99 + a code makes the simulator play that outcome (oss/simulator/markers.py):
# 01 補正要求 and 02 却下 at reception, 04 a メッセージ, 05 a お知らせ, 06 a 期限等のお知らせ.
# The 新車新規登録 rows are hybrid filings with a paper 委任状, which an import can make ready
# (a 電子委任状 is attached in the browser); the 変更登録 row is a draft waiting for one.
DEMO_APPLICATIONS = [
    ("keizoku", {}, ("1000001", "1000002", "1009904"), True),
    ("shinsha_shinki",
     {"filing": {"hybrid": True}, "poa": {"poa_mode": "paper", "seal_cert": "paper"}},
     ("2000001", "2009901", "2009902", "2009905"), True),
    ("kei_keizoku", {}, ("3000001", "3009906"), True),
    ("henko", {}, ("4000001",), False),
]


def _demo_payload(spec, changes: dict, number: str) -> dict:
    payload = spec.example_payload()
    for section, values in changes.items():
        payload[section] = {**payload.get(section, {}), **values}
    prefix = payload["vehicle"]["chassis_no"].split("-")[0]
    payload["vehicle"]["chassis_no"] = f"{prefix}-{number}"
    return payload


def _demo_applications(staff: User) -> None:
    from forms import specs
    from forms.import_templates import as_csv
    from portal.applications import imports

    for code, changes, numbers, ready in DEMO_APPLICATIONS:
        spec = specs.get(code)
        data = as_csv(spec, [_demo_payload(spec, changes, n) for n in numbers])
        batch = imports.create_batch(staff, code, data, f"demo-{code}.csv", valid_only=False,
                                     to_full_width=False, mark_ready=ready)
        batch = imports.run_batch(batch.id)  # commits
        if batch.imported != len(numbers) or batch.ready_count != (len(numbers) if ready else 0):
            raise RuntimeError(f"demo applications of {code} not imported: "
                               f"{batch.message or batch.errors[:3]}")


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
    _demo_applications(db.session.scalar(sa.select(User).where(User.login_id == "demo-staff")))
    return logins
