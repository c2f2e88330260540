"""Backups of the embedded database and the restore drill (SECURITY.md R7)."""

import os
from contextlib import closing

import pytest
import sqlalchemy as sa

from portal import backup
from portal import vault
from portal.certificates.deposit import deposit
from portal.extensions import db
from portal.models import OrgKind
from tests.applications.filed import filed
from tests.portal.conftest import PASSWORD
from tests.portal.conftest import new_org
from tests.portal.conftest import p12


@pytest.fixture
def office(any_issuer_app, issuers, tenants):
    """An office with a deposited certificate and a few applications."""
    org = tenants["a"]
    deposit(org, p12(issuers.gyoseishoshi)[1], PASSWORD, None, None)
    for code in ("iten", "henko", "keizoku"):
        filed(tenants["a_staff"], code)
    db.session.commit()
    return org


def _counts() -> dict[str, int]:
    return {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
            for t in backup.COUNTED}


def test_a_backup_of_the_live_database_passes_the_drill(app, office, tmp_path):
    made = backup.create(tmp_path / "nightly" / "ossdesk.db")
    assert made["bytes"] > 0
    assert [p.name for p in (tmp_path / "nightly").iterdir()] == ["ossdesk.db"]  # no -wal/-shm
    assert (tmp_path / "nightly" / "ossdesk.db").stat().st_mode & 0o777 == 0o600  # owner only
    found = backup.check(made["path"])
    assert found.ok, found.problems
    assert found.counts == _counts() and found.counts["application"] == 3
    assert found.certificate.endswith("を復号し、開けました")
    assert found.revision


def test_a_backup_finishes_while_the_portal_keeps_writing(app, office, tmp_path):
    """A copy made in steps starts again at every commit; under a bulk send it would never
    end. The copy is one snapshot: it ends, and holds what was committed before it."""
    import threading
    import time

    stop, written, failed = threading.Event(), [], []
    db.session.commit()  # the test's own transaction holds nothing
    path = db.engine.url.database

    def keep_writing():
        import sqlite3

        try:
            with closing(sqlite3.connect(path, timeout=10)) as conn:
                while not stop.is_set():
                    conn.execute("INSERT INTO counter_probe (n) VALUES (1)")
                    conn.commit()
                    written.append(1)
                    time.sleep(0.005)
        except Exception as exc:  # reported below
            failed.append(exc)

    import sqlite3

    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE counter_probe (n INTEGER)")
        conn.execute("CREATE TABLE ballast (b BLOB)")  # thousands of pages to copy
        conn.execute("INSERT INTO ballast VALUES (randomblob(64000000))")
        conn.commit()
    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        deadline = time.monotonic() + 10
        while len(written) < 20 and not failed and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not failed and len(written) >= 20, failed
        made = []

        def copy():
            with app.app_context():
                made.append(backup.create(tmp_path / "busy.db"))

        copier = threading.Thread(target=copy)
        copier.start()
        copier.join(20)
        finished_while_writing = bool(made)
    finally:
        stop.set()
        writer.join()
    copier.join(60)
    assert finished_while_writing, "the backup did not finish within 20 s of steady writes"
    made = made[0]
    assert backup.check(made["path"]).ok and not failed
    with closing(sqlite3.connect(made["path"])) as copy:
        assert copy.execute("SELECT count(*) FROM counter_probe").fetchone()[0] >= 20


def test_the_live_database_is_never_the_target(app):
    with pytest.raises(backup.BackupError):
        backup.create(db.engine.url.database)


def test_the_drill_fails_without_the_backups_key(app, office, tmp_path):
    made = backup.create(tmp_path / "ossdesk.db")
    other = vault.Keyring(primary="k9", keys={"k9": os.urandom(32)})
    app.extensions["ossdesk_keyring"] = other  # the keys were lost or are not this backup's
    found = backup.check(made["path"])
    assert not found.ok and "復号できません" in found.problems[0]


def test_the_drill_fails_on_a_damaged_or_missing_file(app, tmp_path):
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    assert not backup.check(str(damaged)).ok
    missing = backup.check(str(tmp_path / "none.db"))
    assert not missing.ok and "ファイルがありません" in missing.problems[0]


def test_postgresql_is_backed_up_by_the_database_and_drilled_by_url(pg_app, authorities):
    pg_app.config["CERT_ISSUER_DIR"] = str(authorities.directory)
    issuers = authorities
    with pytest.raises(backup.BackupError) as info:
        backup.create("/tmp/never.db")
    assert "WAL" in str(info.value)
    org = new_org(OrgKind.GYOSEISHOSHI)
    deposit(org, p12(issuers.gyoseishoshi)[1], PASSWORD, None, None)
    db.session.commit()
    url = db.engine.url.set(password="drill-secret").render_as_string(hide_password=False)
    short = url.replace("postgresql+psycopg://", "postgres://")  # as operators write it
    found = backup.check(short)
    assert found.ok, found.problems
    assert found.counts["signing_certificate"] == 1
    assert "drill-secret" not in found.source  # printed by the command: no password


def test_the_commands_exit_non_zero_when_the_drill_fails(app, office, tmp_path):
    runner = app.test_cli_runner()
    target = str(tmp_path / "ossdesk.db")
    made = runner.invoke(args=["backup", "create", target])
    assert made.exit_code == 0, made.output
    drill = runner.invoke(args=["backup", "check", target])
    assert drill.exit_code == 0 and drill.output.rstrip().endswith("OK")
    assert "application: 3" in drill.output
    failed = runner.invoke(args=["backup", "check", str(tmp_path / "none.db")])
    assert failed.exit_code == 1
