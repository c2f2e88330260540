"""Benchmark: read and check a generated 10,000-row bulk-import file.

Measures what a bulk import costs before any database write: decoding the
upload (Shift_JIS/CP932 CSV by default, or .xlsx), mapping headers, converting
every cell and running every field validator and filing rule on every row.

Run on one core, as the targets are stated:

    taskset -c 0 .venv/bin/python bench/import_validate.py [--rows 10000] [--format csv|xlsx]

With ``--db`` it also times the whole import into a throw-away SQLite
database (read, check, insert the drafts and their history rows).

Targets (issue 3): under 10 s, peak memory under 300 MB. Time and ru_maxrss
come from a plain run; the Python-heap peak from a second run under
tracemalloc (which slows code down, so its time is not the figure).
"""

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms import importer  # noqa: E402
from forms import specs  # noqa: E402
from tests.samples import csv_bytes  # noqa: E402
from tests.samples import example_payload  # noqa: E402
from tests.samples import import_rows  # noqa: E402
from tests.samples import xlsx_bytes  # noqa: E402

SURNAMES = ("山田", "佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "中村", "小林", "加藤")
GIVEN = ("太郎", "花子", "一郎", "次郎", "美咲", "健太", "陽子", "誠", "大輔", "さくら")


def generate(rows: int, bad_every: int) -> list[dict]:
    """Varied 移転登録 rows; every ``bad_every``-th row breaks one rule or format."""
    spec = specs.get("iten")
    payloads = []
    for i in range(rows):
        p = example_payload(spec)
        p["vehicle"]["reg_serial"] = str(1 + i % 9999)
        p["vehicle"]["chassis_no"] = f"ZVW30-{1000000 + i}"
        p["owner"]["name"] = f"{SURNAMES[i % 10]}　{GIVEN[(i // 10) % 10]}"
        p["owner"]["address1"] = f"東京都千代田区霞が関{'一二三'[i % 3]}丁目１番３号"
        p["owner"]["chome"] = str(1 + i % 3)
        if bad_every and i % bad_every == 0:
            kind = (i // bad_every) % 4
            if kind == 0:
                p["registration"]["cause"] = "相続"
            elif kind == 1:
                p["owner"]["name"] = "髙橋　一郎"
            elif kind == 2:
                p["vehicle"]["reg_kana"] = "お"
            else:
                p["owner"]["chome"] = ""
        payloads.append(p)
    return payloads


def run(data: bytes) -> importer.TableResult:
    table = importer.read_table(data)
    return importer.check_rows(specs.get("iten"), table, kei_manager_name="業者")


def run_with_database(data: bytes) -> tuple[float, int]:
    """Import ``data`` as drafts through ``run_batch`` into a fresh SQLite file."""
    import os
    import tempfile

    folder = tempfile.mkdtemp(prefix="ossdesk-bench-")
    os.environ["OSSDESK_INSTANCE"] = folder
    from flask_migrate import upgrade

    from portal import create_app
    from portal.applications import imports
    from portal.extensions import db
    from portal.models import Branch
    from portal.models import Organization
    from portal.models import OrgKind
    from portal.models import Role
    from portal.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        org = Organization(kind=OrgKind.GYOSEISHOSHI, name="ベンチ事務所")
        db.session.add(org)
        db.session.flush()
        db.session.add(Branch(org_id=org.id, name="本店", kei_manager_name="業者"))
        user = User(org_id=org.id, login_id="bench", display_name="ベンチ", role=Role.STAFF)
        user.set_password("bench-pass-123")
        db.session.add(user)
        db.session.commit()
        batch = imports.create_batch(user, "iten", data, "bench.csv", valid_only=True,
                                     to_full_width=False)
        db.session.commit()
        start = time.perf_counter()
        batch = imports.run_batch(batch.id)
        return time.perf_counter() - start, batch.imported


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--bad-every", type=int, default=20)
    parser.add_argument("--db", action="store_true", help="also import into SQLite")
    args = parser.parse_args()

    table = import_rows(specs.get("iten"), generate(args.rows, args.bad_every))
    data = csv_bytes(table, "cp932") if args.format == "csv" else xlsx_bytes(table)
    del table
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    result = run(data)
    wall = time.perf_counter() - wall0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    rows, invalid = len(result.rows), len(result.invalid)
    del result

    tracemalloc.start()
    run(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"file: {args.format}, {len(data) / 1024 / 1024:.1f} MiB, {rows:,} rows "
          f"({invalid:,} with problems), 移転登録 ({len(importer.columns(specs.get('iten')))} columns)")
    print(f"read + check: wall {wall:.2f} s, cpu {cpu:.2f} s, {rows / wall:,.0f} rows/s "
          f"(target < 10 s)")
    print(f"peak Python heap (tracemalloc): {peak / 1024 / 1024:.1f} MiB; "
          f"process max RSS: {usage1.ru_maxrss / 1024:.1f} MiB "
          f"(before the run {rss_before / 1024:.1f} MiB) (target < 300 MB)")
    if args.db:
        seconds, imported = run_with_database(data)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"with SQLite: read + check + insert {imported:,} drafts: {seconds:.2f} s "
              f"({imported / seconds:,.0f} drafts/s); process max RSS {rss:.1f} MiB")


if __name__ == "__main__":
    main()
