"""Benchmark the double-filing check of a ready import (portal/applications/duplicates.py).

Usage::

    .venv/bin/python bench/duplicates_check.py [--rows 10000] [--applications 100000]
                                               [--rounds 3] [--postgres]

Builds a throw-away database through the migrations (SQLite by default; with
``--postgres`` also a throw-away PostgreSQL server, as the tests start it),
writes ``--applications`` 継続検査 applications of one office (half ready, half
completed), then times ``duplicates.check_rows`` for an import of ``--rows``
rows with new 車台番号: one query for all of them, then the file's own repeats.
The first round reads a cold cache; the figure is each round's time.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OSSDESK_INSTANCE", tempfile.mkdtemp(prefix="ossdesk-bench-"))


def run(url: str, args) -> None:
    import seed_applications as seed
    from flask_migrate import upgrade

    from forms.importer import RowResult
    from portal import create_app
    from portal.applications import duplicates
    from portal.extensions import db
    from portal.models import Application
    from portal.models import ApplicationState
    from portal.models import Backend

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        org = seed.one_office(db)
        db.session.execute(sa.insert(Application), [
            {"org_id": org.id, "agent_org_id": org.id, "procedure": "keizoku",
             "backend": Backend.MLIT, "payload": {}, "chassis_no": f"OLD-{n:07d}",
             "state": ApplicationState.READY if n % 2 else ApplicationState.COMPLETED}
            for n in range(args.applications)])
        db.session.commit()
        rows = [RowResult(n + 2, {"vehicle": {"chassis_no": f"NEW-{n:07d}"}}, [])
                for n in range(args.rows)]
        name = db.engine.dialect.name
        for round_no in range(1, args.rounds + 1):
            started = time.perf_counter()
            duplicates.check_rows(org.id, "keizoku", rows, "車台番号")
            elapsed = (time.perf_counter() - started) * 1000
            db.session.rollback()
            print(f"{name}: round {round_no}: {args.rows:,} rows against "
                  f"{args.applications:,} applications: {elapsed:.0f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    args = parser.parse_args()
    run(f"sqlite:///{tempfile.mkdtemp(prefix='ossdesk-bench-db-')}/bench.db", args)
    if args.postgres:
        from tests.services import PostgresServer

        server = PostgresServer()
        try:
            run(server.create_database("ossdesk_bench"), args)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
