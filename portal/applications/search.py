"""申請データ検索: the SELECT for given criteria, sorting and paging.

Tenancy adds the visibility criteria to every statement here (see
``portal.tenancy``); this module adds what the user asked for. A page is read
in two steps: the ids of the page (a narrow query the indexes can answer) and
then those rows without their large JSON columns.
"""

import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import load_only
from sqlalchemy.orm import selectinload

from forms import specs
from portal.applications.live import IN_FLIGHT_STATES
from portal.applications.search_form import IN_FLIGHT
from portal.applications.search_form import NO_OSS_STATUS
from portal.applications.search_form import Criteria
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState
from portal.models import Organization
from portal.models import User

A = Application

# Columns a list row shows (the payload and the last OSS document stay unread).
ROW_COLUMNS = (A.id, A.org_id, A.agent_org_id, A.requester_org_id, A.procedure, A.backend,
               A.state, A.oss_status, A.oss_status_at, A.registration_no, A.chassis_no,
               A.owner_name, A.receipt_number, A.arrival_number, A.flags, A.fees,
               A.created_by_id, A.created_at, A.submitted_at, A.accepted_at, A.completed_at,
               A.updated_at)

STATE_ORDER = sa.case(*[(A.state == s, i) for i, s in enumerate(ApplicationState)], else_=99)
PROCEDURE_ORDER = sa.case(*[(A.procedure == s.code, i) for i, s in enumerate(specs.ALL)],
                          else_=99)
SORT_COLUMNS = {
    "id": A.id, "procedure": PROCEDURE_ORDER, "state": STATE_ORDER, "oss_status": A.oss_status,
    "registration_no": A.registration_no, "chassis_no": A.chassis_no,
    "owner_name": A.owner_name, "receipt_number": A.receipt_number,
    "submitted_at": A.submitted_at, "accepted_at": A.accepted_at,
    "completed_at": A.completed_at, "updated_at": A.updated_at,
}


def _contains(column, text: str):
    """``column`` (spaces ignored) contains ``text``; LIKE wildcards are taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.replace(column, " ", "").like(f"%{escaped}%", escape="\\")


def _tab(user, tab: str) -> list:
    if tab == "own":
        return [A.org_id == user.org_id, A.requester_org_id.is_(None)]
    if tab == "incoming":
        return [A.agent_org_id == user.org_id, A.requester_org_id.is_not(None)]
    if tab == "requests":
        return [A.requester_org_id == user.org_id]
    return []


def conditions(user, c: Criteria) -> list:
    """The WHERE terms for ``c`` (beyond tenancy)."""
    where = _tab(user, c.tab)
    if c.procedure:
        where.append(A.procedure == c.procedure)
    if c.backend:
        where.append(A.backend == c.backend)
    if c.state == IN_FLIGHT:
        where.append(A.state.in_(IN_FLIGHT_STATES))
    elif c.state:
        where.append(A.state == c.state)
    if c.oss_status == NO_OSS_STATUS:
        where.append(A.oss_status == "")
    elif c.oss_status:
        where.append(A.oss_status == c.oss_status)
    column = getattr(A, c.date_field)
    if c.utc_from:
        where.append(column >= c.utc_from)
    if c.utc_before:
        where.append(column < c.utc_before)
    if c.staff_id:
        where.append(A.created_by_id == c.staff_id)
    if c.requester_id:
        where.append(A.requester_org_id == c.requester_id)
    if c.registration_no:
        where.append(_contains(A.registration_no, c.registration_no))
    if c.chassis_no:
        where.append(_contains(A.chassis_no, c.chassis_no))
    return where


def ordering(c: Criteria) -> list:
    column = SORT_COLUMNS[c.sort]
    first = column.desc() if c.descending else column.asc()
    tie = A.id.desc() if c.descending else A.id.asc()
    return [first.nulls_last(), tie] if c.sort != "id" else [first]


def ids_query(user, c: Criteria) -> sa.Select:
    """Every matching id in display order (the export reads this without paging)."""
    return sa.select(A.id).where(*conditions(user, c)).order_by(*ordering(c))


@dataclass
class Page:
    items: list[Application]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)


def load_rows(ids: list[int]) -> list[Application]:
    """The list columns of ``ids``, in the order given (names of related orgs/users loaded)."""
    if not ids:
        return []
    rows = db.session.scalars(
        sa.select(A).where(A.id.in_(ids)).options(
            load_only(*ROW_COLUMNS), selectinload(A.requester).load_only(Organization.name),
            selectinload(A.agent).load_only(Organization.name),
            selectinload(A.created_by).load_only(User.display_name))).all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def search(user, c: Criteria) -> Page:
    """One page of results for ``c`` and the total number of matches."""
    where = conditions(user, c)
    total = db.session.scalar(sa.select(sa.func.count(A.id)).where(*where)) or 0
    page = min(c.page, max(1, math.ceil(total / c.per_page)))
    ids = db.session.scalars(sa.select(A.id).where(*where).order_by(*ordering(c))
                             .limit(c.per_page).offset((page - 1) * c.per_page)).all()
    return Page(items=load_rows(list(ids)), total=total, page=page, per_page=c.per_page)
