"""WSGI assembly of the simulator: /mlit and /kei back-ends plus /_sim control endpoints.

The control endpoints exist for tests and demos (the simulator listens on
loopback only): counts of requests and applications (to prove there are no
duplicates), the request log, fault settings, the clock offset and a reset.
"""

import json

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from oss.certtypes import IssuerTable
from oss.simulator import render
from oss.simulator.api import BackendApi
from oss.simulator.api import error_response
from oss.simulator.api import json_response
from oss.simulator.clock import Clock
from oss.simulator.clock import iso
from oss.simulator.config import FaultConfig
from oss.simulator.config import SimConfig
from oss.simulator.faults import Faults
from oss.simulator.flow import Durations
from oss.simulator.flow import Flow
from oss.simulator.procedures import FeeTable
from oss.simulator.store import Store
from oss.xsd import SchemaSet

BACKENDS = {"mlit": "国土交通省OSS(シミュレータ)", "kei": "軽自動車OSS(シミュレータ)"}


class Simulator:
    """Everything one simulator process shares between requests."""

    def __init__(self, config: SimConfig):
        self.config = config
        self.store = Store(config.db_path)
        self.clock = Clock(realistic=not config.fast)
        self.flow = Flow(self.clock, Durations.for_config(config), config.auto_pay_on)
        self.schemas = SchemaSet(config.schema_dir)
        self.issuers = IssuerTable.from_directory(config.issuer_dir)
        self.fees = FeeTable()
        self.faults = Faults(config.faults)

    def advance_due(self, limit: int = 2000) -> int:
        """Bring applications whose next step is due up to date (for lists and counts)."""
        now = self.clock.now()
        rows = self.store.read().conn.execute(
            "SELECT backend, arrival_number FROM application WHERE next_at <= ? LIMIT ?",
            (now, limit)).fetchall()
        for start in range(0, len(rows), 200):
            with self.store.transaction() as tx:
                for row in rows[start:start + 200]:
                    app = tx.app_by_arrival(row["backend"], row["arrival_number"])
                    if self.flow.advance(tx, app, now):
                        tx.save(app)
        return len(rows)

    def stats(self) -> dict:
        self.advance_due()
        conn = self.store.read().conn
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "applications": one("SELECT COUNT(*) FROM application"),
            "by_backend": {r[0]: r[1] for r in conn.execute(
                "SELECT backend, COUNT(*) FROM application GROUP BY backend")},
            "by_status": {r[0]: r[1] for r in conn.execute(
                "SELECT status, COUNT(*) FROM application GROUP BY status")},
            "requests": {r[0]: r[1] for r in conn.execute(
                "SELECT op, COUNT(*) FROM request_log GROUP BY op")},
            "faults_injected": {r[0]: r[1] for r in conn.execute(
                "SELECT fault, COUNT(*) FROM request_log WHERE fault IS NOT NULL GROUP BY fault")},
            "submission_keys": one("SELECT COUNT(DISTINCT idempotency_key) FROM request_log "
                                   "WHERE op IN ('submit', 'resubmit')"),
            "repeated_keys": one("SELECT COUNT(*) FROM (SELECT idempotency_key FROM request_log "
                                 "WHERE op IN ('submit', 'resubmit') GROUP BY idempotency_key "
                                 "HAVING COUNT(*) > 1)"),
            "duplicate_applications": one(
                "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM application "
                "WHERE resubmission_of IS NULL GROUP BY backend, body_digest HAVING n > 1)"),
            "receipt_lists": one("SELECT COUNT(*) FROM receipt_list"),
            # When the last application arrived (the simulator's clock, epoch seconds).
            "last_received_at": one("SELECT MAX(received_at) FROM application"),
        }

    def page(self, backend: str | None) -> str:
        self.advance_due()
        where = "WHERE a.backend = ?" if backend else ""
        rows = self.store.read().conn.execute(
            "SELECT a.*, (SELECT COUNT(*) FROM request_log r WHERE r.idempotency_key = "
            f"a.idempotency_key AND r.op IN ('submit', 'resubmit')) AS requests FROM application a "
            f"{where} ORDER BY a.id DESC LIMIT 200", (backend,) if backend else ()).fetchall()
        title = BACKENDS[backend] if backend else "OSSシミュレータ"
        mode = "高速モード" if self.config.fast else "実時間モード(審査は平日8:45〜17:15)"
        links = " / ".join(f'<a href="/{b}/">{render.escape(n)}</a>' for b, n in BACKENDS.items())
        body = (f"<p>{links}</p><p>動作モード: {mode}。受信した申請(新しい順、最大200件、閲覧のみ):</p>"
                + render.applications_table(rows))
        return render.page(title, body)


def _control(sim: Simulator):
    @Request.application
    def app(request: Request) -> Response:
        path, method = request.path, request.method
        if path == "/healthz":
            return json_response({"status": "ok", "mode": sim.config.mode})
        if path == "/" and method == "GET":
            return Response(sim.page(None), mimetype="text/html")
        if path == "/_sim/stats":
            return json_response(sim.stats())
        if path == "/_sim/requests":
            rows = sim.store.read().conn.execute(
                "SELECT * FROM request_log WHERE (? IS NULL OR idempotency_key = ?) "
                "ORDER BY id LIMIT 5000", (request.args.get("key"),) * 2).fetchall()
            return json_response({"requests": [{**dict(r), "at": iso(r["at"])} for r in rows]})
        if path == "/_sim/faults" and method == "POST":
            try:
                sim.faults.set(FaultConfig.from_json(json.loads(request.get_data() or b"{}")))
            except (ValueError, TypeError) as exc:
                return error_response("OSS-400", str(exc), 400)
        if path == "/_sim/faults":
            return json_response(sim.faults.config.to_json())
        if path == "/_sim/clock" and method == "POST":
            body = json.loads(request.get_data() or b"{}")
            sim.clock.advance(float(body.get("advance_seconds", 0)))
            return json_response({"now": iso(sim.clock.now()), "offset": sim.clock.offset})
        if path == "/_sim/reset" and method == "POST":
            sim.store.reset()
            return json_response({"reset": True})
        return error_response("OSS-400", "そのURLはありません。", 404)

    return app


def create_simulator(config: SimConfig | None = None):
    """Return the simulator's WSGI application (its ``.simulator`` is the shared state)."""
    sim = Simulator(config or SimConfig())
    wsgi = DispatcherMiddleware(_control(sim), {f"/{b}": BackendApi(b, sim) for b in BACKENDS})
    wsgi.simulator = sim
    return wsgi
