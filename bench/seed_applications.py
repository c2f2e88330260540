"""Fill a migrated database with many applications for the search and polling benchmarks.

Layout (seeded, so runs are comparable): agent 甲 with three staff and a
linked requester 丙 gets ``share_a`` of the rows (a tenth of them requests
handed over by 丙), agent 乙 the rest. States follow a plausible mix: most
finished, a tenth in flight, some drafts; sent rows carry flags, fees, an
OSS status and the submitted/accepted/completed times. Rows are written with
Core ``INSERT`` in chunks (the ORM would take minutes for 100,000).
"""

import random
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

PASSWORD = "Bench-pass-123"
START = datetime(2025, 1, 1)
STATE_MIX = [  # (state, oss status, weight)
    ("draft", "", 6), ("ready", "", 3), ("sending", "", 1), ("arrived", "到達", 1),
    ("reception_review", "受付審査中", 3), ("under_review", "審査中", 3),
    ("payment_pending", "納付待ち", 2), ("correction_requested", "補正要求", 1),
    ("completed", "手続完了", 70), ("rejected", "却下", 4), ("withdrawn", "取下げ", 1),
]
OFFICES = ["品川", "練馬", "足立", "多摩", "横浜", "川崎", "湘南", "相模", "大宮", "所沢"]
KANA = "あいうえかきくけこさすせそたちつてとなにぬねのはひふほまみむめもやゆよらりるれろわ"
MAKERS = ["ZVW30", "NHP10", "GRS200", "HA36S", "JF3", "MH55S", "NZE161", "AGH30", "DBA-L", "ZRR80"]


def _users(db, org, names, role):
    from portal.models import Role
    from portal.models import User

    users = []
    for i, name in enumerate(names):
        user = User(org_id=org.id, login_id=f"bench-{org.id}-{role}-{i}", display_name=name,
                    role=Role(role), must_change_password=False)
        user.organization = org
        user.set_password(PASSWORD)
        db.session.add(user)
        users.append(user)
    return users


def one_office(db):
    """One 行政書士 office, flushed (no users): the owner of a benchmark's applications."""
    from portal.models import Organization
    from portal.models import OrgKind

    org = Organization(kind=OrgKind.GYOSEISHOSHI, name="計測事務所",
                       registration_number="12345678")
    db.session.add(org)
    db.session.flush()
    return org


def organisations(db):
    """Agents 甲 and 乙, requester 丙 linked to 甲, and their users."""
    from portal.models import AgentRequesterLink
    from portal.models import Branch
    from portal.models import Organization
    from portal.models import OrgKind

    a = Organization(kind=OrgKind.GYOSEISHOSHI, name="甲行政書士事務所", registration_number="1")
    b = Organization(kind=OrgKind.GYOSEISHOSHI_CORP, name="乙行政書士法人", registration_number="2")
    r = Organization(kind=OrgKind.REQUESTER, name="丙モータース")
    db.session.add_all([a, b, r])
    db.session.flush()
    for org in (a, b, r):
        db.session.add(Branch(org_id=org.id, name="本店", kei_manager_name="管理業者"))
    db.session.add(AgentRequesterLink(agent_org_id=a.id, requester_org_id=r.id))
    staff_a = _users(db, a, ["山田", "佐藤", "鈴木"], "staff")
    admin_a = _users(db, a, ["管理者"], "admin")
    staff_b = _users(db, b, ["田中"], "staff")
    staff_r = _users(db, r, ["高橋"], "staff")
    db.session.commit()
    return {"a": a, "b": b, "r": r, "staff_a": staff_a, "admin_a": admin_a[0],
            "staff_b": staff_b, "staff_r": staff_r}


def _payloads():
    from forms import specs

    return {s.code: (s.backend, s.example_payload()) for s in specs.ALL}


def _fees(backend: str) -> list[dict]:
    if backend == "kei":
        return [{"code": "kei_inspection_fee", "label": "軽自動車検査手数料", "amount": 1200,
                 "money": "general", "paid_via": "matome", "paid_at": None},
                {"code": "weight_tax", "label": "自動車重量税", "amount": 6600,
                 "money": "national", "paid_via": "direct", "paid_at": None}]
    return [{"code": "registration_fee", "label": "登録手数料", "amount": 500,
             "money": "national", "paid_via": "direct", "paid_at": None},
            {"code": "tech_info_fee", "label": "技術情報管理手数料", "amount": 400,
             "money": "general", "paid_via": "matome", "paid_at": None}]


def _flags(rnd, backend: str) -> dict:
    item = {"title": "お知らせ", "body": "書類の確認をお願いします。",
            "at": "2026-01-01T10:00:00+09:00"}
    codes = ("message", "notice", "deadline") if backend == "kei" else ("message", "notice")
    return {c: {"items": [item] if rnd.random() < 0.08 else []} for c in codes}


def row(rnd, n, org_id, agent_id, requester_id, creator_id, payloads, procedures):
    from portal.models import ApplicationState
    from portal.models import Backend

    code = rnd.choice(procedures)
    backend, payload = payloads[code]
    state, oss, _ = rnd.choices(STATE_MIX, weights=[w for *_, w in STATE_MIX])[0]
    days = 680  # finished work is older; what is in flight was sent in the last two weeks
    recent = state not in ("draft", "completed", "rejected", "withdrawn")
    first, last = (days - 14, days) if recent else (0, days - 30)
    created = START + timedelta(minutes=rnd.randrange(60 * 24 * first, 60 * 24 * last))
    sent = oss != "" or state == "sending"
    submitted = created + timedelta(hours=rnd.uniform(0.1, 48)) if sent else None
    accepted = (submitted + timedelta(hours=rnd.uniform(0.5, 30))
                if oss not in ("", "到達") else None)
    completed = accepted + timedelta(hours=rnd.uniform(20, 300)) if oss == "手続完了" else None
    reg = f"{rnd.choice(OFFICES)} {rnd.randint(300, 599)} {rnd.choice(KANA)} {n % 10000:04d}"
    chassis = f"{rnd.choice(MAKERS)}-{n:07d}"
    return {
        "org_id": org_id, "agent_org_id": agent_id, "requester_org_id": requester_id,
        "procedure": code, "backend": Backend(backend), "payload": payload,
        "state": ApplicationState(state),
        "hybrid": False, "registration_no": reg, "chassis_no": chassis,
        "owner_name": "山田　太郎", "return_comment": "", "oss_status": oss,
        "oss_status_at": (completed or accepted or submitted) if oss else None,
        "arrival_number": f"2026{n:013d}" if sent else "",
        "receipt_number": f"2026{n:07d}" if accepted else "",
        "flags": _flags(rnd, backend) if sent else {}, "fees": _fees(backend) if sent else [],
        "oss_detail": {}, "suspend_reserved": False, "submitted_at": submitted,
        "accepted_at": accepted, "completed_at": completed, "created_by_id": creator_id,
        "updated_by_id": creator_id, "created_at": created,
        "updated_at": completed or accepted or submitted or created,
    }


def applications(db, world, total: int, share_a: float = 0.9, seed: int = 5, chunk: int = 5000):
    """Insert ``total`` applications; return how many belong to 甲 (own + requests)."""
    from forms import specs
    from portal.models import Application

    rnd = random.Random(seed)
    payloads = _payloads()
    procedures = [s.code for s in specs.ALL]
    a, b, r = world["a"].id, world["b"].id, world["r"].id
    staff_a = [u.id for u in world["staff_a"]]
    table = Application.__table__
    batch, for_a = [], 0
    for n in range(1, total + 1):
        pick = rnd.random()
        if pick < share_a * 0.9:
            values = (a, a, None, rnd.choice(staff_a))
        elif pick < share_a:
            values = (r, a, r, world["staff_r"][0].id)
        else:
            values = (b, b, None, world["staff_b"][0].id)
        for_a += values[1] == a
        batch.append(row(rnd, n, *values, payloads, procedures))
        if len(batch) == chunk:
            db.session.execute(sa.insert(table), batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(table), batch)
    db.session.commit()
    return for_a
