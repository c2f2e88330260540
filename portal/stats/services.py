"""申請データ統計検索: what was filed, where it stands, and how long OSS took.

The population is every application the admin's organisation may see (tenancy
decides) that was sent to OSS in the period, by 送信日 in Japan time. Counts
are grouped in SQL; lead times (送信 → 受付, 送信 → 完了) are read as pairs of
timestamps and summarised in Python (median, 90th percentile by nearest rank).
"""

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from forms import specs
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


def _grouped(key, where) -> list[tuple]:
    return db.session.execute(sa.select(key, sa.func.count(A.id)).where(*where)
                              .group_by(key)).all()


def _by_order(rows, order: list) -> list[tuple[str, int]]:
    counts = dict(rows)
    return [(label, counts[key]) for key, label in order if counts.get(key)]


def _named(rows, names: dict, missing: str) -> list[tuple[str, int]]:
    merged: dict[str, int] = defaultdict(int)
    for key, count in rows:
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


def counts(where: list) -> Stats:
    state_of = {s.value: s for s in ApplicationState}
    stats = Stats()
    stats.total = db.session.scalar(sa.select(sa.func.count(A.id)).where(*where)) or 0
    stats.by_procedure = _by_order(_grouped(A.procedure, where),
                                   [(s.code, s.name + ("(軽)" if s.is_kei else ""))
                                    for s in specs.ALL])
    stats.by_state = _by_order([(str(k), n) for k, n in _grouped(A.state, where)],
                               [(v, state_of[v].label) for v in state_of])
    stats.by_oss_status = sorted(((k or "(なし)", n) for k, n in _grouped(A.oss_status, where)),
                                 key=lambda kv: (-kv[1], kv[0]))
    stats.by_month = sorted(_grouped(month_key(A.submitted_at), where))
    staff = _grouped(A.created_by_id, where)
    stats.by_staff = _named(staff, _user_names(k for k, _ in staff), OTHER_ORG_USER)
    requesters = _grouped(A.requester_org_id, where)
    stats.by_requester = _named(requesters, _org_names(k for k, _ in requesters),
                                "(表示できない依頼人)")
    return stats


def lead_times(where: list) -> list[Lead]:
    """Lead times overall (group "全体") and per procedure, in the procedure selector's order."""
    rows = db.session.execute(sa.select(A.procedure, A.submitted_at, A.accepted_at,
                                        A.completed_at).where(*where)).all()
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in rows:
        for kind, _, column in LEAD_KINDS:
            hours = figures.hours_between(row.submitted_at, getattr(row, column))
            if hours is not None:
                samples[("全体", kind)].append(hours)
                samples[(row.procedure, kind)].append(hours)
    groups = [("全体", "全体")] + [(s.code, s.name) for s in specs.ALL]
    return [Lead(label, kind, kind_label, len(values), figures.median(values),
                 figures.p90(values))
            for code, label in groups for kind, kind_label, _ in LEAD_KINDS
            if (values := samples.get((code, kind)))]


def compute(p: Period) -> Stats:
    where = conditions(p)
    stats = counts(where)
    stats.leads = lead_times(where)
    return stats
