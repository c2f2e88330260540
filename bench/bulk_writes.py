"""Benchmark the pipeline's many-row writes on PostgreSQL: executemany against ``portal.bulk``.

Usage::

    .venv/bin/python bench/bulk_writes.py [--rows 10000] [--rounds 4]

Starts a throw-away PostgreSQL server (as the tests start it), builds the schema through
the migrations and writes ``--rows`` ready 継続検査 applications. Then, in alternating
rounds, the two writes a send job makes for every application it files: the 到達 update
of the application (state, 到達番号, OSS status and times; what ``jobs.pipeline.outcomes``
writes) and its history event, once as an executemany (one statement execution per row,
psycopg pipelines them; the pipeline's way until 2026-11-26) and once with
``portal.bulk`` (one ``unnest`` statement per 2,000 rows). Each round runs in a
transaction that is rolled back, and the table is vacuumed between rounds.

Prints per method the median over its rounds of wall time, client CPU (this process)
and server CPU (the PostgreSQL backend of the connection, from /proc).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OSSDESK_INSTANCE", tempfile.mkdtemp(prefix="ossdesk-bench-"))


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _executemany_update(connection, table, values_by_id):
    columns = sorted(next(iter(values_by_id.values())))
    stmt = (table.update().where(table.c.id == sa.bindparam("b_id"))
            .values({c: sa.bindparam(c, type_=table.c[c].type) for c in columns}))
    connection.execute(stmt, [{"b_id": i, **v} for i, v in values_by_id.items()])


def _executemany_insert(connection, table, rows):
    connection.execute(table.insert(), rows)


def run(url: str, args) -> dict:
    import seed_applications as seed
    from flask_migrate import upgrade

    from portal import bulk
    from portal import create_app
    from portal.applications.services import event_values
    from portal.extensions import db
    from portal.models import Application
    from portal.models import ApplicationEvent
    from portal.models import ApplicationState as S
    from portal.models import Backend
    from portal.models.base import utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    methods = {"executemany": (_executemany_update, _executemany_insert),
               "portal.bulk": (bulk.update_rows, bulk.insert_rows)}
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in methods}
    with app.app_context():
        upgrade()
        org = seed.one_office(db)
        bulk.insert_rows(db.session.connection(), Application.__table__, [
            {"org_id": org.id, "agent_org_id": org.id, "procedure": "keizoku",
             "backend": Backend.MLIT, "payload": {"vehicle": {"chassis_no": f"B-{n:07d}"}},
             "chassis_no": f"B-{n:07d}", "state": S.SENDING} for n in range(args.rows)])
        db.session.commit()
        ids = list(db.session.scalars(sa.select(Application.id).order_by(Application.id)))
        for round_no in range(args.rounds * len(methods)):
            name = list(methods)[round_no % len(methods)]
            update, insert = methods[name]
            now = utcnow()
            arrivals = {i: {"state": S.ARRIVED, "arrival_number": f"{i:017d}",
                            "oss_status": "到達", "submitted_at": now, "oss_status_at": now,
                            "last_polled_at": now} for i in ids}
            events = [event_values(i, "submitted", from_state=S.SENDING, to_state=S.ARRIVED,
                                   comment=f"到達番号 {i:017d}", arrival_number=f"{i:017d}",
                                   submission_id=i) for i in ids]
            with db.engine.connect() as connection:
                pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
                connection.rollback()
                server, client, wall = _backend_cpu(pid), time.process_time(), time.perf_counter()
                with connection.begin() as transaction:
                    update(connection, Application.__table__, arrivals)
                    insert(connection, ApplicationEvent.__table__, events)
                    figures[name].append((time.perf_counter() - wall,
                                          time.process_time() - client,
                                          _backend_cpu(pid) - server))
                    transaction.rollback()
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM application, application_event")
        db.engine.dispose()
    return {name: tuple(round(statistics.median(f[k] for f in runs), 3) for k in range(3))
            for name, runs in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=4, help="rounds per method")
    args = parser.parse_args()
    from tests import services

    server = services.PostgresServer()
    try:
        result = run(server.create_database("ossdesk_bench"), args)
    finally:
        server.stop()
    print(f"{args.rows:,} applications' 到達 update + history event, median of "
          f"{args.rounds} rounds each (wall / client CPU / server CPU, seconds):")
    for name, (wall, client, server_cpu) in result.items():
        print(f"  {name:12s} {wall:6.3f} / {client:6.3f} / {server_cpu:6.3f}")


if __name__ == "__main__":
    main()
