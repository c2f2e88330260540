"""The simulator's own SQLite database (never the portal's).

One connection per thread; every change runs in ``BEGIN IMMEDIATE`` so
concurrent requests are serialised by SQLite, and the UNIQUE constraint on
(back-end, idempotency key) makes a second application for one key impossible.
"""

import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS receipt_list (
  id INTEGER PRIMARY KEY, backend TEXT NOT NULL, identification_number TEXT NOT NULL,
  bulk_user_id TEXT NOT NULL, idempotency_key TEXT NOT NULL, request_digest TEXT NOT NULL,
  created_at REAL NOT NULL, UNIQUE (backend, idempotency_key),
  UNIQUE (backend, identification_number));
CREATE TABLE IF NOT EXISTS application (
  id INTEGER PRIMARY KEY, backend TEXT NOT NULL, arrival_number TEXT NOT NULL UNIQUE,
  receipt_number TEXT UNIQUE, idempotency_key TEXT NOT NULL, procedure TEXT NOT NULL,
  bulk_user_id TEXT NOT NULL, agent_name TEXT NOT NULL, agent_kind TEXT NOT NULL,
  cert_subject TEXT NOT NULL, cert_serial TEXT NOT NULL, cert_type TEXT NOT NULL,
  doc_digest TEXT NOT NULL, body_digest TEXT NOT NULL, marker TEXT,
  marker_spent INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL, waiting TEXT, next_at REAL, deadline_at REAL,
  substeps TEXT NOT NULL DEFAULT '{}', suspend_reserved_at REAL, resume_to TEXT,
  receipt_list_id INTEGER REFERENCES receipt_list(id), resubmission_of TEXT,
  received_at REAL NOT NULL, updated_at REAL NOT NULL, document BLOB NOT NULL,
  UNIQUE (backend, idempotency_key));
CREATE INDEX IF NOT EXISTS ix_application_body ON application(body_digest);
CREATE INDEX IF NOT EXISTS ix_application_due ON application(next_at);
CREATE TABLE IF NOT EXISTS event (
  id INTEGER PRIMARY KEY, application_id INTEGER NOT NULL, at REAL NOT NULL,
  status TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS ix_event_application ON event(application_id);
CREATE TABLE IF NOT EXISTS flag_item (
  id INTEGER PRIMARY KEY, application_id INTEGER NOT NULL, flag TEXT NOT NULL,
  title TEXT NOT NULL, body TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS ix_flag_application ON flag_item(application_id);
CREATE TABLE IF NOT EXISTS fee (
  id INTEGER PRIMARY KEY, application_id INTEGER NOT NULL, code TEXT NOT NULL,
  label TEXT NOT NULL, amount INTEGER NOT NULL, money TEXT NOT NULL, paid_via TEXT, paid_at REAL);
CREATE INDEX IF NOT EXISTS ix_fee_application ON fee(application_id);
CREATE TABLE IF NOT EXISTS request_log (
  id INTEGER PRIMARY KEY, backend TEXT NOT NULL, op TEXT NOT NULL, method TEXT NOT NULL,
  path TEXT NOT NULL, idempotency_key TEXT, http_status INTEGER, error_code TEXT,
  fault TEXT, at REAL NOT NULL, duration_ms REAL);
CREATE INDEX IF NOT EXISTS ix_request_key ON request_log(idempotency_key);
"""

def _lists_numbered_per_backend(conn: sqlite3.Connection) -> None:
    """A database made before each back-end numbered its own lists held 識別番号 unique
    across both, so the first 軽OSS list after an OSS one failed: rebuild that table."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND "
                       "name = 'receipt_list'").fetchone()
    if row is None or "identification_number TEXT NOT NULL UNIQUE" not in row[0]:
        return
    start = SCHEMA.index("CREATE TABLE IF NOT EXISTS receipt_list (")
    create = SCHEMA[start:SCHEMA.index(";", start) + 1].replace("receipt_list (",
                                                                "receipt_list_new (")
    # New table, copy, drop, rename: renaming the old one instead would make the foreign key
    # of application follow it to the dropped name.
    conn.executescript(
        "BEGIN IMMEDIATE; " + create + " INSERT INTO receipt_list_new SELECT * FROM "
        "receipt_list; DROP TABLE receipt_list; ALTER TABLE receipt_list_new RENAME TO "
        "receipt_list; COMMIT;")


_APP_FIELDS = ("receipt_number", "status", "waiting", "next_at", "deadline_at", "substeps",
               "suspend_reserved_at", "resume_to", "receipt_list_id", "marker_spent",
               "updated_at")


class App:
    """An application row being worked on; ``Flow`` changes it, ``Tx.save`` writes it."""

    def __init__(self, row: sqlite3.Row, fees: list[dict]):
        self.__dict__.update(dict(row))
        self.substeps = json.loads(self.substeps)
        self.fees = fees
        self.new_events: list[tuple[float, str, str]] = []
        self.new_flags: list[tuple[str, str, str, float]] = []

    def event(self, at: float, status: str, detail: str = "") -> None:
        self.new_events.append((at, status, detail))

    def raise_flag(self, flag: str, title: str, body: str, at: float) -> None:
        self.new_flags.append((flag, title, body, at))


class Tx:
    """Queries inside one transaction."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def next_number(self, name: str) -> int:
        self.conn.execute("INSERT OR IGNORE INTO counter (name, value) VALUES (?, 0)", (name,))
        return self.conn.execute("UPDATE counter SET value = value + 1 WHERE name = ? "
                                 "RETURNING value", (name,)).fetchone()[0]

    def _load(self, row) -> App | None:
        if row is None:
            return None
        fees = [dict(r) for r in self.conn.execute(
            "SELECT * FROM fee WHERE application_id = ? ORDER BY id", (row["id"],))]
        return App(row, fees)

    def app_by_arrival(self, backend: str, arrival_number: str) -> App | None:
        return self._load(self.conn.execute(
            "SELECT * FROM application WHERE backend = ? AND arrival_number = ?",
            (backend, arrival_number)).fetchone())

    def app_by_key(self, backend: str, key: str) -> App | None:
        return self._load(self.conn.execute(
            "SELECT * FROM application WHERE backend = ? AND idempotency_key = ?",
            (backend, key)).fetchone())

    def app_by_receipt(self, backend: str, receipt_number: str) -> App | None:
        return self._load(self.conn.execute(
            "SELECT * FROM application WHERE backend = ? AND receipt_number = ?",
            (backend, receipt_number)).fetchone())

    def insert_app(self, values: dict, fees: list[dict]) -> App:
        values = {**values, "substeps": json.dumps(values.get("substeps", {}))}
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        app_id = self.conn.execute(f"INSERT INTO application ({cols}) VALUES ({marks})",
                                   tuple(values.values())).lastrowid
        for fee in fees:
            self.conn.execute("INSERT INTO fee (application_id, code, label, amount, money) "
                              "VALUES (?, ?, ?, ?, ?)",
                              (app_id, fee["code"], fee["label"], fee["amount"], fee["money"]))
        return self._load(self.conn.execute("SELECT * FROM application WHERE id = ?",
                                            (app_id,)).fetchone())

    def save(self, app: App) -> None:
        values = [json.dumps(app.substeps, ensure_ascii=False) if f == "substeps"
                  else getattr(app, f) for f in _APP_FIELDS]
        sets = ", ".join(f"{f} = ?" for f in _APP_FIELDS)
        self.conn.execute(f"UPDATE application SET {sets} WHERE id = ?", (*values, app.id))
        self.conn.executemany("INSERT INTO event (application_id, at, status, detail) "
                              "VALUES (?, ?, ?, ?)", [(app.id, *e) for e in app.new_events])
        self.conn.executemany("INSERT INTO flag_item (application_id, flag, title, body, at) "
                              "VALUES (?, ?, ?, ?, ?)", [(app.id, *f) for f in app.new_flags])
        for fee in app.fees:
            self.conn.execute("UPDATE fee SET paid_via = ?, paid_at = ? WHERE id = ?",
                              (fee["paid_via"], fee["paid_at"], fee["id"]))
        app.new_events, app.new_flags = [], []

    def events(self, app_id: int) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM event WHERE application_id = ? ORDER BY id",
                                 (app_id,)).fetchall()

    def flag_items(self, app_id: int) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM flag_item WHERE application_id = ? ORDER BY id",
                                 (app_id,)).fetchall()

    def receipt_list(self, list_id: int) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM receipt_list WHERE id = ?", (list_id,)).fetchone()

    def log_request(self, **values) -> None:
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.conn.execute(f"INSERT INTO request_log ({cols}) VALUES ({marks})",
                          tuple(values.values()))


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        conn = self._conn()
        _lists_numbered_per_backend(conn)
        conn.executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self):
        """A write transaction (``BEGIN IMMEDIATE``), committed on success."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield Tx(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def read(self) -> Tx:
        """Reads outside a transaction (each statement sees a committed snapshot)."""
        return Tx(self._conn())

    def reset(self) -> None:
        """Delete everything (tests)."""
        with self.transaction() as tx:
            for table in ("event", "flag_item", "fee", "application", "receipt_list",
                          "request_log", "counter"):
                tx.conn.execute(f"DELETE FROM {table}")
