"""The HTTP interface of one simulated back-end (mounted at /mlit and /kei)."""

import base64
import json
import re
import sqlite3
import time
from datetime import UTC
from datetime import datetime

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.routing import Rule
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from oss.simulator import render
from oss.simulator.clock import JST
from oss.simulator.flow import FlowError
from oss.simulator.intake import SimError
from oss.simulator.intake import peek_key_and_body
from oss.simulator.intake import receive
from oss.simulator.lists import list_json
from oss.simulator.lists import register_list
from oss.simulator.procedures import PROFILES
from oss.status import DIRECT_PAYABLE
from oss.status import RECEPTION
from oss.status import REJECTED
from oss.status import TERMINAL
from oss.xmlsafe import MAX_DOCUMENT_BYTES

KEY_RE = re.compile(r"[A-Za-z0-9_\-]{16,64}")
MAX_BATCH = 500
MAX_SUBMIT_BATCH = 100

R = Rule
URLS = Map([
    R("/healthz", endpoint="healthz", methods=["GET"]),
    R("/", endpoint="page", methods=["GET"]),
    R("/procedures", endpoint="procedures", methods=["GET"]),
    R("/applications", endpoint="submit", methods=["POST"]),
    R("/applications/batch", endpoint="submit_batch", methods=["POST"]),
    R("/applications", endpoint="status_by_key", methods=["GET"]),
    R("/applications/status", endpoint="status_batch", methods=["POST"]),
    R("/applications/<arrival>", endpoint="status", methods=["GET"]),
    R("/applications/<arrival>/resubmission", endpoint="resubmit", methods=["POST"]),
    R("/applications/<arrival>/suspension", endpoint="reserve", methods=["POST"]),
    R("/applications/<arrival>/suspension", endpoint="cancel", methods=["DELETE"]),
    R("/applications/<arrival>/withdrawal", endpoint="withdraw", methods=["POST"]),
    R("/applications/<arrival>/direct-payment", endpoint="direct_payment", methods=["POST"]),
    R("/receipt-lists", endpoint="receipt_list", methods=["POST"]),
    R("/receipt-lists/<ident>", endpoint="receipt_list_get", methods=["GET"]),
    R("/portal/applications/<arrival>/correction", endpoint="portal_correct", methods=["POST"]),
    R("/portal/applications/<arrival>/matome-payment", endpoint="portal_pay", methods=["POST"]),
    R("/portal/applications/<arrival>/documents", endpoint="portal_documents", methods=["POST"]),
])

# Endpoint -> operation name (fault injection and the request log use these).
OPS = {"submit": "submit", "submit_batch": "submit", "resubmit": "resubmit", "status": "status",
       "status_by_key": "status", "status_batch": "status", "receipt_list": "receipt_list",
       "receipt_list_get": "receipt_list_get", "reserve": "suspension",
       "cancel": "suspension", "withdraw": "withdraw", "direct_payment": "direct_payment",
       "portal_correct": "portal", "portal_pay": "portal", "portal_documents": "portal",
       "procedures": "procedures"}


def json_response(data: dict, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status,
                    mimetype="application/json")


def error_response(code: str, message: str, status: int, details=None) -> Response:
    return json_response({"error": {"code": code, "message": message,
                                    "details": details or []}}, status)


def _not_found(what: str) -> SimError:
    return SimError("OSS-404", f"{what}が見つかりません。", 404)


class BackendApi:
    def __init__(self, backend: str, sim):
        self.backend = backend
        self.sim = sim

    # --- dispatch, faults and the request log -------------------------------------------

    def __call__(self, environ, start_response):
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            endpoint, args = URLS.bind_to_environ(request.environ).match()
        except HTTPException as exc:
            return error_response("OSS-400", "そのURLはありません。", exc.code or 404)
        if endpoint in ("healthz", "page"):
            return getattr(self, endpoint)(request)
        op = OPS[endpoint]
        started = time.perf_counter()
        latency, fault = self.sim.faults.draw(op)
        if latency:
            time.sleep(latency)
        if fault == "error_before":
            resp = error_response("OSS-901", "OSSが一時的に利用できません。", 503)
        else:
            resp = self._handle(endpoint, request, args)
            if fault == "error_after":
                resp = error_response("OSS-900", "OSSの内部でエラーが発生しました。", 500)
            elif fault == "timeout":
                time.sleep(self.sim.faults.config.hang_seconds)
        self._log(op, request, resp, fault, started)
        return resp

    def _handle(self, endpoint: str, request: Request, args: dict) -> Response:
        try:
            return getattr(self, endpoint)(request, **args)
        except SimError as exc:
            return error_response(exc.code, exc.message, exc.status, exc.details)
        except FlowError as exc:
            return error_response(exc.code, exc.message, 409)

    def _log(self, op, request, resp, fault, started) -> None:
        """One row per request; a batch submission gives one row per document in it."""
        code = ""
        if resp.status_code >= 400:
            code = json.loads(resp.get_data()).get("error", {}).get("code", "")
        items = request.environ.get("ossdesk.items")
        if items is None or fault == "error_before":
            items = [(request.headers.get("Idempotency-Key"), resp.status_code, code)]
        elif fault == "error_after":
            items = [(key, resp.status_code, code) for key, _, _ in items]
        now, duration = self.sim.clock.now(), (time.perf_counter() - started) * 1000
        with self.sim.store.transaction() as tx:
            for key, status, error_code in items:
                tx.log_request(backend=self.backend, op=op, method=request.method,
                               path=request.path[:200], idempotency_key=key, http_status=status,
                               error_code=error_code, fault=fault, at=now, duration_ms=duration)

    # --- helpers ----------------------------------------------------------------------------

    def _key(self, request: Request) -> str:
        key = request.headers.get("Idempotency-Key", "")
        if not KEY_RE.fullmatch(key):
            raise SimError("OSS-401", "Idempotency-Key(16〜64文字の英数字・-・_)が必要です。", 400)
        return key

    def _json(self, request: Request) -> dict:
        try:
            data = json.loads(request.get_data() or b"{}")
        except ValueError as exc:
            raise SimError("OSS-400", "リクエストのJSONを読めません。", 400) from exc
        if not isinstance(data, dict):
            raise SimError("OSS-400", "リクエストのJSONはオブジェクトにしてください。", 400)
        return data

    def _document(self, request: Request) -> bytes:
        if (request.content_length or 0) > MAX_DOCUMENT_BYTES:
            raise SimError("OSS-105", "申請データが大きすぎます。", 413)
        return request.get_data()

    def _app(self, tx, arrival: str):
        app = tx.app_by_arrival(self.backend, arrival)
        if app is None:
            raise _not_found(f"到達番号 {arrival} の申請")
        self._advance(tx, app)
        return app

    def _advance(self, tx, app) -> None:
        if self.sim.flow.advance(tx, app, self.sim.clock.now()):
            tx.save(app)

    def _status(self, tx, app, status: int = 200) -> Response:
        return json_response(render.status_json(tx, self.sim.flow, app), status)

    # --- endpoints --------------------------------------------------------------------------

    def healthz(self, request):
        return json_response({"status": "ok", "backend": self.backend,
                              "mode": self.sim.config.mode})

    def page(self, request):
        return Response(self.sim.page(self.backend), mimetype="text/html")

    def procedures(self, request):
        today = datetime.fromtimestamp(self.sim.clock.now(), JST).date()
        items = [{**p.to_json(), "fees": self.sim.fees.lines(p.code, today)}
                 for p in PROFILES.values() if p.backend == self.backend]
        return json_response({"backend": self.backend, "procedures": items})

    def submit(self, request):
        answer, status = self._accept(self._document(request), self._key(request), None)
        return json_response(answer, status)

    def submit_batch(self, request):
        """Several signed documents in one request, each with its own key and answer.

        Every document is checked first, outside any lock; those that pass are
        filed in one transaction (a savepoint each, so a key that raced in from
        another request answers as a duplicate without undoing the others).
        """
        items = self._json(request).get("documents")
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_SUBMIT_BATCH:
            raise SimError("OSS-400", f"documents には1〜{MAX_SUBMIT_BATCH}件の申請データを指定してください。",
                           400)
        answers: list = [None] * len(items)
        keys: list[str] = []
        to_file: list[tuple[int, object, bytes]] = []
        now = self.sim.clock.now()
        for index, item in enumerate(items):
            key = str(item.get("idempotency_key", "")) if isinstance(item, dict) else ""
            keys.append(key)
            try:
                if not KEY_RE.fullmatch(key):
                    raise SimError("OSS-401", "Idempotency-Key(16〜64文字の英数字・-・_)が必要です。", 400)
                try:
                    data = base64.b64decode(item.get("document", ""), validate=True)
                except (ValueError, TypeError) as exc:
                    raise SimError("OSS-400", "document はBase64で指定してください。", 400) from exc
                checked = self._check(data, key, None, now)
                if isinstance(checked, tuple):
                    answers[index] = checked  # filed before under this key
                else:
                    to_file.append((index, checked, data))
            except SimError as exc:
                answers[index] = exc
        if to_file:
            self._file_many(to_file, now, answers)
        results, logged = [], []
        for key, answer in zip(keys, answers, strict=True):
            if isinstance(answer, SimError):
                error = {"code": answer.code, "message": answer.message, "details": answer.details}
                results.append({"status": answer.status, "idempotency_key": key, "error": error})
                logged.append((key, answer.status, answer.code))
            else:
                body, status = answer
                results.append({"status": status, **body})
                logged.append((key, status, ""))
        request.environ["ossdesk.items"] = logged
        return json_response({"results": results})

    def _file_many(self, to_file, now: float, answers: list, original=None) -> None:
        """File checked documents ``[(index, intake, data)]`` in one transaction, each
        answer (or ``SimError``) at its index in ``answers``."""
        with self.sim.store.transaction() as tx:
            for index, intake, data in to_file:
                tx.conn.execute("SAVEPOINT document")
                try:
                    answers[index] = self._file(tx, intake, data, now, original)
                except sqlite3.IntegrityError:  # the same key raced in: answer with the winner
                    tx.conn.execute("ROLLBACK TO document")
                    try:
                        answers[index] = self._duplicate(tx.app_by_key(self.backend, intake.key),
                                                         data)
                    except SimError as exc:
                        answers[index] = exc
                except SimError as exc:
                    tx.conn.execute("ROLLBACK TO document")
                    answers[index] = exc
                tx.conn.execute("RELEASE document")

    def resubmit(self, request, arrival):
        key, data = self._key(request), self._document(request)
        with self.sim.store.transaction() as tx:
            original = self._app(tx, arrival)
            if tx.app_by_key(self.backend, key) is None:
                if original.status != REJECTED:
                    raise FlowError("OSS-503", "却下された申請だけが再申請できます。")
                again = tx.conn.execute(
                    "SELECT arrival_number FROM application WHERE resubmission_of = ?",
                    (original.arrival_number,)).fetchone()
                if again is not None:
                    raise FlowError("OSS-508", f"この申請は既に再申請されています(到達番号 "
                                    f"{again['arrival_number']})。")
        answer, status = self._accept(data, key, original)
        return json_response(answer, status)

    def _accept(self, data: bytes, key: str, original) -> tuple[dict, int]:
        """File a document (or find the one filed under ``key``): (receipt, HTTP status)."""
        now = self.sim.clock.now()
        checked = self._check(data, key, original, now)
        if isinstance(checked, tuple):
            return checked
        answers: list = [None]
        self._file_many([(0, checked, data)], now, answers, original)
        if isinstance(answers[0], SimError):
            raise answers[0]
        return answers[0]

    def _check(self, data: bytes, key: str, original, now: float):
        """The answer for a key filed before, or the checked document (``Intake``) to file.

        :raises SimError: the document is refused.
        """
        existing = self.sim.store.read().app_by_key(self.backend, key)
        if existing is not None:
            return self._duplicate(existing, data)
        intake = receive(data, backend=self.backend, key=key, schemas=self.sim.schemas,
                         issuers=self.sim.issuers, now=datetime.fromtimestamp(now, UTC))
        if original is not None and intake.procedure != original.procedure:
            raise SimError("OSS-104", "再申請は元の申請と同じ手続で行ってください。")
        return intake

    def _file(self, tx, intake, data: bytes, now: float, original) -> tuple[dict, int]:
        fees = self.sim.fees.lines(intake.procedure, datetime.fromtimestamp(now, JST).date())
        app = tx.insert_app(self._row(tx, intake, data, now, original), fees)
        self.sim.flow.start(app, now)
        tx.save(app)
        return render.receipt_json(app, duplicate=False), 201

    def _row(self, tx, intake, data: bytes, now: float, original) -> dict:
        prefix = "1" if self.backend == "mlit" else "2"
        serial = tx.next_number(f"arrival-{self.backend}")
        day = datetime.fromtimestamp(now, JST)
        return {"backend": self.backend, "arrival_number": f"{day:%Y%m%d}{prefix}{serial:08d}",
                "idempotency_key": intake.key, "procedure": intake.procedure,
                "bulk_user_id": intake.bulk_user_id, "agent_name": intake.agent_name,
                "agent_kind": intake.agent_kind, "cert_subject": intake.cert_subject,
                "cert_serial": intake.cert_serial, "cert_type": intake.cert_type,
                "doc_digest": intake.doc_digest, "body_digest": intake.body_digest,
                "marker": intake.marker.value if intake.marker else None, "status": "",
                "received_at": now, "updated_at": now, "document": data,
                "resubmission_of": original.arrival_number if original is not None else None}

    def _duplicate(self, existing, data: bytes) -> tuple[dict, int]:
        if peek_key_and_body(data) != existing.body_digest:
            raise SimError("OSS-410", "この送信キーは別の申請データで既に使われています。", 409)
        return render.receipt_json(existing, duplicate=True), 200

    def status(self, request, arrival):
        with self.sim.store.transaction() as tx:
            return self._status(tx, self._app(tx, arrival))

    def status_by_key(self, request):
        key = request.args.get("key", "")
        with self.sim.store.transaction() as tx:
            app = tx.app_by_key(self.backend, key)
            if app is None:
                raise _not_found("この送信キーの申請")
            self._advance(tx, app)
            return self._status(tx, app)

    def status_batch(self, request):
        body = self._json(request)
        numbers, keys = list(body.get("arrival_numbers", [])), list(body.get("keys", []))
        if len(numbers) + len(keys) > MAX_BATCH:
            raise SimError("OSS-400", f"一度に照会できるのは{MAX_BATCH}件までです。", 400)
        results, missing_numbers, missing_keys = {}, [], []
        with self.sim.store.transaction() as tx:
            for ref, find, missing in ((numbers, tx.app_by_arrival, missing_numbers),
                                       (keys, tx.app_by_key, missing_keys)):
                for value in ref:
                    app = find(self.backend, str(value))
                    if app is None:
                        missing.append(value)
                    elif app.arrival_number not in results:
                        self._advance(tx, app)
                        results[app.arrival_number] = render.status_json(tx, self.sim.flow, app)
        return json_response({"results": list(results.values()),
                              "missing_arrival_numbers": missing_numbers,
                              "missing_keys": missing_keys})

    def receipt_list(self, request):
        key, body = self._key(request), self._json(request)
        with self.sim.store.transaction() as tx:
            data, created = register_list(self, tx, key, body)
        return json_response(data, 201 if created else 200)

    def receipt_list_get(self, request, ident):
        with self.sim.store.transaction() as tx:
            row = tx.conn.execute("SELECT * FROM receipt_list WHERE backend = ? AND "
                                  "identification_number = ?", (self.backend, ident)).fetchone()
            if row is None:
                raise _not_found(f"識別番号 {ident} の受付番号リスト")
            return json_response(list_json(tx, row))

    def _change(self, arrival: str, action) -> Response:
        with self.sim.store.transaction() as tx:
            app = self._app(tx, arrival)
            action(app, self.sim.clock.now())
            tx.save(app)
            return self._status(tx, app)

    def reserve(self, request, arrival):
        return self._change(arrival, self.sim.flow.reserve_suspension)

    def cancel(self, request, arrival):
        return self._change(arrival, self.sim.flow.cancel_suspension)

    def withdraw(self, request, arrival):
        return self._change(arrival, self.sim.flow.withdraw)

    def portal_correct(self, request, arrival):
        return self._change(arrival, self.sim.flow.correct)

    def portal_pay(self, request, arrival):
        def pay(app, now):
            self.sim.flow.pay(app, [f for f in app.fees if not f["paid_via"]], "matome", now)
        return self._change(arrival, pay)

    def portal_documents(self, request, arrival):
        with self.sim.store.transaction() as tx:
            app = self._app(tx, arrival)
            if app.status != RECEPTION or app.waiting != "paper":
                raise FlowError("OSS-507", "受付番号リストの送信後、書類の提出を待っている申請ではありません。")
            app.next_at = self.sim.clock.now()
            self._advance(tx, app)
            return self._status(tx, app)

    def direct_payment(self, request, arrival):
        codes = self._json(request).get("fees")
        with self.sim.store.transaction() as tx:
            app = self._app(tx, arrival)
            if app.status in TERMINAL:
                raise FlowError("OSS-505", f"「{app.status}」の申請には納付できません。")
            on_app = {f["code"]: f for f in app.fees}
            if codes is not None:
                unknown = [c for c in codes if c not in on_app]
                if unknown:
                    raise SimError("OSS-431", "この申請にない料金です。", 422, unknown)
                local = [c for c in codes if on_app[c]["money"] not in DIRECT_PAYABLE]
                if local:
                    raise SimError("OSS-430", "ダイレクト納付できるのは国庫金(登録・検査手数料、自動車重量税)だけです。"
                                   "その他の料金はOSSポータルでまとめ納付してください。", 422, local)
            wanted = codes if codes is not None else list(on_app)
            targets = [on_app[c] for c in wanted if not on_app[c]["paid_via"]
                       and on_app[c]["money"] in DIRECT_PAYABLE]
            self.sim.flow.pay(app, targets, "direct", self.sim.clock.now())
            tx.save(app)
            return json_response({
                "arrival_number": app.arrival_number,
                "paid": [render.fee_json(f) for f in app.fees if f["paid_via"] == "direct"],
                "remaining": [render.fee_json(f) for f in app.fees if not f["paid_via"]]})

