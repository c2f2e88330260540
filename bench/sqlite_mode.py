"""SQLite mode under load (SECURITY.md R6): does the embedded database hold up with several
web and worker processes writing at once?

    .venv/bin/python bench/sqlite_mode.py [--seconds 120] [--pollers 50] [--web 4] [--workers 4]

Everything runs on this machine and is thrown away afterwards: the portal on a SQLite file
(WAL, ``busy_timeout`` 10 s, ``synchronous=FULL``, every transaction ``BEGIN IMMEDIATE``, as
``ossdesk up`` runs it) under gunicorn (``--web`` processes × 4 threads), ``--workers``
``ossdesk worker`` processes on a real Redis, and the simulator (fast mode: statuses move
every few seconds, so the workers' status polls keep writing).

1. 3,000 継続検査 are imported ready to send through the portal's 一括取込.
2. For ``--seconds``: ``--pollers`` threads poll as open pages do, every 5 s — half the
   list's live rows (``/applications/rows`` with 20 ids in flight), half an application's
   status part; one thread sends 100 ready applications every 10 s, as staff would.
3. Reported: requests, latency p50/p95/p99 of the polls and the sends, HTTP 5xx and failed
   requests, and every "database is locked" (or other traceback) in the web and worker logs.

Targets (R6): 0 "database is locked"; no 5xx.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import requests  # noqa: E402
from pipeline_e2e import BIN  # noqa: E402
from pipeline_e2e import _token  # noqa: E402
from pipeline_e2e import _wait_http  # noqa: E402
from pipeline_e2e import import_file  # noqa: E402
from pipeline_e2e import import_through_portal  # noqa: E402
from pipeline_e2e import prepare  # noqa: E402

from tests import certs  # noqa: E402
from tests import services  # noqa: E402

POLL_SECONDS = 5.0
SEND_EVERY = 10.0
SEND_SIZE = 100


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else 0.0


class Load:
    """Pollers and a sender sharing one login; every request's time and status is kept."""

    def __init__(self, base: str, cookies, app_ids: list[int], seconds: float):
        self.base, self.cookies, self.seconds = base, cookies, seconds
        self.ready = list(app_ids)
        self.sent: list[int] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.results: dict[str, list[tuple[float, int]]] = {"rows": [], "status": [], "send": []}
        self.failures: list[str] = []

    def _session(self) -> requests.Session:
        session = requests.Session()
        session.cookies.update(self.cookies)
        return session

    def _record(self, kind: str, started: float, status: int) -> None:
        with self.lock:
            self.results[kind].append(((time.perf_counter() - started) * 1000, status))

    def poller(self, kind: str) -> None:
        session = self._session()
        time.sleep(random.uniform(0, POLL_SECONDS))  # pages were opened at different times
        while not self.stop.is_set():
            with self.lock:
                sent = list(self.sent)
            if sent:
                if kind == "rows":
                    ids = ",".join(str(i) for i in random.sample(sent, min(20, len(sent))))
                    url = f"{self.base}/applications/rows?ids={ids}"
                else:
                    url = f"{self.base}/applications/{random.choice(sent)}/status"
                started = time.perf_counter()
                try:
                    resp = session.get(url, headers={"HX-Request": "true"}, timeout=30)
                    self._record(kind, started, resp.status_code)
                except requests.RequestException as exc:
                    self.failures.append(f"{kind}: {type(exc).__name__}")
            self.stop.wait(POLL_SECONDS)

    def sender(self) -> None:
        session = self._session()
        while not self.stop.is_set():
            with self.lock:
                part, self.ready = self.ready[:SEND_SIZE], self.ready[SEND_SIZE:]
            if part:
                token = _token(session.get(f"{self.base}/submissions/").text)
                started = time.perf_counter()
                try:
                    resp = session.post(f"{self.base}/submissions/send", allow_redirects=False,
                                        data={"csrf_token": token,
                                              "application_id": [str(i) for i in part]},
                                        timeout=60)
                    self._record("send", started, resp.status_code)
                    with self.lock:
                        self.sent += part
                except requests.RequestException as exc:
                    self.failures.append(f"send: {type(exc).__name__}")
            self.stop.wait(SEND_EVERY)

    def run(self, pollers: int) -> None:
        threads = [threading.Thread(target=self.sender, daemon=True)]
        threads += [threading.Thread(target=self.poller, args=("rows" if i % 2 else "status",),
                                     daemon=True) for i in range(pollers)]
        for thread in threads:
            thread.start()
        time.sleep(self.seconds)
        self.stop.set()
        for thread in threads:
            thread.join(60)


def ready_ids(db_path: Path) -> list[int]:
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        return [r[0] for r in conn.execute(
            "SELECT id FROM application WHERE state = 'ready' ORDER BY id")]


def outcome(db_path: Path) -> dict:
    """What the workers did meanwhile: submissions by state, applications by state, events."""
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        return {"submissions": dict(conn.execute(
                    "SELECT state, count(*) FROM submission GROUP BY state")),
                "applications": dict(conn.execute(
                    "SELECT state, count(*) FROM application GROUP BY state")),
                "history_events": conn.execute("SELECT count(*) FROM application_event")
                .fetchone()[0]}


def log_findings(paths: list[Path]) -> dict[str, int]:
    text = "\n".join(p.read_text(errors="replace") for p in paths if p.exists())
    return {"database is locked": text.count("database is locked"),
            "Traceback": text.count("Traceback (most recent call last)"),
            "OperationalError": len(re.findall(r"OperationalError", text))}


def run(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="ossdesk-sqlite-mode-"))
    redis_server = services.RedisServer()
    procs: list[subprocess.Popen] = []
    logs: list[Path] = []
    try:
        authorities = certs.make_authorities(tmp / "issuers")
        sim_port, web_port = services.free_port(), services.free_port()
        db_path = tmp / "portal.db"
        env = {"OSSDESK_INSTANCE": str(tmp / "instance"), "DATABASE_URL": f"sqlite:///{db_path}",
               "REDIS_URL": redis_server.url,
               "OSS_MLIT_URL": f"http://127.0.0.1:{sim_port}/mlit",
               "OSS_KEI_URL": f"http://127.0.0.1:{sim_port}/kei",
               "OSSDESK_CERT_ISSUERS": str(authorities.directory),
               "OSSDESK_STATUS_POLL_SECONDS": "10"}
        login_id, password = prepare(env, authorities)
        full_env = {**os.environ, **env}

        def start(name: str, cmd: list[str], extra: dict | None = None) -> subprocess.Popen:
            log = tmp / f"{name}.log"
            logs.append(log)
            proc = subprocess.Popen(cmd, cwd=ROOT, env={**full_env, **(extra or {})},
                                    stdout=log.open("wb"), stderr=subprocess.STDOUT)
            procs.append(proc)
            return proc

        start("simulator", [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{sim_port}",
                            "oss.simulator.wsgi:app"],
              {"OSS_SIM_DB": str(tmp / "sim.db"), "OSS_SIM_MODE": "fast", "OSS_SIM_STEP": "5",
               "OSS_SIM_ISSUERS": str(authorities.directory)})
        start("web", [str(BIN / "gunicorn"), "-w", str(args.web), "-k", "gthread", "--threads",
                      "4", "--timeout", "120", "-b", f"127.0.0.1:{web_port}", "wsgi:app"])
        for i in range(args.workers):
            start(f"worker{i}", [str(BIN / "ossdesk"), "worker"])
        _wait_http(f"http://127.0.0.1:{sim_port}/healthz")
        _wait_http(f"http://127.0.0.1:{web_port}/login")
        base = f"http://127.0.0.1:{web_port}"
        session = requests.Session()
        session.post(f"{base}/login", data={"login_id": login_id, "password": password,
                                            "csrf_token": _token(session.get(f"{base}/login").text)})
        imported = import_through_portal(session, base, "keizoku", import_file("keizoku", 3000))
        ids = ready_ids(db_path)
        load = Load(base, session.cookies, ids, args.seconds)
        load.run(args.pollers)
        time.sleep(5)  # the last send's jobs
        findings = log_findings(logs)
        done = outcome(db_path)
        summary = {}
        for kind, rows in load.results.items():
            times = [t for t, _ in rows]
            summary[kind] = {"requests": len(rows),
                             "p50_ms": round(percentile(times, .5), 1),
                             "p95_ms": round(percentile(times, .95), 1),
                             "p99_ms": round(percentile(times, .99), 1),
                             "max_ms": round(max(times), 1) if times else 0,
                             "5xx": sum(1 for _, s in rows if s >= 500),
                             "statuses": sorted({s for _, s in rows})}
        return {"seconds": args.seconds, "pollers": args.pollers, "web_processes": args.web,
                "workers": args.workers, "imported_ready": imported["ready"],
                "sent": len(load.sent), "outcome": done, "requests": summary,
                "request_failures": len(load.failures), "logs": findings,
                "load_average": os.getloadavg()[0]}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        redis_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--pollers", type=int, default=50)
    parser.add_argument("--web", type=int, default=4, help="gunicorn processes (4 threads each)")
    parser.add_argument("--workers", type=int, default=4)
    result = run(parser.parse_args())
    print(json.dumps(result, ensure_ascii=False, indent=1))
    locked = result["logs"]["database is locked"]
    errors = sum(r["5xx"] for r in result["requests"].values())
    print(f"R6: 'database is locked' {locked} (target 0), HTTP 5xx {errors} (target 0), "
          f"failed requests {result['request_failures']}")


if __name__ == "__main__":
    main()
