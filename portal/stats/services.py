"""申請データ統計検索: what was filed, where it stands, and how long OSS took.

The population is every application the admin's organisation may see (tenancy
decides) that was sent to OSS in the period, by 送信日 in Japan time. Counts
are grouped in SQL in one pass over every dimension at once (the rows of a
large office are read once, not once per table); lead times (送信 → 受付,
送信 → 完了) are computed in SQL as hours and summarised in Python (median, 90th
percentile by nearest rank). Sorting them in SQL with window functions and reading
only the ranks needed was tried: on SQLite it took twice as long.
"""

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from portal.applications.search_form import procedure_options
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState
from portal.models import Organization
from portal.models import User
from portal.stats import figures

A = Application
OTHER_ORG_USER = "依頼人側の利用者"
OWN_WORK = "(自社の申請)"
LEAD_KINDS = (("accept", "送信→受付", "accepted_at"), ("complete", "送信→完了", "completed_at"))


@dataclass(frozen=True)
class Period:
    utc_from: datetime | None = None
    utc_before: datetime | None = None
    procedure: str = ""
    backend: str = ""


@dataclass(frozen=True)
class Lead:
    """Lead time of one group: how many, median and p90 in hours."""

    group: str
    kind: str
    label: str
    count: int
    median: float | None
    p90: float | None


@dataclass
class Stats:
    total: int = 0
    by_procedure: list[tuple[str, int]] = field(default_factory=list)
    by_state: list[tuple[str, int]] = field(default_factory=list)
    by_oss_status: list[tuple[str, int]] = field(default_factory=list)
    by_month: list[tuple[str, int]] = field(default_factory=list)
    by_staff: list[tuple[str, int]] = field(default_factory=list)
    by_requester: list[tuple[str, int]] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)


def conditions(p: Period) -> list:
    where = [A.submitted_at.is_not(None)]
    if p.utc_from:
        where.append(A.submitted_at >= p.utc_from)
    if p.utc_before:
        where.append(A.submitted_at < p.utc_before)
    if p.procedure:
        where.append(A.procedure == p.procedure)
    if p.backend:
        where.append(A.backend == p.backend)
    return where


def month_key(column):
    """The Japan-time month (YYYY-MM) of a naive-UTC column, in the database's dialect."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(column + sa.literal(timedelta(hours=9), sa.Interval), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column, "+9 hours")


def hours_between(start, end):
    """Hours from ``start`` to ``end`` (columns), in the database's dialect; NULL when either
    is missing or ``end`` is earlier (a lead time never counts backwards)."""
    if db.engine.dialect.name == "postgresql":
        seconds = sa.extract("epoch", end - start)
    else:  # whole seconds are plenty for hours
        seconds = (sa.cast(sa.func.strftime("%s", end), sa.Integer)
                   - sa.cast(sa.func.strftime("%s", start), sa.Integer))
    return sa.case((end >= start, sa.cast(seconds, sa.Float) / 3600.0), else_=None)


def _by_order(counts: dict, order: list) -> list[tuple[str, int]]:
    return [(label, counts[key]) for key, label in order if counts.get(key)]


def _named(counts: dict, names: dict, missing: str) -> list[tuple[str, int]]:
    merged: dict[str, int] = defaultdict(int)
    for key, count in counts.items():
        merged[names.get(key, missing)] += count
    return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))


def _user_names(ids) -> dict:
    ids = [i for i in ids if i is not None]
    return dict(db.session.execute(sa.select(User.id, User.display_name)
                                   .where(User.id.in_(ids))).all()) if ids else {}


def _org_names(ids) -> dict:
    ids = [i for i in ids if i is not None]
    names = dict(db.session.execute(sa.select(Organization.id, Organization.name)
                                    .where(Organization.id.in_(ids))).all()) if ids else {}
    return {None: OWN_WORK, **names}


def _tallies(where: list) -> dict[str, dict]:
    """Counts per value of each dimension, from one grouped scan of every dimension together
    (a few thousand combinations at most, where the rows may be hundreds of thousands)."""
    dimensions = {"procedure": A.procedure, "state": A.state, "oss_status": A.oss_status,
                  "month": month_key(A.submitted_at), "staff": A.created_by_id,
                  "requester": A.requester_org_id}
    columns = list(dimensions.values())
    rows = db.session.execute(sa.select(*columns, sa.func.count(A.id)).where(*where)
                              .group_by(*columns)).all()
    tallies: dict[str, dict] = {name: defaultdict(int) for name in dimensions}
    for row in rows:
        count = row[-1]
        for name, value in zip(dimensions, row[:-1], strict=True):
            tallies[name][value] += count
    return tallies


def counts(where: list) -> Stats:
    state_of = {s.value: s for s in ApplicationState}
    tallies = _tallies(where)
    stats = Stats()
    stats.total = sum(tallies["procedure"].values())
    stats.by_procedure = _by_order(tallies["procedure"], procedure_options())
    stats.by_state = _by_order({str(k): n for k, n in tallies["state"].items()},
                               [(v, state_of[v].label) for v in state_of])
    stats.by_oss_status = sorted(((k or "(なし)", n) for k, n in tallies["oss_status"].items()),
                                 key=lambda kv: (-kv[1], kv[0]))
    stats.by_month = sorted(tallies["month"].items())
    staff = tallies["staff"]
    stats.by_staff = _named(staff, _user_names(staff), OTHER_ORG_USER)
    requesters = tallies["requester"]
    stats.by_requester = _named(requesters, _org_names(requesters), "(表示できない依頼人)")
    return stats


def lead_times(where: list) -> list[Lead]:
    """Lead times overall (group "全体") and per procedure, in the procedure selector's order."""
    hours = [hours_between(A.submitted_at, getattr(A, column)) for _, _, column in LEAD_KINDS]
    rows = db.session.execute(sa.select(A.procedure, *hours).where(
        *where, sa.or_(*(getattr(A, column).is_not(None) for _, _, column in LEAD_KINDS)))).all()
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    for procedure, *values in rows:
        for (kind, _, _), value in zip(LEAD_KINDS, values, strict=True):
            if value is not None:
                samples[("全体", kind)].append(value)
                samples[(procedure, kind)].append(value)
    groups = [("全体", "全体"), *procedure_options()]
    return [Lead(label, kind, kind_label, len(values), figures.median(values),
                 figures.p90(values))
            for code, label in groups for kind, kind_label, _ in LEAD_KINDS
            if (values := samples.get((code, kind)))]


def compute(p: Period) -> Stats:
    where = conditions(p)
    stats = counts(where)
    stats.leads = lead_times(where)
    return stats
