"""HTTP client of the OSS bulk interface (our documented protocol, docs/oss-protocol.md).

Every call has explicit connect and read timeouts and no automatic retries:
the caller decides, using the error classes of ``oss.errors``. Submissions
always carry an idempotency key; OSS answers the same key with the same
到達番号 and never files a second application, and ``status(idempotency_key=...)``
tells an unknown outcome apart from "never arrived".
"""

import base64
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError
from urllib3.exceptions import NewConnectionError

from oss.errors import OssNotSent
from oss.errors import OssOutcomeUnknown
from oss.errors import OssProtocolError
from oss.errors import OssRejected
from oss.errors import rejected
from oss.status import ApplicationStatus
from oss.status import Fee
from oss.status import Suspension

XML_TYPE = "application/xml; charset=utf-8"


@dataclass(frozen=True)
class Timeouts:
    connect: float = 3.05
    read: float = 10.0


@dataclass(frozen=True)
class Receipt:
    """OSS's answer to a submission."""

    arrival_number: str
    status: str
    received_at: str
    idempotency_key: str
    duplicate: bool  # True: the key was known and the earlier application is returned


@dataclass(frozen=True)
class BatchItem:
    """One document of a batch submission: its receipt, or why OSS refused it."""

    idempotency_key: str
    receipt: Receipt | None
    error: OssRejected | None


@dataclass(frozen=True)
class ReceiptList:
    identification_number: str
    bulk_user_id: str
    receipt_numbers: tuple[str, ...]
    created_at: str
    duplicate: bool = False


@dataclass(frozen=True)
class Payment:
    arrival_number: str
    paid: tuple[Fee, ...]       # paid by this request (national money only)
    remaining: tuple[Fee, ...]  # still to pay by まとめ納付 on the OSS portal


@dataclass(frozen=True)
class BatchStatus:
    found: dict[str, ApplicationStatus]  # by 到達番号
    missing_arrival_numbers: tuple[str, ...]
    missing_keys: tuple[str, ...]

    def by_key(self, key: str) -> ApplicationStatus | None:
        return next((s for s in self.found.values() if s.idempotency_key == key), None)


def _not_connected(exc: requests.ConnectionError) -> bool:
    """True when the connection was never made, so nothing was sent."""
    seen = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, NewConnectionError | ConnectTimeoutError | ConnectionRefusedError):
            return True
        stack.extend([getattr(item, "reason", None), item.__cause__, item.__context__,
                      *[a for a in getattr(item, "args", ()) if isinstance(a, BaseException)]])
    return False


class OssClient:
    """Talk to one OSS back-end (``…/mlit`` or ``…/kei``)."""

    def __init__(self, base_url: str, *, timeouts: Timeouts = Timeouts(),
                 session: requests.Session | None = None, user_agent: str = "ossdesk/0.1"):
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts
        self.session = session or requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=0))
        self.session.mount("https://", HTTPAdapter(max_retries=0))
        self.session.headers["User-Agent"] = user_agent

    @staticmethod
    def url_in(config: Mapping, backend: str) -> str:
        """The OSS address of ``backend`` ("mlit" | "kei") in the portal configuration."""
        return config["OSS_MLIT_URL"] if backend == "mlit" else config["OSS_KEI_URL"]

    @classmethod
    def from_config(cls, config: Mapping, backend: str, **kwargs) -> "OssClient":
        """Build from the portal configuration (``OSS_MLIT_URL``/``OSS_KEI_URL``, timeouts)."""
        url = cls.url_in(config, backend)
        timeouts = Timeouts(connect=float(config.get("OSS_CONNECT_TIMEOUT", 3.05)),
                            read=float(config.get("OSS_TIMEOUT", 10.0)))
        return cls(url, timeouts=timeouts, **kwargs)

    def close(self) -> None:
        self.session.close()

    # --- transport ------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, data: bytes | None = None,
                 json: dict | None = None, params: dict | None = None,
                 key: str | None = None) -> dict:
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = XML_TYPE
        if key:
            headers["Idempotency-Key"] = key
        url = f"{self.base_url}{path}"
        try:
            resp = self.session.request(method, url, data=data, json=json, params=params,
                                        headers=headers, allow_redirects=False,
                                        timeout=(self.timeouts.connect, self.timeouts.read))
        except requests.ConnectTimeout as exc:
            raise OssNotSent("OSSに接続できませんでした(接続タイムアウト・未送信)。") from exc
        except requests.ReadTimeout as exc:
            raise OssOutcomeUnknown("OSSからの応答がタイムアウトしました。送信結果は照会で確認します。") from exc
        except requests.ConnectionError as exc:
            if _not_connected(exc):
                raise OssNotSent("OSSに接続できませんでした(未送信)。") from exc
            raise OssOutcomeUnknown("OSSとの通信が途中で切れました。送信結果は照会で確認します。") from exc
        except requests.RequestException as exc:
            raise OssOutcomeUnknown(f"OSSとの通信に失敗しました({type(exc).__name__})。") from exc
        return self._answer(resp)

    def _answer(self, resp: requests.Response) -> dict:
        try:
            body = resp.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if resp.status_code >= 500:
            code = error.get("code", "") if isinstance(error, dict) else ""
            raise OssOutcomeUnknown(
                f"OSSでエラーが発生しました(HTTP {resp.status_code})。送信結果は照会で確認します。",
                code=code, http_status=resp.status_code)
        if resp.status_code >= 400:
            if not isinstance(error, dict) or "code" not in error:
                raise OssProtocolError(f"OSSの応答を読めません(HTTP {resp.status_code})。",
                                       http_status=resp.status_code)
            raise rejected(error["code"], error.get("message", ""), resp.status_code,
                           error.get("details"))
        if not isinstance(body, dict) or not 200 <= resp.status_code < 300:
            raise OssProtocolError(f"OSSの応答を読めません(HTTP {resp.status_code})。",
                                   http_status=resp.status_code)
        return body

    @staticmethod
    def _parse(factory, body):
        try:
            return factory(body)
        except (KeyError, TypeError, ValueError) as exc:
            raise OssProtocolError(f"OSSの応答の形式が想定と違います({exc})。") from exc

    # --- operations -----------------------------------------------------------------------

    def submit(self, document: bytes, *, idempotency_key: str) -> Receipt:
        """Send a signed application; return its 到達番号."""
        body = self._request("POST", "/applications", data=document, key=idempotency_key)
        return self._parse(_receipt, body)

    def submit_many(self, documents: Iterable[tuple[str, bytes]]) -> list[BatchItem]:
        """Send up to 100 signed applications in one request: ``[(idempotency key, document)]``.

        Each document is filed (or found under its key) on its own; a refusal of
        one does not affect the others. Transport errors and 5xx concern the whole
        batch (``OssNotSent`` / ``OssOutcomeUnknown``): resolve each key by status.
        """
        payload = {"documents": [{"idempotency_key": key,
                                  "document": base64.b64encode(doc).decode("ascii")}
                                 for key, doc in documents]}
        body = self._request("POST", "/applications/batch", json=payload)
        return self._parse(lambda b: [_batch_item(item) for item in b["results"]], body)

    def resubmit(self, arrival_number: str, document: bytes, *, idempotency_key: str) -> Receipt:
        """再申請: send a signed application again after the earlier one was 却下."""
        body = self._request("POST", f"/applications/{arrival_number}/resubmission",
                             data=document, key=idempotency_key)
        return self._parse(_receipt, body)

    def status(self, arrival_number: str | None = None, *,
               idempotency_key: str | None = None) -> ApplicationStatus:
        """Status by 到達番号 or by our idempotency key.

        :raises OssNotFound: OSS has no application under that reference (for a
            key: the submission never arrived, so sending it again is safe).
        """
        if bool(arrival_number) == bool(idempotency_key):
            raise ValueError("give exactly one of arrival_number and idempotency_key")
        if arrival_number:
            body = self._request("GET", f"/applications/{arrival_number}")
        else:
            body = self._request("GET", "/applications", params={"key": idempotency_key})
        return self._parse(ApplicationStatus.from_json, body)

    def statuses(self, arrival_numbers: Iterable[str] = (),
                 idempotency_keys: Iterable[str] = ()) -> BatchStatus:
        """Status of many applications in one request (at most 500 references)."""
        body = self._request("POST", "/applications/status", json={
            "arrival_numbers": list(arrival_numbers), "keys": list(idempotency_keys)})
        return self._parse(_batch, body)

    def send_receipt_list(self, bulk_user_id: str, receipt_numbers: Iterable[str], *,
                          idempotency_key: str) -> ReceiptList:
        """Send a 受付番号リスト; return its 識別番号."""
        body = self._request("POST", "/receipt-lists", key=idempotency_key, json={
            "bulk_user_id": bulk_user_id, "receipt_numbers": list(receipt_numbers)})
        return self._parse(_receipt_list, body)

    def receipt_list(self, identification_number: str) -> ReceiptList:
        return self._parse(_receipt_list,
                           self._request("GET", f"/receipt-lists/{identification_number}"))

    def reserve_suspension(self, arrival_number: str) -> Suspension:
        """中断予約: takes effect when the application reaches its next checkpoint."""
        body = self._request("POST", f"/applications/{arrival_number}/suspension")
        return self._parse(lambda b: Suspension.from_json(b["suspension"]), body)

    def cancel_suspension(self, arrival_number: str) -> Suspension:
        """Cancel a reservation, or resume an application that is 中断."""
        body = self._request("DELETE", f"/applications/{arrival_number}/suspension")
        return self._parse(lambda b: Suspension.from_json(b["suspension"]), body)

    def withdraw(self, arrival_number: str) -> ApplicationStatus:
        """取下げ."""
        body = self._request("POST", f"/applications/{arrival_number}/withdrawal")
        return self._parse(ApplicationStatus.from_json, body)

    def request_direct_payment(self, arrival_number: str,
                               fee_codes: Iterable[str] | None = None) -> Payment:
        """ダイレクト納付 of national money (all unpaid national fees when none are named)."""
        payload = {"fees": list(fee_codes)} if fee_codes is not None else {}
        body = self._request("POST", f"/applications/{arrival_number}/direct-payment",
                             json=payload)
        return self._parse(_payment, body)

    def procedures(self) -> dict:
        """The back-end's procedures: flow, 中断 checkpoints, fees (published by OSS)."""
        return self._request("GET", "/procedures")


def _receipt(body: dict) -> Receipt:
    return Receipt(arrival_number=body["arrival_number"], status=body["status"],
                   received_at=body["received_at"], idempotency_key=body["idempotency_key"],
                   duplicate=bool(body.get("duplicate", False)))


def _batch_item(item: dict) -> BatchItem:
    error = item.get("error")
    if error is not None:
        return BatchItem(item["idempotency_key"], None,
                         rejected(error["code"], error.get("message", ""), int(item["status"]),
                                  error.get("details")))
    return BatchItem(item["idempotency_key"], _receipt(item), None)


def _receipt_list(body: dict) -> ReceiptList:
    return ReceiptList(identification_number=body["identification_number"],
                       bulk_user_id=body["bulk_user_id"],
                       receipt_numbers=tuple(body["receipt_numbers"]),
                       created_at=body["created_at"], duplicate=bool(body.get("duplicate")))


def _payment(body: dict) -> Payment:
    return Payment(arrival_number=body["arrival_number"],
                   paid=tuple(Fee.from_json(f) for f in body["paid"]),
                   remaining=tuple(Fee.from_json(f) for f in body["remaining"]))


def _batch(body: dict) -> BatchStatus:
    found = {}
    for item in body["results"]:
        status = ApplicationStatus.from_json(item)
        found[status.arrival_number] = status
    return BatchStatus(found=found,
                       missing_arrival_numbers=tuple(body.get("missing_arrival_numbers", ())),
                       missing_keys=tuple(body.get("missing_keys", ())))
