"""受付番号リスト: a list of receipt numbers sent before a counter visit, answered with a 識別番号."""

import hashlib
import json

from oss.simulator.clock import iso
from oss.simulator.intake import SimError
from oss.simulator.procedures import PROFILES
from oss.status import RECEPTION

MAX_LIST = 100


def _digest(bulk_user_id: str, numbers: list[str]) -> str:
    canonical = json.dumps({"bulk_user_id": bulk_user_id, "numbers": sorted(numbers)})
    return hashlib.sha256(canonical.encode()).hexdigest()


def list_json(tx, row, duplicate: bool = False) -> dict:
    numbers = [r["receipt_number"] for r in tx.conn.execute(
        "SELECT receipt_number FROM application WHERE receipt_list_id = ? ORDER BY receipt_number",
        (row["id"],))]
    return {"identification_number": row["identification_number"],
            "bulk_user_id": row["bulk_user_id"], "receipt_numbers": numbers,
            "created_at": iso(row["created_at"]), "duplicate": duplicate}


def _problems(api, tx, bulk_user_id: str, numbers: list[str]) -> tuple[list, list]:
    apps, problems = [], []
    for number in numbers:
        app = tx.app_by_receipt(api.backend, number)
        if app is None:
            problems.append(f"{number}: 受付番号が見つかりません")
            continue
        api._advance(tx, app)
        if app.bulk_user_id != bulk_user_id:
            problems.append(f"{number}: 別の一括利用者の申請です")
        elif not PROFILES[app.procedure].needs_receipt_list:
            problems.append(f"{number}: {PROFILES[app.procedure].name}は受付番号リストが不要です")
        elif app.status != RECEPTION or app.waiting != "receipt_list":
            problems.append(f"{number}: 受付番号リストに載せられる状態ではありません({app.status})")
        apps.append(app)
    return apps, problems


def register_list(api, tx, key: str, body: dict) -> tuple[dict, bool]:
    """Check and record a list; return (answer, created). Same key and content → same list."""
    bulk_user_id = str(body.get("bulk_user_id", ""))
    numbers = [str(n) for n in body.get("receipt_numbers", []) or []]
    digest = _digest(bulk_user_id, numbers)
    row = tx.conn.execute("SELECT * FROM receipt_list WHERE backend = ? AND idempotency_key = ?",
                          (api.backend, key)).fetchone()
    if row is not None:
        if row["request_digest"] != digest:
            raise SimError("OSS-410", "この送信キーは別の受付番号リストで既に使われています。", 409)
        return list_json(tx, row, duplicate=True), False
    if not bulk_user_id or not 1 <= len(numbers) <= MAX_LIST or len(set(numbers)) != len(numbers):
        raise SimError("OSS-420", f"受付番号リストには一括利用者IDと、重複のない受付番号を1〜{MAX_LIST}件"
                       "指定してください。")
    apps, problems = _problems(api, tx, bulk_user_id, numbers)
    if problems:
        raise SimError("OSS-421", "受付番号リストに載せられない申請があります。", 422, problems)
    now = api.sim.clock.now()
    ident = f"{tx.next_number(f'list-{api.backend}'):08d}"
    list_id = tx.conn.execute(
        "INSERT INTO receipt_list (backend, identification_number, bulk_user_id, idempotency_key,"
        " request_digest, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (api.backend, ident, bulk_user_id, key, digest, now)).lastrowid
    for app in apps:
        app.receipt_list_id, app.waiting = list_id, "paper"
        app.next_at = api.sim.clock.after(now, api.sim.flow.d.paper)
        app.event(now, RECEPTION, f"受付番号リスト(識別番号 {ident})に登録されました")
        app.updated_at = now
        tx.save(app)
    row = tx.conn.execute("SELECT * FROM receipt_list WHERE id = ?", (list_id,)).fetchone()
    return list_json(tx, row), True
