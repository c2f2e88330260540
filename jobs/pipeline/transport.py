"""The HTTP part of a send job: plain data in, plain results out, no database.

Nothing here touches the database, so no transaction can be held across a
call to OSS. Unresolved rows (an earlier outcome was unknown) are first looked
up by their idempotency key; only those OSS has never seen are sent again, as
the same signed bytes under the same key.
"""

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from oss.client import OssClient
from oss.client import Receipt
from oss.errors import OssError
from oss.errors import OssNotSent
from oss.errors import OssOutcomeUnknown
from oss.errors import OssRejected
from oss.status import ApplicationStatus

log = logging.getLogger(__name__)

SUBMIT_BATCH = 100   # documents per POST /applications/batch (the protocol's limit)
STATUS_BATCH = 500   # references per POST /applications/status
NOT_IN_ANSWER = "OSSの応答にこの申請が含まれていませんでした。送信結果は照会で確認します。"


@dataclass
class Outgoing:
    """One claimed submission, as plain data."""

    id: int
    application_id: int
    attempt: int
    key: str
    backend: str
    resubmit_of: str       # 到達番号 of the 却下 application for a 再申請, else ""
    document: bytes
    unresolved: bool       # the last outcome was unknown: look it up before sending


@dataclass
class Result:
    """What happened to one submission: exactly one of the fields is set."""

    sent: Receipt | None = None
    found: ApplicationStatus | None = None   # it had arrived (found by its key)
    rejected: OssRejected | None = None
    not_sent: OssNotSent | None = None
    unknown: OssError | None = None
    paused: datetime | None = None           # held back by the circuit breaker until then

    @property
    def answered(self) -> bool:
        """OSS answered about this row (whatever the answer)."""
        return bool(self.sent or self.found or self.rejected)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _lookup(client: OssClient, rows: list[Outgoing], results: dict) -> list[Outgoing]:
    """Resolve unresolved rows by key; return those OSS has never seen (to be sent again)."""
    again = []
    for part in _chunks(rows, STATUS_BATCH):
        try:
            batch = client.statuses(idempotency_keys=[r.key for r in part])
        except OssError as exc:  # cannot tell yet: stays unknown, asked again later
            for row in part:
                results[row.id] = Result(unknown=exc)
            continue
        missing = set(batch.missing_keys)
        for row in part:
            status = batch.by_key(row.key)
            if status is not None:
                results[row.id] = Result(found=status)
            elif row.key in missing:
                again.append(row)
            else:
                results[row.id] = Result(unknown=OssOutcomeUnknown(NOT_IN_ANSWER))
    return again


def _one(client: OssClient, row: Outgoing) -> Result:
    try:
        if row.resubmit_of:
            receipt = client.resubmit(row.resubmit_of, row.document, idempotency_key=row.key)
        else:
            receipt = client.submit(row.document, idempotency_key=row.key)
    except OssRejected as exc:
        return Result(rejected=exc)
    except OssNotSent as exc:
        return Result(not_sent=exc)
    except OssError as exc:
        return Result(unknown=exc)
    return Result(sent=receipt)


def _many(client: OssClient, rows: list[Outgoing], results: dict) -> None:
    for part in _chunks(rows, SUBMIT_BATCH):
        try:
            items = client.submit_many([(r.key, r.document) for r in part])
        except OssNotSent as exc:
            for row in part:
                results[row.id] = Result(not_sent=exc)
            continue
        except OssError as exc:  # the whole batch: each key is looked up later
            for row in part:
                results[row.id] = Result(unknown=exc)
            continue
        by_key = {item.idempotency_key: item for item in items}
        for row in part:
            item = by_key.get(row.key)
            if item is None:
                results[row.id] = Result(unknown=OssOutcomeUnknown(NOT_IN_ANSWER))
            elif item.error is not None:
                results[row.id] = Result(rejected=item.error)
            else:
                results[row.id] = Result(sent=item.receipt)


def deliver(rows: list[Outgoing], config: Mapping, *, batch: bool = True) -> dict[int, Result]:
    """Look up unresolved rows, send the rest; {submission id: Result}."""
    results: dict[int, Result] = {}
    by_backend: dict[str, list[Outgoing]] = defaultdict(list)
    for row in rows:
        by_backend[row.backend].append(row)
    for backend, group in by_backend.items():
        client = OssClient.from_config(config, backend)
        try:
            unresolved = [r for r in group if r.unresolved]
            to_send = [r for r in group if not r.unresolved]
            if unresolved:
                to_send += _lookup(client, unresolved, results)
            plain = [r for r in to_send if not r.resubmit_of]
            if batch and plain:
                _many(client, plain, results)
            else:
                for row in plain:
                    results[row.id] = _one(client, row)
            for row in to_send:
                if row.resubmit_of:
                    results[row.id] = _one(client, row)
        finally:
            client.close()
    return results
