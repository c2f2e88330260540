"""Benchmark the live-status poll against trivial endpoints on the same gunicorn (PostgreSQL).

Usage::

    .venv/bin/python bench/poll_rps.py [--rows 100000] [--seconds 8] [--clients 4]

Starts a throw-away PostgreSQL server, migrates and seeds it with
``bench/seed_applications.py`` (100,000 applications), then runs gunicorn
(2 gthread workers × 4 threads, as docs/deploy.md) on ``bench/poll_app.py``.
Client processes keep one HTTP/1.1 connection each and request one path as fast
as it answers, for a fixed time; the requests per second of each path are
measured in the same run, in interleaved slices (``--cycles``):

* ``/bench/public`` — trivial, no login; ``/bench/ping`` — trivial, logged in;
* the list poll with nothing changed (the steady state: 204) for a default page
  (its live rows) and for a page of 200 live rows;
* the list poll with a stale version (renders the rows, 200);
* the detail status poll with nothing changed (204).

Then the 申請データ検索 page over HTTP (p50/p95) and the full CSV and Excel
exports (time, size). The RSS of every gunicorn process is sampled throughout.
Targets: poll ≥ 50 % of the trivial endpoint's requests/s; web RSS < 200 MB.
"""

import argparse
import http.client
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("OSSDESK_INSTANCE", tempfile.mkdtemp(prefix="ossdesk-bench-"))

from search_page import SEARCHES  # noqa: E402
from search_page import percentile  # noqa: E402


def _hammer(port: int, path: str, cookie: str, seconds: float, out) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "HX-Request": "true"}
    done, bad, deadline = 0, 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        done += 1
        bad += resp.status >= 400
    out.put((done, bad))


def rps(port: int, path: str, cookie: str, seconds: float, clients: int) -> float:
    """Requests per second of ``path`` with ``clients`` connections busy for ``seconds``."""
    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_hammer, args=(port, path, cookie, seconds, out))
             for _ in range(clients)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    done, bad = sum(r[0] for r in results), sum(r[1] for r in results)
    assert bad == 0, f"{bad} error answers from {path}"
    return done / seconds


class RssSampler(threading.Thread):
    """Peak RSS of the gunicorn master and each worker while the benchmark runs."""

    def __init__(self, master_pid: int):
        super().__init__(daemon=True)
        self.master, self.peaks, self.running = master_pid, {}, True

    def _pids(self):
        children = Path(f"/proc/{self.master}/task/{self.master}/children")
        kids = children.read_text().split() if children.exists() else []
        return [self.master, *map(int, kids)]

    def run(self):
        while self.running:
            for pid in self._pids():
                try:
                    text = Path(f"/proc/{pid}/status").read_text()
                except FileNotFoundError:
                    continue
                found = re.search(r"VmRSS:\s+(\d+)", text)
                if found:  # a process that is exiting has none
                    self.peaks[pid] = max(self.peaks.get(pid, 0), int(found.group(1)))
            time.sleep(0.1)


def seed_database(url: str, rows: int):
    import search_page

    app, login_id, _ = search_page.build(url, rows)
    return login_id


def start_gunicorn(url: str, port: int):
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT / "bench")}
    env.pop("REDIS_URL", None)
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4",
           "-b", f"127.0.0.1:{port}", "--keep-alive", "30", "--log-level", "warning",
           "poll_app:app"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/public")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def log_in(base: str, login_id: str):
    import requests
    import seed_applications as seed

    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'"X-CSRFToken": "([^"]+)"', page)
    resp = session.post(f"{base}/login", data={"login_id": login_id, "password": seed.PASSWORD,
                                               "csrf_token": token.group(1)},
                        allow_redirects=False)
    assert resp.status_code == 302, resp.status_code
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return session, cookie


def poll_path(session, base: str, query: str) -> str:
    resp = session.get(f"{base}/applications{query}")
    found = re.search(r'<div id="rows-poller"[^>]*hx-get="([^"]+)"', resp.text)
    assert found, (resp.status_code, resp.url, resp.text[:3000])
    return found.group(1).replace("&amp;", "&")


def status_path(session, base: str, query: str) -> str:
    html = session.get(f"{base}/applications{query}").text
    app_id = re.search(r'<tr id="application-(\d+)"[^>]*data-live="1"', html).group(1)
    detail = session.get(f"{base}/applications/{app_id}").text
    return re.search(r'hx-get="(/applications/\d+/status\?v=[0-9a-f]+)"', detail).group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--cycles", type=int, default=4)
    args = parser.parse_args()

    from tests.services import PostgresServer
    from tests.services import free_port

    server = PostgresServer()
    gunicorn = None
    try:
        url = server.create_database("ossdesk_bench")
        login_id = seed_database(url, args.rows)
        port = free_port()
        gunicorn = start_gunicorn(url, port)
        sampler = RssSampler(gunicorn.pid)
        sampler.start()
        base = f"http://127.0.0.1:{port}"
        session, cookie = log_in(base, login_id)
        paths = {
            "trivial, public (/bench/public)": "/bench/public",
            "trivial, logged in (/bench/ping)": "/bench/ping",
            "list poll, unchanged (default page)": poll_path(session, base, ""),
            "list poll, unchanged (200 live rows)": poll_path(
                session, base, "?state=in_flight&per_page=200"),
            "list poll, changed (renders 200 rows)": re.sub(
                r"v=[0-9a-f]+", "v=stale", poll_path(session, base,
                                                     "?state=in_flight&per_page=200")),
            "detail status poll, unchanged": status_path(session, base, "?state=in_flight"),
        }
        for path in paths.values():
            rps(port, path, cookie, 1.0, args.clients)  # warm every worker and thread
        # Interleaved slices, so a change in the machine's load hits every path alike.
        counts = {name: [] for name in paths}
        for _ in range(args.cycles):
            for name, path in paths.items():
                counts[name].append(rps(port, path, cookie, args.seconds / args.cycles,
                                        args.clients))
        results = {name: statistics.mean(values) for name, values in counts.items()}
        page_times = []
        for _ in range(5):
            for query in SEARCHES.values():
                start = time.perf_counter()
                assert session.get(f"{base}/applications{query.format(staff=0)}").ok
                page_times.append((time.perf_counter() - start) * 1000)
        exports = {}
        for fmt in ("csv", "xlsx"):
            start = time.perf_counter()
            resp = session.get(f"{base}/applications/export.{fmt}", allow_redirects=False)
            # Excel stops at exports.XLSX_MAX_ROWS: above it the page comes back with a message
            assert resp.status_code in ((200,) if fmt == "csv" else (200, 302)), resp.status_code
            exports[fmt] = (time.perf_counter() - start, len(resp.content), resp.status_code)
        sampler.running = False
        sampler.join()
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(30)
        server.stop()

    trivial = results["trivial, public (/bench/public)"]
    logged_in = results["trivial, logged in (/bench/ping)"]
    print(f"\nPostgreSQL, {args.rows:,} applications; gunicorn 2 gthread workers × 4 threads; "
          f"{args.clients} client connections; {args.seconds:.0f} s per path; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'path':40} {'req/s':>8} {'vs public':>10} {'vs logged in':>13}")
    for name, value in results.items():
        print(f"{name:40} {value:8.0f} {value / trivial:9.0%} {value / logged_in:12.0%}")
    print(f"\n申請データ検索 over HTTP (5 rounds of {len(SEARCHES)} searches): "
          f"p50 {statistics.median(page_times):.0f} ms, p95 {percentile(page_times, .95):.0f} ms")
    for fmt, (seconds, size, status) in exports.items():
        if status == 302:
            print(f"export {fmt}: refused in {seconds:.1f} s (over the Excel row limit; use CSV)")
        else:
            print(f"export {fmt}: {seconds:.1f} s, {size / 1024 / 1024:.1f} MiB")
    print("peak RSS per gunicorn process (MiB): " + ", ".join(
        f"{'master' if pid == gunicorn.pid else 'worker'} {kb / 1024:.0f}"
        for pid, kb in sampler.peaks.items()) + "  (target < 200 MB)")


if __name__ == "__main__":
    main()
