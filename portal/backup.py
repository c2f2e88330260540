"""Backups of the embedded database and the restore drill (SECURITY.md R7).

``ossdesk backup create PATH`` copies the SQLite database while the portal runs, with
SQLite's online backup (never a copy of the live file, which may be mid-write), checks the
copy's integrity and only then puts it at PATH. PostgreSQL is backed up by the database
itself (base backups plus WAL archiving, docs/deploy.md); the command refuses it and says so.

``ossdesk backup check PATH-or-URL`` is the restore drill: it opens a backup file (or a
database restored from one), checks its integrity and migration revision, counts the rows of
the main tables, and decrypts a sample signing certificate with the keyring in force — a
backup whose certificates cannot be decrypted is not a backup.
"""

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal.config import normalise_db_url
from portal.extensions import db

COUNTED = ("organization", "app_user", "application", "submission", "signing_certificate",
           "audit_event")


class BackupError(Exception):
    """The backup cannot be made; the message says why and what to do instead."""


@dataclass
class Check:
    """What the restore drill found; ``ok`` when ``problems`` is empty."""

    source: str
    revision: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    certificate: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sqlite_path() -> Path:
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError(
            "この環境のデータベースは PostgreSQL です。ベースバックアップと WAL アーカイブで"
            "バックアップしてください(docs/deploy.md)。")
    return Path(url.database)


def create(target: Path) -> dict:
    """Copy the live SQLite database to ``target`` (a consistent snapshot), checked."""
    source_path = _sqlite_path()
    target = Path(target)
    if target.resolve() == source_path.resolve():
        raise BackupError("バックアップ先に稼働中のデータベースそのものは指定できません。")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Personal data and bank details: readable by the service user only (SQLite gives its
    # journal files the database file's mode).
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    with closing(sqlite3.connect(source_path)) as source, \
            closing(sqlite3.connect(partial)) as copy:
        # One step: in WAL mode it only holds a read snapshot, so writers go on; a copy in
        # steps starts again whenever someone commits, and under a bulk send never ends.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal/-shm
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"バックアップの検査に失敗しました: {verdict}")
    partial.replace(target)  # both connections closed: nothing is left beside it
    return {"path": str(target), "bytes": target.stat().st_size}


def _url(source: str) -> str:
    if "://" in source:
        return normalise_db_url(source)
    return f"sqlite:///file:{Path(source).resolve()}?mode=ro&uri=true"  # never written to


def shown(source: str) -> str:
    """``source`` as it may be printed: a database URL without its password."""
    if "://" not in source:
        return source
    try:
        return make_url(source).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(読めないURL)"


def check(source: str) -> Check:
    """The restore drill on a backup file or a restored database URL."""
    from portal.main.health import schema_heads

    found = Check(source=shown(source))
    if "://" not in source and not Path(source).is_file():
        found.problems.append(f"ファイルがありません: {source}")
        return found
    engine = None
    try:
        engine = sa.create_engine(_url(source))
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                verdict = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
                if verdict != "ok":
                    found.problems.append(f"整合性検査: {verdict}")
            heads = set(MigrationContext.configure(conn).get_current_heads())
            found.revision = ",".join(sorted(heads)) or None
            if heads != schema_heads():
                found.problems.append(
                    f"マイグレーション {found.revision} は、このコードの "
                    f"{','.join(sorted(schema_heads()))} と異なります。")
            for table in COUNTED:
                found.counts[table] = conn.exec_driver_sql(
                    f"SELECT count(*) FROM {table}").scalar()  # noqa: S608 (fixed names)
        _decrypt_a_certificate(engine, found)
    except (sa.exc.SQLAlchemyError, ValueError) as exc:
        found.problems.append(f"読み込めません: {type(exc).__name__}")
    finally:
        if engine is not None:
            engine.dispose()
    return found


def _decrypt_a_certificate(engine, found: Check) -> None:
    """Open the newest deposited certificate with the keyring in force."""
    from oss.keystore import Pkcs12Error
    from oss.keystore import open_pkcs12
    from portal import vault
    from portal.models import SigningCertificate

    with Session(engine) as session:
        cert = session.scalars(sa.select(SigningCertificate)
                               .order_by(SigningCertificate.id.desc()).limit(1)).first()
        if cert is None:
            found.certificate = "(証明書なし)"
            return
        try:
            ring = vault.current_keyring()
            data = vault.decrypt(ring, cert.blob_ciphertext, cert.aad("pkcs12"))
            password = vault.decrypt(ring, cert.password_ciphertext, cert.aad("password"))
            open_pkcs12(data, password.decode())
        except (vault.VaultError, Pkcs12Error, ValueError) as exc:
            found.problems.append(
                f"証明書 {cert.id} を復号できません({type(exc).__name__}): 鍵(OSSDESK_KEYS)が"
                "このバックアップのものか確認してください。")
            return
        found.certificate = f"証明書 {cert.id} を復号し、開けました"
