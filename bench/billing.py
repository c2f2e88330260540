"""Benchmark usage billing: the completion hook, the monthly close, statements and /usage counts.

Usage::

    .venv/bin/python bench/billing.py [--orgs 300] [--records 120000] [--postgres]

Builds a throw-away database through the migrations (SQLite by default; with
``--postgres`` also a throw-away PostgreSQL server, as the tests start it),
writes ``--records`` completed applications with their billing records spread
over twelve months and ``--orgs`` organisations (bulk inserts), then times:

* ``hook``: ``on_completed`` for 1,000 further completions (p50/p95 per call,
  each in its own transaction, including the idempotency check; the close
  job is kept scheduled by the periodic tick, not by the hook);
* ``close``: ``close_ended_months`` closing eleven months for every organisation;
* ``statement``: lines and CSV of the largest statement;
* ``usage``: the public 12-month counts by back-end (the /usage query).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OSSDESK_INSTANCE", tempfile.mkdtemp(prefix="ossdesk-bench-"))

START = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=9)  # 1 January 00:00 JST


def load(db, orgs: int, records: int, rng: random.Random) -> list[int]:
    from portal.billing.months import month_of
    from portal.models import Application
    from portal.models import BillingRecord
    from portal.models import Organization

    db.session.execute(sa.insert(Organization), [
        {"kind": "gyoseishoshi", "name": f"事務所{i}", "registration_number": "1"}
        for i in range(orgs)])
    org_ids = db.session.scalars(sa.select(Organization.id)).all()
    now = datetime(2026, 1, 1)
    for offset in range(0, records, 5000):
        apps = []
        for n in range(offset, min(offset + 5000, records)):
            org = rng.choice(org_ids)
            kei = rng.random() < 0.3
            done = START + timedelta(seconds=rng.randrange(0, 365 * 86400 - 31 * 86400))
            apps.append({"org_id": org, "agent_org_id": org, "procedure":
                         "kei_keizoku" if kei else "keizoku", "backend": "kei" if kei else "mlit",
                         "state": "completed", "payload": {}, "oss_status": "手続完了",
                         "receipt_number": f"R{n:09d}", "completed_at": done.replace(tzinfo=None),
                         "created_at": now, "updated_at": now})
        ids = db.session.scalars(sa.insert(Application).returning(
            Application.id, sort_by_parameter_order=True), apps).all()
        bills = [{"org_id": a["org_id"], "application_id": app_id,
                  "receipt_number": a["receipt_number"], "procedure": a["procedure"],
                  "backend": a["backend"], "completed_at": a["completed_at"],
                  "month": month_of(a["completed_at"]), "unit_price": 45, "created_at": now}
                 for app_id, a in zip(ids, apps, strict=True)]
        db.session.execute(sa.insert(BillingRecord), bills)
    db.session.commit()
    return org_ids


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def run(url: str, label: str, args) -> None:
    from flask_migrate import upgrade

    from portal import clock
    from portal import create_app
    from portal.billing import exports
    from portal.billing.close import close_ended_months
    from portal.billing.hooks import on_completed
    from portal.billing.statements import lines_of
    from portal.extensions import db
    from portal.models import Application
    from portal.models import Statement
    from portal.usage.counts import monthly_counts

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    rng = random.Random(20261125)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        org_ids = load(db, args.orgs, args.records, rng)
        print(f"\n== {label}: {args.records:,} billed applications, {args.orgs} organisations "
              f"loaded in {time.perf_counter() - started:.1f} s")
        clock.set_now(START + timedelta(days=340), app=app)  # early December 2026
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        hook = []
        for n in range(1000):
            row = Application(org_id=org_ids[n % len(org_ids)], procedure="iten",
                              backend="mlit", payload={}, state="completed",
                              oss_status="手続完了", receipt_number=f"H{n:06d}",
                              completed_at=clock.utcnow())
            db.session.add(row)
            db.session.commit()
            t = time.perf_counter()
            on_completed(row.id)
            db.session.commit()
            hook.append(time.perf_counter() - t)
        print(f"hook: p50 {ms(statistics.median(hook))}, p95 {ms(percentile(hook, 95))}")
        t = time.perf_counter()
        made = close_ended_months()
        db.session.commit()
        print(f"close: {len(made):,} statements in {time.perf_counter() - t:.2f} s")
        biggest = db.session.scalar(sa.select(Statement).order_by(Statement.item_count.desc()))
        t = time.perf_counter()
        lines = lines_of(biggest)
        body = exports.statement_csv(biggest)
        print(f"statement: {len(lines):,} lines + CSV ({len(body):,} bytes) in "
              f"{ms(time.perf_counter() - t)}")
        months = [f"2026-{m:02d}" for m in range(1, 13)]
        runs = []
        for _ in range(20):
            t = time.perf_counter()
            monthly_counts(months)
            runs.append(time.perf_counter() - t)
        print(f"usage counts (12 months): p50 {ms(statistics.median(runs))}, "
              f"p95 {ms(percentile(runs, 95))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orgs", type=int, default=300)
    parser.add_argument("--records", type=int, default=120_000)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ossdesk-bench-db-"))
    run(f"sqlite:///{workdir / 'bench.db'}", "SQLite", args)
    if args.postgres:
        from tests.services import PostgresServer

        server = PostgresServer()
        try:
            run(server.create_database("ossdesk_bench"), "PostgreSQL", args)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
