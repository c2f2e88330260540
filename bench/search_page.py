"""Benchmark the 申請データ検索 page with 100,000 applications: filters, sorting, paging.

Usage::

    .venv/bin/python bench/search_page.py [--rows 100000] [--rounds 20] [--postgres]

Builds a throw-away database through the migrations (SQLite by default; with
``--postgres`` a throw-away PostgreSQL server started as the tests start it),
seeds it with ``bench/seed_applications.py`` (9/10 of the rows visible to the
staff user who searches), logs in, and requests the page through the Flask
test client — the whole request: session, tenancy, the count, the page of ids,
the rows and the template. A fixed mix of searches is repeated ``--rounds``
times after one warm-up round. Prints p50/p95 wall time per search and overall,
the p95 of this process's CPU time per request (on SQLite that is all the work,
so it shows what the page costs when the machine is shared), the load average
and the process's peak RSS. Target: p95 under 100 ms. The staff user's home page
(its 「対応が必要な申請」 counts the same rows) is timed in the same rounds and
reported on its own line, outside the search figures.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("OSSDESK_INSTANCE", tempfile.mkdtemp(prefix="ossdesk-bench-"))

SEARCHES = {
    "default (all, newest first)": "",
    "page 40": "?page=40",
    "deep page 1500": "?page=1500",
    "procedure": "?procedure=iten",
    "state in flight": "?state=in_flight",
    "OSS status": "?oss_status=審査中",
    "own tab + kei": "?tab=own&backend=kei",
    "incoming (requester)": "?tab=incoming",
    "date range (submitted)": "?date_field=submitted_at&date_from=2025-06-01&date_to=2025-06-30",
    "staff + state": "?staff={staff}&state=completed",
    "登録番号 contains": "?registration_no=品川 4",
    "車台番号 contains": "?chassis_no=0012",
    "sort chassis asc": "?sort=chassis_no&dir=asc",
    "sort state, page 10": "?sort=state&dir=asc&page=10",
    "sort submitted asc": "?sort=submitted_at&dir=asc",
    "combined + 200 per page": "?procedure=keizoku&state=completed&date_from=2025-03-01"
                               "&per_page=200&sort=completed_at",
}


def percentile(values, q):
    """Nearest rank; 0 for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else 0.0


def throwaway_database(postgres: bool):
    """(server or None, URL): a PostgreSQL server started as the tests start it, or a SQLite
    file in a temporary folder."""
    if postgres:
        from tests.services import PostgresServer

        server = PostgresServer()
        return server, server.create_database("ossdesk_bench")
    return None, f"sqlite:///{tempfile.mkdtemp(prefix='ossdesk-bench-db-')}/bench.db"


def build(url: str, rows: int):
    import seed_applications as seed
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        world = seed.organisations(db)
        start = time.perf_counter()
        for_a = seed.applications(db, world, rows)
        print(f"seeded {rows:,} applications ({for_a:,} visible to the searching staff) "
              f"in {time.perf_counter() - start:.1f} s")
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        user = world["staff_a"][0]
        return app, user.login_id, world["staff_a"][1].id


def run(app, login_id: str, staff_id: int, rounds: int):
    import seed_applications as seed

    client = app.test_client()
    resp = client.post("/login", data={"login_id": login_id, "password": seed.PASSWORD})
    assert resp.status_code == 302, resp.status_code
    times: dict[str, list[float]] = {name: [] for name in SEARCHES}
    cpu: list[float] = []
    home: list[float] = []
    for r in range(rounds + 1):
        start = time.perf_counter()
        resp = client.get("/dashboard")
        assert resp.status_code == 200 and b'id="waiting"' in resp.data, resp.status_code
        if r:
            home.append((time.perf_counter() - start) * 1000)
        for name, query in SEARCHES.items():
            path = "/applications" + query.format(staff=staff_id)
            start, start_cpu = time.perf_counter(), time.process_time()
            resp = client.get(path)
            elapsed = (time.perf_counter() - start) * 1000
            assert resp.status_code == 200, (path, resp.status_code)
            if r:  # the first round warms caches
                times[name].append(elapsed)
                cpu.append((time.process_time() - start_cpu) * 1000)
    return times, cpu, home


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    server, url = throwaway_database(args.postgres)
    try:
        app, login_id, staff_id = build(url, args.rows)
        times, cpu, home = run(app, login_id, staff_id, args.rounds)
    finally:
        if server is not None:
            server.stop()
    print(f"\n申請データ検索, {'PostgreSQL' if args.postgres else 'SQLite'}, "
          f"{args.rows:,} applications, {args.rounds} rounds (ms)")
    print(f"{'search':34} {'p50':>8} {'p95':>8} {'max':>8}")
    for name, values in times.items():
        print(f"{name:34} {statistics.median(values):8.1f} {percentile(values, .95):8.1f} "
              f"{max(values):8.1f}")
    every = [v for values in times.values() for v in values]
    print(f"{'ALL':34} {statistics.median(every):8.1f} {percentile(every, .95):8.1f} "
          f"{max(every):8.1f}   (target p95 < 100 ms)")
    print(f"{'home page (対応が必要な申請)':30} {statistics.median(home):8.1f} "
          f"{percentile(home, .95):8.1f} {max(home):8.1f}   (not in ALL)")
    print(f"CPU time of this process per request: p50 {statistics.median(cpu):.1f} ms, "
          f"p95 {percentile(cpu, .95):.1f} ms; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process (app + seeding): {rss:.0f} MiB")


if __name__ == "__main__":
    main()
