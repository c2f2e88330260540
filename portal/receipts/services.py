"""受付番号リスト: build, change, send (as a job) and search lists.

The send follows the outbox pattern of the submissions: the user's action
marks the list 送信中 in its own transaction (its idempotency key was stored
when the list was made), and the job (``jobs.receipts``) is enqueued only
after that commit. Views commit; these functions only flush.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from forms import specs
from portal import audit
from portal.extensions import db
from portal.models import Application
from portal.models import ListStatus
from portal.models import OssAccount
from portal.models import ReceiptList
from portal.models import ReceiptListItem
from portal.models.base import utcnow
from portal.receipts import eligibility

EDITABLE = (ListStatus.UNSENT, ListStatus.ERROR)
UNRESOLVED = "unknown"  # error_code of a 送信中 list whose outcome OSS has not told yet
STALE_AFTER = timedelta(minutes=2)  # a queued send not claimed by then was lost
MAX_NAME = 120


class ListError(Exception):
    """A refused change; ``message`` is shown next to ``field`` (or on top)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def new_key() -> str:
    return f"rl-{uuid.uuid4().hex}"


def procedure_label(code: str) -> str:
    return specs.get(code).label


def account_of(rl: ReceiptList) -> OssAccount:
    """The OSS account the list is sent under (a scoped SELECT)."""
    return db.session.scalar(sa.select(OssAccount).where(OssAccount.id == rl.oss_account_id))


@dataclass(frozen=True)
class Standing:
    """Where one application stands with 受付番号リスト (the detail page's panel)."""

    holding: ReceiptList | None  # the latest list it was put on
    eligible: bool               # it may be put on a new list now


def standing(app: Application) -> Standing | None:
    """None when lists do not concern the application (継続検査, or not 受付審査中 yet)."""
    if not specs.get(app.procedure).needs_receipt_list:
        return None
    holding = db.session.scalar(  # a list made for an earlier filing does not hold this one
        sa.select(ReceiptList).join(ReceiptListItem,
                                    ReceiptListItem.receipt_list_id == ReceiptList.id)
        .where(ReceiptListItem.application_id == app.id,
               ReceiptListItem.receipt_number == app.receipt_number)
        .order_by(ReceiptList.id.desc()).limit(1))
    eligible = bool(app.agent_org_id) and bool(
        eligibility.candidates(app.agent_org_id, [app.id]))
    if holding is None and not eligible:
        return None
    return Standing(holding, eligible)


@dataclass(frozen=True)
class Member:
    """An application as its list holds it: the 受付番号 and 到達番号 it was listed with
    (after 再申請 the application has others); every other attribute is the application's."""

    application: Application
    receipt_number: str
    arrival_number: str

    def __getattr__(self, name: str):
        return getattr(self.application, name)

    @property
    def refiled(self) -> bool:
        """The application was filed again since: the list holds an earlier filing."""
        return self.application.receipt_number != self.receipt_number


def members(rl: ReceiptList) -> list[Member]:
    """The list's applications with the numbers it holds, by 受付番号."""
    rows = db.session.execute(
        sa.select(Application, ReceiptListItem.receipt_number, ReceiptListItem.arrival_number)
        .join(ReceiptListItem, ReceiptListItem.application_id == Application.id)
        .where(ReceiptListItem.receipt_list_id == rl.id)
        .order_by(ReceiptListItem.receipt_number, Application.id)).all()
    return [Member(app, receipt, arrival) for app, receipt, arrival in rows]


def _check_selection(found: list, wanted: set[int]) -> None:
    if not wanted:
        raise ListError("受付番号リストに載せる申請を選んでください。", "application_id")
    missing = wanted - {c.application.id for c in found}
    if missing:
        shown = "、".join(f"No.{n}" for n in sorted(missing)[:10])
        raise ListError(f"{shown} は受付番号リストに載せられません。受付審査中で受付番号があり、"
                        "継続検査以外で、まだ他のリストに載っていない申請だけを選べます。",
                        "application_id")


def _part_name(name: str, n: int, total: int) -> str:
    if not name or total == 1:
        return name
    suffix = f"({n}/{total})"
    return name[:MAX_NAME - len(suffix)] + suffix


def create_lists(user, application_ids, name: str = "") -> list[ReceiptList]:
    """未送信 lists of the chosen eligible applications: one list holds the applications
    of one 一括利用者ID, at most ``MAX_ITEMS`` of them, so a larger or mixed choice becomes
    several lists (in 受付番号 order; a name gets "(1/3)" …)."""
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise ListError(f"リスト名は{MAX_NAME}文字以内で入力してください。", "name")
    wanted = {int(i) for i in application_ids}
    found = eligibility.candidates(user.org_id, wanted)
    _check_selection(found, wanted)
    size = eligibility.MAX_ITEMS
    parts = [(account, items[i:i + size]) for account, items in eligibility.grouped(found)
             for i in range(0, len(items), size)]
    return [_new_list(user, account, part, _part_name(name, n, len(parts)))
            for n, (account, part) in enumerate(parts, 1)]


def _new_list(user, account: OssAccount, found: list, name: str) -> ReceiptList:
    rl = ReceiptList(org_id=user.org_id, backend=account.backend, oss_account_id=account.id,
                     name=name, status=ListStatus.UNSENT, idempotency_key=new_key(),
                     created_by_id=user.id)
    db.session.add(rl)
    db.session.flush()
    db.session.add_all(ReceiptListItem(org_id=user.org_id, receipt_list_id=rl.id,
                                       application_id=c.application.id,
                                       receipt_number=c.application.receipt_number,
                                       arrival_number=c.application.arrival_number)
                       for c in found)
    audit.record("receipt_list_created", target=f"receipt_list:{rl.id}", count=len(found))
    return rl


def _editable(rl: ReceiptList) -> None:
    if rl.status not in EDITABLE:
        raise ListError(f"{rl.status.label}のリストは変更できません。")


def remove_item(user, rl: ReceiptList, application_id: int) -> None:
    """Take one application off an unsent (or refused) list."""
    _editable(rl)
    item = db.session.scalar(sa.select(ReceiptListItem).where(
        ReceiptListItem.receipt_list_id == rl.id,
        ReceiptListItem.application_id == application_id))
    if item is None:
        raise ListError("この申請はリストに載っていません。")
    if len(rl.items) <= 1:
        raise ListError("最後の1件は外せません。リストを削除してください。")
    db.session.delete(item)
    rl.idempotency_key = new_key()  # other content: OSS must never see the old key again
    audit.record("receipt_list_changed", target=f"receipt_list:{rl.id}",
                 removed=application_id)


def delete_list(user, rl: ReceiptList) -> None:
    """Delete an unsent (or refused) list; its applications become eligible again."""
    _editable(rl)
    for item in list(rl.items):
        db.session.delete(item)
    db.session.delete(rl)
    audit.record("receipt_list_deleted", target=f"receipt_list:{rl.id}")


def request_send(user, rl: ReceiptList) -> None:
    """Mark the list 送信中; the caller commits, then enqueues the job."""
    _editable(rl)
    apps = members(rl)
    if stale := [m for m in apps if m.refiled]:  # 再申請 since: the list holds old numbers
        m = stale[0]
        raise ListError(f"送信できません: No.{m.id} は再申請されたため、このリストの受付番号"
                        f"({m.receipt_number})では送れません。リストから外し、新しい受付番号"
                        f"({m.application.receipt_number})で別のリストを作成してください。")
    ids = {a.id for a in apps}
    still = eligibility.candidates(user.org_id, ids, exclude_list_id=rl.id)
    try:
        _check_selection(still, ids)
    except ListError as exc:
        raise ListError(f"送信できません: {exc.message}") from exc
    rl.status = ListStatus.SENDING
    rl.error_code = rl.error_message = ""
    rl.lease_until = None
    rl.requested_at = utcnow()
    audit.record("receipt_list_send_requested", target=f"receipt_list:{rl.id}", count=len(apps))


def can_recheck(rl: ReceiptList, now: datetime | None = None) -> bool:
    """A 送信中 list whose job is not running: it ended unresolved, or it was lost."""
    now = now or utcnow()
    if rl.status != ListStatus.SENDING or (rl.lease_until is not None and rl.lease_until > now):
        return False
    if rl.error_code == UNRESOLVED or rl.lease_until is not None:  # unresolved, or crashed
        return True
    return rl.requested_at is None or rl.requested_at < now - STALE_AFTER  # lost in the queue


def in_progress(rl: ReceiptList) -> bool:
    """The send job is queued or running (the status page keeps polling)."""
    return rl.status == ListStatus.SENDING and not can_recheck(rl)


def request_recheck(user, rl: ReceiptList) -> None:
    """Ask for the outcome of a 送信中 list again (the job queries OSS before any resend)."""
    if not can_recheck(rl):
        raise ListError("このリストは送信処理中です。しばらくお待ちください。")
    rl.requested_at = utcnow()
    rl.error_code = ""
    audit.record("receipt_list_recheck", target=f"receipt_list:{rl.id}")
