"""Benchmark the 申請データ統計検索 page (admins) with 100,000 applications.

Usage::

    .venv/bin/python bench/stats_page.py [--rows 100000] [--rounds 10] [--postgres]

Builds and seeds a throw-away database as ``bench/search_page.py`` does (the organisation's
admin sees 9/10 of the rows), logs in as that admin and requests ``/admin/stats`` through the
Flask test client — the whole request: tenancy, the counts, the lead times, the charts and the
template — for the page as it opens (every month), one procedure, one month, and the CSV.
Prints p50/p95/max wall time per view. No target is set by an issue; the page should open
well within a second.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("OSSDESK_INSTANCE", tempfile.mkdtemp(prefix="ossdesk-bench-"))

from search_page import build  # noqa: E402
from search_page import throwaway_database  # noqa: E402
from search_page import percentile  # noqa: E402

VIEWS = {
    "as it opens (every month)": "/admin/stats",
    "one procedure (移転登録)": "/admin/stats?procedure=iten",
    "one month": "/admin/stats?date_from=2025-06-01&date_to=2025-06-30",
    "CSV, every month": "/admin/stats.csv",
}


def run(app, login_id: str, rounds: int) -> dict[str, list[float]]:
    import seed_applications as seed

    client = app.test_client()
    resp = client.post("/login", data={"login_id": login_id, "password": seed.PASSWORD})
    assert resp.status_code == 302, resp.status_code
    times: dict[str, list[float]] = {name: [] for name in VIEWS}
    for r in range(rounds + 1):
        for name, path in VIEWS.items():
            start = time.perf_counter()
            resp = client.get(path)
            elapsed = (time.perf_counter() - start) * 1000
            assert resp.status_code == 200, (path, resp.status_code)
            if r:  # the first round warms caches
                times[name].append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    server, url = throwaway_database(args.postgres)
    try:
        app, _, _ = build(url, args.rows)
        with app.app_context():
            from portal.extensions import db
            from portal.models import User
            from portal.models.user import Role

            admin = db.session.scalar(db.select(User).where(User.role == Role.ADMIN)
                                      .order_by(User.id))  # agent 甲's, made first
            login_id = admin.login_id
        times = run(app, login_id, args.rounds)
    finally:
        if server is not None:
            server.stop()
    print(f"\n申請データ統計検索, {'PostgreSQL' if args.postgres else 'SQLite'}, "
          f"{args.rows:,} applications, {args.rounds} rounds (ms)")
    print(f"{'view':30} {'p50':>8} {'p95':>8} {'max':>8}")
    for name, values in times.items():
        print(f"{name:30} {statistics.median(values):8.1f} {percentile(values, .95):8.1f} "
              f"{max(values):8.1f}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
