"""Which applications may go on a 受付番号リスト, and under which 一括利用者ID.

An application is eligible when OSS reports it 受付審査中 with a 受付番号, its
procedure needs a list (every procedure except 継続検査), the organisation
files it, and its current filing (受付番号) is not already on a list that is
unsent, being sent or sent (a list that ended in エラー frees its applications;
after 再申請 the new 受付番号 needs a list of its own). A list holds the
applications of one back-end and one OSS account: the account of the
submission that filed the application.
"""

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import defer

from forms import specs
from oss import status as oss_status
from portal.extensions import db
from portal.models import Application
from portal.models import ListStatus
from portal.models import OssAccount
from portal.models import ReceiptList
from portal.models import ReceiptListItem
from portal.models import Submission
from portal.models import SubmissionState

MAX_ITEMS = 100  # OSS takes at most 100 受付番号 per list
HOLDING = (ListStatus.UNSENT, ListStatus.SENDING, ListStatus.SENT)


def list_procedures() -> tuple[str, ...]:
    """Codes of the procedures that need a 受付番号リスト (from the specs)."""
    return tuple(spec.code for spec in specs.ALL if spec.needs_receipt_list)


@dataclass(frozen=True)
class Candidate:
    application: Application
    account: OssAccount

    @property
    def group(self) -> tuple[str, int]:
        return (self.account.backend.value, self.account.id)


def filing_account_ids():
    """Subquery: application id -> the OSS account of its latest sent submission."""
    latest = (sa.select(Submission.application_id, sa.func.max(Submission.id).label("sid"))
              .where(Submission.state == SubmissionState.SENT)
              .group_by(Submission.application_id).subquery())
    return (sa.select(latest.c.application_id, Submission.oss_account_id)
            .join(Submission, Submission.id == latest.c.sid).subquery())


def on_a_list(exclude_list_id: int | None = None):
    """Subquery: ids of applications held by a list that is unsent, being sent or sent."""
    query = (sa.select(ReceiptListItem.application_id)
             .join(ReceiptList, ReceiptList.id == ReceiptListItem.receipt_list_id)
             .join(Application, Application.id == ReceiptListItem.application_id)
             .where(ReceiptList.status.in_(HOLDING),
                    ReceiptListItem.receipt_number == Application.receipt_number))
    if exclude_list_id is not None:
        query = query.where(ReceiptList.id != exclude_list_id)
    return query


def _eligible(query, org_id: int, exclude_list_id: int | None):
    """``query`` (over Application) narrowed to the organisation's eligible applications,
    joined to the account that filed each."""
    accounts = filing_account_ids()
    return (query.join(accounts, accounts.c.application_id == Application.id)
            .join(OssAccount, OssAccount.id == accounts.c.oss_account_id)
            .where(Application.agent_org_id == org_id, OssAccount.org_id == org_id,
                   Application.oss_status == oss_status.RECEPTION,
                   Application.receipt_number != "",
                   Application.procedure.in_(list_procedures()),
                   Application.id.not_in(on_a_list(exclude_list_id)),
                   # OSS may already have put it on a list (sent from elsewhere)
                   Application.oss_detail["receipt_list"].as_string().is_(None)))


@dataclass(frozen=True)
class Narrowing:
    """What the list builder narrows its candidates to: a procedure, 受付日 (Japan days)."""

    procedure: str = ""
    accepted_from: date | None = None
    accepted_to: date | None = None

    @classmethod
    def from_args(cls, args) -> "Narrowing":
        from portal.applications.search_form import lenient_date

        procedure = args.get("procedure", "")
        return cls(procedure=procedure if procedure in list_procedures() else "",
                   accepted_from=lenient_date(args, "accepted_from"),
                   accepted_to=lenient_date(args, "accepted_to"))

    def apply(self, query):
        from portal.applications.search_form import jst_day_start_utc

        if self.procedure:
            query = query.where(Application.procedure == self.procedure)
        if self.accepted_from:
            query = query.where(Application.accepted_at >= jst_day_start_utc(self.accepted_from))
        if self.accepted_to:
            end = jst_day_start_utc(self.accepted_to + timedelta(days=1))
            query = query.where(Application.accepted_at < end)
        return query

    def args(self) -> dict[str, str]:
        """As query arguments (for the links and the form that keep it)."""
        return {k: str(v) for k, v in (("procedure", self.procedure),
                                       ("accepted_from", self.accepted_from),
                                       ("accepted_to", self.accepted_to)) if v}


def lists_needed(count: int) -> int:
    """How many lists ``count`` applications of one 一括利用者ID make."""
    return -(-count // MAX_ITEMS)


def candidates(org_id: int, application_ids=None, *, exclude_list_id: int | None = None,
               narrowing: Narrowing | None = None,
               account_id: int | None = None) -> list[Candidate]:
    """The organisation's eligible applications (optionally only ``application_ids``, or
    only one OSS account's), without their form data, which no list needs."""
    query = _eligible(sa.select(Application, OssAccount).options(defer(Application.payload)),
                      org_id, exclude_list_id)
    if application_ids is not None:
        query = query.where(Application.id.in_(list(application_ids)))
    if account_id is not None:
        query = query.where(OssAccount.id == account_id)
    if narrowing is not None:
        query = narrowing.apply(query)
    query = query.order_by(OssAccount.backend, OssAccount.bulk_user_id,
                           Application.receipt_number)
    return [Candidate(app, account) for app, account in db.session.execute(query).all()]


def count_candidates(org_id: int) -> int:
    """How many applications ``candidates(org_id)`` would give (the home page's count)."""
    return db.session.scalar(_eligible(
        sa.select(sa.func.count()).select_from(Application), org_id, None))


def grouped(found: list[Candidate]) -> list[tuple[OssAccount, list[Candidate]]]:
    """Candidates per OSS account, in the order found."""
    groups: dict[int, tuple[OssAccount, list[Candidate]]] = {}
    for c in found:
        groups.setdefault(c.account.id, (c.account, []))[1].append(c)
    return list(groups.values())
