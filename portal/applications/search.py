"""申請データ検索: the SELECT for given criteria, sorting and paging.

Tenancy adds the visibility criteria to every statement here (see
``portal.tenancy``); this module adds what the user asked for. A page is read
in two steps: the ids of the page (a narrow query the indexes can answer) and
then those rows without their large JSON columns.
"""

import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import load_only

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
# Sort keys: a column name, or an expression (lifecycle / selector order).
SORT_KEYS = {"procedure": PROCEDURE_ORDER, "state": STATE_ORDER}
NULLABLE_SORTS = frozenset({"submitted_at", "accepted_at", "completed_at"})
# Sort columns that also have a one-column index of their own (never null).
OWN_INDEX_SORTS = frozenset({"oss_status", "registration_no", "chassis_no", "receipt_number"})


def _contains(column, text: str, ignore_spaces: bool = False):
    """``column`` contains ``text``; LIKE wildcards are taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if ignore_spaces:  # 登録番号 is stored as "品川 300 さ 1234"
        column = sa.func.replace(column, " ", "")
    return column.like(f"%{escaped}%", escape="\\")


def _col(name: str):
    """A column to filter on. On SQLite it is wrapped, so the planner keeps to the covering
    search index: a one-column index (state, agent_org_id …) would make it look up every
    matching row in the table, which is slow when most rows match."""
    column = getattr(A, name)
    if db.engine.dialect.name == "sqlite":
        return sa.func.coalesce(column, 0 if name.endswith("_id") else "")
    return column


def _tab(user, tab: str) -> list:
    if tab == "own":
        return [_col("org_id") == user.org_id, A.requester_org_id.is_(None)]
    if tab == "incoming":
        return [_col("agent_org_id") == user.org_id, A.requester_org_id.is_not(None)]
    if tab == "requests":
        return [_col("requester_org_id") == user.org_id]
    return []


def conditions(user, c: Criteria) -> list:
    """The WHERE terms for ``c`` (beyond tenancy)."""
    where = _tab(user, c.tab)
    if c.procedure:
        where.append(_col("procedure") == c.procedure)
    if c.backend:
        where.append(A.backend == c.backend)
    if c.state == IN_FLIGHT:
        where.append(_col("state").in_(IN_FLIGHT_STATES))
    elif c.state:
        where.append(_col("state") == c.state)
    if c.oss_status == NO_OSS_STATUS:
        where.append(_col("oss_status") == "")
    elif c.oss_status:
        where.append(_col("oss_status") == c.oss_status)
    column = getattr(A, c.date_field)
    if c.utc_from:
        where.append(column >= c.utc_from)
    if c.utc_before:
        where.append(column < c.utc_before)
    if c.staff_id:
        where.append(A.created_by_id == c.staff_id)
    if c.requester_id:
        where.append(_col("requester_org_id") == c.requester_id)
    if c.registration_no:
        where.append(_contains(_col("registration_no"), c.registration_no, ignore_spaces=True))
    if c.chassis_no:
        where.append(_contains(_col("chassis_no"), c.chassis_no))
    if c.import_batch_id:
        where.append(A.import_batch_id == c.import_batch_id)
    return where


def _sort_key(name: str):
    if name in SORT_KEYS:
        return SORT_KEYS[name]
    # Walking a one-column index (車台番号 …) in order would make SQLite look up row after
    # row; the covering search index and a sort are steady instead.
    return _col(name) if name in OWN_INDEX_SORTS else getattr(A, name)


def ordering(c: Criteria, reverse: bool = False) -> list:
    """ORDER BY for ``c`` (empty dates last); ``reverse`` gives the exact opposite order."""
    descending = c.descending != reverse
    tie = A.id.desc() if descending else A.id.asc()
    if c.sort == "id":
        return [tie]
    key = _sort_key(c.sort)
    first = key.desc() if descending else key.asc()
    if c.sort in NULLABLE_SORTS:
        first = first.nulls_first() if reverse else first.nulls_last()
    return [first, tie]


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
            load_only(*ROW_COLUMNS), joinedload(A.requester).load_only(Organization.name),
            joinedload(A.agent).load_only(Organization.name),
            joinedload(A.created_by).load_only(User.display_name))).unique().all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def page_ids(where: list, c: Criteria, page: int, total: int) -> list[int]:
    """The ids on ``page``; pages past the middle are read from the other end (less to skip)."""
    offset = (page - 1) * c.per_page
    size = max(0, min(c.per_page, total - offset))
    if offset <= total // 2:
        return list(db.session.scalars(sa.select(A.id).where(*where).order_by(*ordering(c))
                                       .limit(c.per_page).offset(offset)))
    back = total - offset - size
    ids = list(db.session.scalars(sa.select(A.id).where(*where)
                                  .order_by(*ordering(c, reverse=True)).limit(size).offset(back)))
    return ids[::-1]


def _count(where: list) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(A).where(*where)) or 0


def count(user, c: Criteria) -> int:
    """How many applications ``c`` matches."""
    return _count(conditions(user, c))


def search(user, c: Criteria) -> Page:
    """One page of results for ``c`` and the total number of matches."""
    where = conditions(user, c)
    total = _count(where)
    page = min(c.page, max(1, math.ceil(total / c.per_page)))
    ids = page_ids(where, c, page, total)
    return Page(items=load_rows(ids), total=total, page=page, per_page=c.per_page)
