"""Send a 受付番号リスト to OSS with exactly-once effect (SECURITY.md §2).

The list's idempotency key was stored with the list, before any call. The job
claims the list by compare-and-set on its lease, so two runs never send at
the same time. Outcomes:

- OSS answers with a 識別番号: 送信済.
- OSS refuses (``OssRejected``): エラー with OSS's reason per 受付番号.
- no connection (``OssNotSent``): tried again a few times, then エラー
  (nothing reached OSS, so sending again later is safe).
- unknown outcome (timeout, 5xx): resolved by querying the members' status
  (each status names the 識別番号 of the list it is on) — sent again under the
  same key only when OSS clearly has no list. If OSS cannot be asked, the list
  stays 送信中 with the reason, and a later run (再確認, or ``requeue_stale``)
  asks again before anything else.

A run after an earlier attempt (a crash, a lost job) always asks first.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from oss import client as oss_client
from oss.errors import OssError
from oss.errors import OssNotSent
from oss.errors import OssOutcomeUnknown
from oss.errors import OssRejected
from portal import audit
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationEvent
from portal.models import ListStatus
from portal.models import OssAccount
from portal.models import ReceiptList
from portal.models.base import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BACKOFF = (0.5, 1.0, 2.0)  # seconds between attempts while OSS cannot be reached


@dataclass
class Outcome:
    status: ListStatus
    remote: oss_client.ReceiptList | None = None
    code: str = ""
    message: str = ""


class Inconsistent(Exception):
    """OSS's statuses contradict the list (members on other lists, unknown numbers)."""


def enqueue_send(list_id: int) -> None:
    """Enqueue the send job (call after the commit that marked the list 送信中)."""
    from jobs.queue import enqueue

    enqueue("jobs.receipts.send_receipt_list", list_id)


@dataclass(frozen=True)
class Snapshot:
    """What one run sends, read before any call (no transaction stays open during HTTP)."""

    list_id: int
    org_id: int
    backend: str
    key: str
    attempts: int
    bulk_user_id: str
    app_ids: tuple[int, ...]
    receipt_numbers: tuple[str, ...]
    arrival_numbers: tuple[str, ...]


def _snapshot(list_id: int) -> Snapshot:
    from portal.receipts.services import members

    rl = db.session.get(ReceiptList, list_id)
    apps = members(rl)
    account = db.session.get(OssAccount, rl.oss_account_id)
    snap = Snapshot(list_id, rl.org_id, rl.backend.value, rl.idempotency_key, rl.attempts,
                    account.bulk_user_id, tuple(a.id for a in apps),
                    tuple(a.receipt_number for a in apps), tuple(a.arrival_number for a in apps))
    db.session.commit()  # end the read transaction before talking to OSS
    return snap


def send_receipt_list(list_id: int) -> str:
    """The job: deliver one 送信中 list; return its status value (or "busy")."""
    from portal.oss_actions.refresh import client_for

    if not _claim(list_id):
        return "busy"
    snap = _snapshot(list_id)
    client = client_for(snap.backend)
    try:
        outcome = _deliver(client, snap)
        _finish(snap, outcome)
        if outcome.status == ListStatus.SENT:
            _refresh_members(client, list_id)
    finally:
        client.close()
    return outcome.status.value


def _claim(list_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        sa.update(ReceiptList)
        .where(ReceiptList.id == list_id, ReceiptList.status == ListStatus.SENDING,
               sa.or_(ReceiptList.lease_until.is_(None), ReceiptList.lease_until < now))
        .values(lease_until=now + LEASE, attempts=ReceiptList.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _deliver(client, snap: Snapshot) -> Outcome:
    try:
        if snap.attempts > 1:  # an earlier run may have reached OSS: ask before sending
            found = _resolve(client, snap)
            if found is not None:
                return Outcome(ListStatus.SENT, found)
        last: OssError | None = None
        for pause in (0.0, *BACKOFF):
            time.sleep(pause)
            try:
                return Outcome(ListStatus.SENT, client.send_receipt_list(
                    snap.bulk_user_id, snap.receipt_numbers, idempotency_key=snap.key))
            except OssNotSent as exc:
                last = exc
            except OssRejected as exc:
                return Outcome(ListStatus.ERROR, code=exc.code, message=_reason(exc))
            except OssOutcomeUnknown as exc:
                last = exc
                found = _resolve(client, snap)
                if found is not None:
                    return Outcome(ListStatus.SENT, found)
                # OSS has no list for these numbers: sending again (same key) is safe
        if isinstance(last, OssNotSent):
            return Outcome(ListStatus.ERROR, code="not_sent",
                           message=f"{last.message} 時間をおいて、もう一度送信してください。")
        return _unresolved(last)
    except Inconsistent as exc:
        return Outcome(ListStatus.ERROR, code="inconsistent", message=str(exc))
    except OssError as exc:  # the status query itself failed: keep 送信中, ask again later
        return _unresolved(exc)


def _unresolved(exc: OssError | None) -> Outcome:
    detail = exc.message if exc is not None else ""
    from portal.receipts.services import UNRESOLVED

    return Outcome(ListStatus.SENDING, code=UNRESOLVED,
                   message=f"送信結果をOSSに確認できていません。{detail} "
                           "しばらくしてから「送信結果を再確認」を押してください。")


def _resolve(client, snap: Snapshot) -> oss_client.ReceiptList | None:
    """The list OSS holds for these applications, or None when it has none.

    :raises Inconsistent: numbers unknown to OSS, or members on different lists.
    """
    batch = client.statuses(arrival_numbers=snap.arrival_numbers)
    if batch.missing_arrival_numbers:
        raise Inconsistent("OSSに見つからない申請があります(到達番号 "
                           f"{'、'.join(batch.missing_arrival_numbers)})。")
    idents = {s.receipt_list for s in batch.found.values()}
    if idents == {None}:
        return None
    remote = client.receipt_list(idents.pop()) if len(idents) == 1 else None
    if remote is None or set(remote.receipt_numbers) != set(snap.receipt_numbers):
        raise Inconsistent("このリストの申請の一部が、OSSでは別の受付番号リストに載っています。"
                           "申請ごとの状況を確認し、必要な申請だけで新しいリストを作成してください。")
    return remote


def _reason(exc: OssRejected) -> str:
    details = "、".join(str(d) for d in exc.details[:20])
    return f"OSSが受付番号リストを受け付けませんでした({exc.code}): {exc.message}" + (
        f" 詳細: {details}" if details else "")


def _finish(snap: Snapshot, outcome: Outcome) -> None:
    """Store the outcome (only while the list is still 送信中) and release the lease."""
    values = {"lease_until": None, "error_code": outcome.code, "error_message": outcome.message,
              "status": outcome.status}
    if outcome.remote is not None:
        values.update(identification_number=outcome.remote.identification_number,
                      sent_at=utcnow(), error_code="", error_message="")
    result = db.session.execute(
        sa.update(ReceiptList).where(ReceiptList.id == snap.list_id,
                                     ReceiptList.status == ListStatus.SENDING)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount == 1 and outcome.status != ListStatus.SENDING:
        _record(snap, outcome)
    db.session.commit()


def _record(snap: Snapshot, outcome: Outcome) -> None:
    sent = outcome.status == ListStatus.SENT
    ident = outcome.remote.identification_number if sent else ""
    if sent:
        states = dict(db.session.execute(sa.select(Application.id, Application.state)
                                         .where(Application.id.in_(snap.app_ids))).all())
        db.session.add_all(ApplicationEvent(
            application_id=app_id, org_id=snap.org_id, kind="receipt_list_sent",
            from_state=state.value, to_state=state.value,
            comment=f"受付番号リスト(識別番号 {ident})で送信しました",
            detail={"receipt_list_id": snap.list_id, "identification_number": ident})
            for app_id, state in states.items())
    audit.record("receipt_list_sent" if sent else "receipt_list_failed",
                 outcome="ok" if sent else "fail", target=f"receipt_list:{snap.list_id}",
                 org_id=snap.org_id, code=outcome.code, identification_number=ident)


def _refresh_members(client, list_id: int) -> None:
    """Record the members' new status now (best effort: polling catches up otherwise)."""
    from portal.oss_actions.refresh import refresh
    from portal.receipts.services import members

    try:
        listed = members(db.session.get(ReceiptList, list_id))
        refresh(client, [m.application for m in listed if not m.refiled])
        db.session.commit()
    except OssError as exc:
        db.session.rollback()
        log.warning("receipt list %s sent; status refresh failed: %s", list_id, exc)


def requeue_stale(limit: int = 100) -> int:
    """Enqueue again the 送信中 lists whose job is not running (for a periodic ticker)."""
    from portal.receipts.services import STALE_AFTER
    from portal.receipts.services import UNRESOLVED

    now = utcnow()
    ids = db.session.scalars(
        sa.select(ReceiptList.id).where(
            ReceiptList.status == ListStatus.SENDING,
            sa.or_(ReceiptList.lease_until.is_(None), ReceiptList.lease_until < now),
            sa.or_(ReceiptList.error_code == UNRESOLVED, ReceiptList.lease_until.is_not(None),
                   ReceiptList.requested_at.is_(None),
                   ReceiptList.requested_at < now - STALE_AFTER))
        .order_by(ReceiptList.id).limit(limit)).all()
    for list_id in ids:
        enqueue_send(list_id)
    return len(ids)
