"""Bulk sends: write the outbox rows in the user's transaction, enqueue after commit.

``create_send_batch`` refuses what cannot be sent (each refusal with its reason,
kept on the batch for the page; what would pass the office's daily quota too,
``portal.submissions.quota``) and writes, for the rest, one ``Submission``
per application with a fresh idempotency key, in the caller's transaction. The
caller commits, then calls ``enqueue_batch``: if Redis is away at that moment
nothing is lost, the outbox relay enqueues the rows from the database.
"""

import uuid
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal import audit
from portal import bulk
from portal.applications.services import event_values
from portal.applications.services import filing_branch
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationEvent
from portal.models import ApplicationState as S
from portal.models import SendBatch
from portal.models import Submission
from portal.models import SubmissionKind
from portal.models import SubmissionState
from portal.models.base import utcnow
from portal.models.submission import ACTIVE_STATES
from portal.submissions import quota
from portal.submissions.eligibility import SENDABLE
from portal.submissions.eligibility import FilingContext
from portal.submissions.eligibility import state_refusal

IN_CHUNK = 900  # ids per IN (...) list

NOT_FOUND = "申請データが見つからないか、この利用者には送信できない申請データです。"
IN_PROGRESS = "この申請は既に送信処理中か送信済みです(申請データ一覧で状況を確認してください)。"
ALREADY_RESUBMITTED = ("この申請は既に再申請されています。"
                       "もう一度申請するには申請データ再利用で新しい申請を作成してください。")
RACED = "他の操作で状態が変わったため送信しませんでした。申請データ一覧で状況を確認してください。"


def _chunks(items: list, size: int = IN_CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _unique_ids(application_ids) -> list[int]:
    seen, ids = set(), []
    for value in application_ids:
        try:
            app_id = int(value)
        except (TypeError, ValueError):
            continue
        if app_id not in seen:
            seen.add(app_id)
            ids.append(app_id)
    return ids


def _load(ids: list[int]) -> dict[int, sa.Row]:
    """What the rules need of the applications among ``ids`` the user may see (rows with
    the columns' names; tenancy scopes the SELECT)."""
    cols = (Application.id, Application.org_id, Application.agent_org_id,
            Application.requester_org_id, Application.branch_id, Application.procedure,
            Application.backend, Application.state, Application.arrival_number)
    found = {}
    for part in _chunks(ids):
        for row in db.session.execute(sa.select(*cols).where(Application.id.in_(part))):
            found[row.id] = row
    return found


def _busy(ids: list[int], kind: SubmissionKind) -> set[int]:
    """Applications with a live submission of ``kind`` (a sent 再申請 counts: OSS takes one)."""
    busy = set()
    for part in _chunks(ids):
        busy.update(db.session.scalars(
            sa.select(Submission.application_id).where(
                Submission.application_id.in_(part), Submission.kind == kind,
                Submission.state.in_(ACTIVE_STATES))))
    return busy


def _claim_applications(ids: list[int], kind: SubmissionKind) -> set[int]:
    """Move the applications to SENDING by compare-and-set; return the ids moved."""
    allowed = [s.value for s in SENDABLE[kind]]
    won = set()
    for part in _chunks(ids):
        won.update(db.session.scalars(
            sa.update(Application)
            .where(Application.id.in_(part), Application.state.in_(allowed))
            .values(state=S.SENDING, updated_at=utcnow())
            .returning(Application.id)
            .execution_options(synchronize_session=False)))
    return won


def _refusal(app: Application | None, kind: SubmissionKind, busy: bool,
             context: FilingContext) -> str | None:
    """Why ``app`` is not sent in this batch (None: it is)."""
    if app is None:
        return NOT_FOUND
    state = state_refusal(app, kind)
    if state:
        return state
    if busy:
        return ALREADY_RESUBMITTED if kind == SubmissionKind.RESUBMIT else IN_PROGRESS
    return context.refusal(app)


def create_send_batch(user, application_ids, kind: SubmissionKind = SubmissionKind.SUBMIT
                      ) -> SendBatch:
    """Write a bulk send of ``application_ids`` by ``user`` in the current transaction.

    Applications that cannot be sent are listed in ``batch.refused`` as
    ``{"application_id", "reason"}`` (reason in Japanese); the others get a
    PENDING submission each. The caller commits, then calls ``enqueue_batch``.
    """
    from jobs.pipeline import settings

    ids = _unique_ids(application_ids)
    refused: list[dict] = []
    limit = int(settings.get("SEND_BATCH_MAX"))
    if len(ids) > limit:
        refused += [{"application_id": i, "reason": f"一度に送信できるのは{limit:,}件までです。"}
                    for i in ids[limit:]]
        ids = ids[:limit]
    apps = _load(ids)
    busy = _busy(list(apps), kind)
    branch = filing_branch(user)
    context = FilingContext(user.org_id, utcnow(), branch.id if branch else None)
    candidates = []
    for app_id in ids:
        reason = _refusal(apps.get(app_id), kind, app_id in busy, context)
        if reason:
            refused.append({"application_id": app_id, "reason": reason})
        else:
            candidates.append(app_id)
    candidates, over_quota = quota.cut(user.org_id, candidates) if candidates else ([], [])
    refused += over_quota
    won = _claim_applications(candidates, kind) if candidates else set()
    refused += [{"application_id": i, "reason": RACED} for i in candidates if i not in won]
    before = {i: apps[i].state for i in candidates if i in won}
    batch = SendBatch(org_id=user.org_id, user_id=user.id, total=len(before), refused=refused)
    db.session.add(batch)
    db.session.flush()
    _write_rows(batch, user, before, kind)
    audit.record("submissions_queued", target=f"send_batch:{batch.id}", kind=kind.value,
                 count=len(before), refused=len(refused))
    return batch


def found_nothing(batch: SendBatch) -> bool:
    """Every id of the batch was unknown to its user (another office's, or none at all)."""
    return batch.total == 0 and all(r["reason"] == NOT_FOUND for r in batch.refused)


def _write_rows(batch: SendBatch, user, before: dict, kind: SubmissionKind) -> None:
    """One PENDING submission and one history event per application (``portal.bulk``).

    The rows are planned into send jobs here (``job_id``, ``enqueued_at``), so that
    ``enqueue_batch`` only has to enqueue; a job never enqueued is one the outbox
    relay finds missing.
    """
    from jobs.pipeline.outbox import job_plan

    now = utcnow()
    subs, events = [], []
    for job_id, part in job_plan(list(before)):
        for app_id in part:
            subs.append({"org_id": user.org_id, "application_id": app_id,
                         "batch_id": batch.id, "kind": kind, "job_id": job_id,
                         "enqueued_at": now, "idempotency_key": uuid.uuid4().hex,
                         "state": SubmissionState.PENDING, "created_at": now,
                         "updated_at": now})
            events.append({**event_values(app_id, f"{kind.value}_requested",
                                          from_state=before[app_id], to_state=S.SENDING,
                                          user=user, batch_id=batch.id), "created_at": now})
    connection = db.session.connection()
    bulk.insert_rows(connection, Submission.__table__, subs)
    bulk.insert_rows(connection, ApplicationEvent.__table__, events)


def enqueue_batch(batch_id: int) -> int:
    """Enqueue the batch's planned send jobs (after the commit); return how many."""
    from jobs.pipeline.outbox import enqueue_planned

    jobs: dict[str, list[int]] = {}
    for sub_id, job_id in db.session.execute(
            sa.select(Submission.id, Submission.job_id)
            .where(Submission.batch_id == batch_id, Submission.state == SubmissionState.PENDING)
            .order_by(Submission.id)):
        jobs.setdefault(job_id, []).append(sub_id)
    db.session.commit()
    return enqueue_planned(list(jobs.items()))


WAITING_STATES = (SubmissionState.RETRY, SubmissionState.UNKNOWN)


@dataclass
class Progress:
    total: int
    counts: Counter

    @property
    def done(self) -> int:
        return self.counts[SubmissionState.SENT] + self.counts[SubmissionState.FAILED]

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total

    @property
    def waiting(self) -> int:
        """Rows waiting for a retry or a look-up (what 「今すぐ処理する」 takes)."""
        return sum(self.counts[s] for s in WAITING_STATES)


def progress(batch: SendBatch) -> Progress:
    rows = db.session.execute(
        sa.select(Submission.state, sa.func.count()).where(Submission.batch_id == batch.id)
        .group_by(Submission.state)).all()
    return Progress(batch.total, Counter({SubmissionState(s): n for s, n in rows}))


def batch_rows(batch: SendBatch, page: int, per_page: int = 100):
    """One page of the batch's submissions with their applications (problems first, then
    those in flight, then the sent: ``Submission.batch_rank``, indexed with the batch)."""
    query = (sa.select(Submission)
             .options(joinedload(Submission.application).load_only(
                 Application.id, Application.procedure, Application.state,
                 Application.registration_no, Application.chassis_no, Application.oss_status))
             .where(Submission.batch_id == batch.id)
             .order_by(Submission.batch_rank, Submission.id))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def recent_batches(user, limit: int = 20) -> list[SendBatch]:
    return db.session.scalars(sa.select(SendBatch).order_by(SendBatch.id.desc())
                              .limit(limit)).all()


def _filed_by(user):
    """Applications filed by the user's office (tenancy scopes every query further)."""
    return Application.agent_org_id == user.org_id


def sendable_query(user):
    """Applications the user's office can send now, newest first (tenancy scopes it)."""
    return (sa.select(Application)
            .where(_filed_by(user), Application.state.in_(SENDABLE[SubmissionKind.SUBMIT]))
            .order_by(Application.updated_at.desc(), Application.id.desc()))


def ready_ids(user, where: list = ()) -> list[int]:
    """Every application of the user's office that is ready to send (申請準備完了), and meets
    ``where`` (a search's conditions), oldest first, up to one bulk send's limit:
    「準備完了のすべてを送信」."""
    return list(db.session.scalars(
        sa.select(Application.id).where(_filed_by(user), Application.state == S.READY, *where)
        .order_by(Application.id).limit(send_limit())))


def ready_count(user) -> int:
    """The office's applications ready to send (the send page's and home page's count)."""
    return ready_span(user)[0]


def ready_span(user, where: list = ()) -> tuple[int, int]:
    """How many ready applications meet ``where``, and the highest id among them: what a
    「この条件の…すべてを送信」 button shows, and holds the send to."""
    count, top = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Application.id))
        .where(_filed_by(user), Application.state == S.READY, *where)).one()
    return count, top or 0


SEARCH_CHANGED = ("条件に当てはまる申請準備完了の申請が、画面を表示したときから変わりました"
                  "(表示: {shown:,}件、現在: {now:,}件)。"
                  "画面を更新して確認してから送信してください。")
SEARCH_EMPTY = "この条件に当てはまる申請準備完了の申請はありません。"


def ready_ids_as_shown(user, where: list, shown: int, top: int) -> list[int]:
    """The ready applications a search showed: those meeting ``where`` up to the id ``top``
    the page saw, oldest first, at most one send's limit. ValueError (with the message) when
    they are no longer the ``shown`` ones (one was sent, or changed, meanwhile)."""
    ids = ready_ids(user, [*where, Application.id <= top])
    if not ids:
        raise ValueError(SEARCH_EMPTY)
    if len(ids) != min(shown, send_limit()):
        raise ValueError(SEARCH_CHANGED.format(shown=min(shown, send_limit()), now=len(ids)))
    return ids


def send_limit() -> int:
    """Applications in one bulk send at most."""
    from jobs.pipeline import settings

    return int(settings.get("SEND_BATCH_MAX"))


def waiting_ids(batch: SendBatch) -> list[int]:
    """The batch's rows waiting for a retry (再試行待ち) or for a look-up by key (確認中)."""
    return list(db.session.scalars(sa.select(Submission.id).where(
        Submission.batch_id == batch.id, Submission.state.in_(WAITING_STATES))))


def oss_still_down(batch: SendBatch) -> str:
    """Why the batch's waiting rows should keep waiting ("" when their OSS answers): each
    try counts towards the attempts after which a row fails. A back-end found answering
    has its circuit breaker rearmed, so that its held-back rows go now."""
    from flask import current_app

    from jobs.pipeline import breaker
    from oss.client import OssClient
    from oss.health import probe

    backends = db.session.scalars(
        sa.select(Application.backend).join(Submission, Submission.application_id == Application.id)
        .where(Submission.batch_id == batch.id, Submission.state.in_(WAITING_STATES))
        .distinct())
    for backend in sorted(backends, key=lambda b: b.value):
        result = probe(OssClient.url_in(current_app.config, backend.value))
        if not result["ok"]:
            return (f"OSSにまだ接続できません({result['reason']})。"
                    "復旧してからもう一度押してください。それまでは自動で再試行します。")
        breaker.rearm(backend.value)
    return ""


def make_due_now(ids: list[int]) -> None:
    """The user asked not to wait for the backoff: the rows are due now (the send job still
    looks an unknown outcome up by its key before anything is sent again)."""
    for part in _chunks(ids):
        db.session.execute(sa.update(Submission)
                           .where(Submission.id.in_(part), Submission.state.in_(WAITING_STATES))
                           .values(next_attempt_at=utcnow())
                           .execution_options(synchronize_session=False))


def sent_message(batch: SendBatch) -> str:
    if not batch.total:
        return "送信できる申請データがありませんでした。理由を確認してください。"
    text = f"{batch.total}件の申請データの送信を開始しました。"
    if batch.refused:
        text += f"({len(batch.refused)}件は送信していません。理由を確認してください。)"
    return text


def refused_rows(batch: SendBatch) -> list[tuple[dict, Application | None]]:
    """The refused entries with the applications the user may see."""
    ids = [r["application_id"] for r in batch.refused or []]
    apps = _load(ids) if ids else {}
    return [(r, apps.get(r["application_id"])) for r in batch.refused or []]
