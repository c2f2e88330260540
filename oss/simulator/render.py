"""What the simulator answers: status documents (JSON) and the read-only HTML pages."""

from markupsafe import escape

from oss.simulator.clock import iso
from oss.simulator.procedures import PROFILES
from oss.status import FLAGS
from oss.status import TERMINAL


def fee_json(fee) -> dict:
    return {"code": fee["code"], "label": fee["label"], "amount": fee["amount"],
            "money": fee["money"], "paid_via": fee["paid_via"], "paid_at": iso(fee["paid_at"])}


def suspension_json(flow, app) -> dict:
    return {"checkpoints": list(PROFILES[app.procedure].checkpoints),
            "reserved": app.suspend_reserved_at is not None,
            "in_effect": app.status == "中断",
            "remaining_checkpoints": flow.remaining_checkpoints(app),
            "resume_to": app.resume_to if app.status == "中断" else None}


def status_json(tx, flow, app) -> dict:
    """The status document of one application (docs/oss-protocol.md, 'Status')."""
    items = tx.flag_items(app.id)
    flags = {}
    for code, (label, name) in FLAGS[app.backend].items():
        flags[code] = {"label": label, "name": name, "items": [
            {"title": i["title"], "body": i["body"], "at": iso(i["at"])}
            for i in items if i["flag"] == code]}
    listed = tx.receipt_list(app.receipt_list_id) if app.receipt_list_id else None
    return {
        "arrival_number": app.arrival_number, "receipt_number": app.receipt_number,
        "idempotency_key": app.idempotency_key, "procedure": app.procedure,
        "procedure_name": PROFILES[app.procedure].name, "backend": app.backend,
        "status": app.status, "terminal": app.status in TERMINAL, "waiting": app.waiting,
        "substeps": [{"authority": a, "label": s["label"], "status": s["status"]}
                     for a, s in app.substeps.items()],
        "flags": flags, "fees": [fee_json(f) for f in app.fees],
        "suspension": suspension_json(flow, app),
        "receipt_list": listed["identification_number"] if listed else None,
        "paper_deadline": iso(app.deadline_at), "next_step_at": iso(app.next_at),
        "resubmission_of": app.resubmission_of,
        "received_at": iso(app.received_at), "updated_at": iso(app.updated_at),
        "history": [{"status": e["status"], "at": iso(e["at"]), "detail": e["detail"]}
                    for e in tx.events(app.id)],
    }


def receipt_json(app, duplicate: bool) -> dict:
    return {"arrival_number": app.arrival_number, "status": app.status,
            "received_at": iso(app.received_at), "idempotency_key": app.idempotency_key,
            "duplicate": duplicate}


_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8">
<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"""


def page(title: str, body: str) -> str:
    return _PAGE.format(title=escape(title), body=body)


def applications_table(rows) -> str:
    """Read-only list of received applications (values escaped)."""
    head = ("<tr><th>到達番号</th><th>受付番号</th><th>手続</th><th>状況</th><th>一括利用者ID</th>"
            "<th>代理人</th><th>送信キー</th><th>到達日時</th><th>受信回数</th></tr>")
    cells = []
    for r in rows:
        values = (r["arrival_number"], r["receipt_number"] or "", PROFILES[r["procedure"]].name,
                  r["status"], r["bulk_user_id"], r["agent_name"], r["idempotency_key"],
                  iso(r["received_at"]), r["requests"])
        cells.append("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in values) + "</tr>")
    if not cells:
        cells.append('<tr><td colspan="9">まだ何も受信していません。</td></tr>')
    return f"<table border=\"1\">{head}{''.join(cells)}</table>"
