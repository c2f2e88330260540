"""Benchmark: 10,000 applications end to end, from one bulk send to 到達 at the simulator.

    .venv/bin/python bench/pipeline_e2e.py [--apps 10000] [--workers 2] [--sign-seconds 10]

Everything runs on this machine and is thrown away afterwards: PostgreSQL and Redis
(started like the test session does), the simulator under gunicorn (2 processes), the
portal under gunicorn (2 processes) and ``--workers`` ``ossdesk worker`` processes.

1. Baselines, on the same cores: as many processes as workers, each signing the application
   document in a loop (sign-only, the figure the target is stated against), and each building,
   XSD-validating and signing it (the whole cost of preparing a submission); both run before
   and after the end-to-end run and averaged (the machine may be shared).
2. The applications are created directly in the database (READY, varied 車台番号).
3. One POST of all ids to ``submissions.send`` on the portal; the batch page's progress
   partial is then polled once a second, as the browser does, until every row is final.
4. Throughput = applications / (first POST → last 到達); RSS of every web and worker
   process (work-horses included) is sampled every 0.5 s.

Targets (issue 5): throughput ≥ 25 % of the baseline; every process < 200 MB RSS.
"""

import argparse
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

import requests  # noqa: E402

from tests import certs  # noqa: E402
from tests import services  # noqa: E402

# --- baseline: build + validate + sign, nothing else --------------------------------------


def _sign_loop(seconds: float, build: bool, queue) -> None:
    from forms import specs
    from oss import xml as oxml
    from oss.keystore import SigningMaterial
    from oss.signing import DocumentSigner
    from oss.signing import sign_document
    from tests.samples import example_payload

    ca = certs.make_ca("bench CA")
    leaf = certs.make_leaf(ca, "代理人 太郎")
    signer = DocumentSigner(SigningMaterial(leaf.key, leaf.cert))
    spec = specs.get("iten")
    payload = example_payload(spec)
    agent = oxml.AgentInfo(1, "gyoseishoshi", "山田行政書士事務所", "12345678", "BENCH0001",
                           branch_name="本店")
    built = oxml.build_application(spec, payload, oxml.Header(
        "bench" + "0" * 27, agent, date.today(), datetime.now(UTC)))
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        if build:
            header = oxml.Header(f"bench{count:027d}", agent, date.today(), datetime.now(UTC))
            sign_document(signer, oxml.build_application(spec, payload, header))
        else:
            sign_document(signer, built)
        count += 1
    queue.put(count / (time.perf_counter() - started))


def sign_baseline(processes: int, seconds: float, build: bool = False) -> float:
    """Documents per second of ``processes`` loops: signing only, or building + XSD + signing."""
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_sign_loop, args=(seconds, build, queue))
             for _ in range(processes)]
    for p in procs:
        p.start()
    rates = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return sum(rates)


def _cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return fields[3] + fields[4], sum(fields)


# --- RSS sampling ----------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler(threading.Thread):
    """Peak RSS per role: the process trees of the web and of the workers."""

    def __init__(self, roots: dict[str, list[int]]):
        super().__init__(daemon=True)
        self.roots = roots
        self.peak: dict[str, float] = {role: 0.0 for role in roots}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.5):
            for role, pids in self.roots.items():
                tree = list(pids)
                for pid in pids:
                    tree += _children(pid)
                    for child in _children(pid):
                        tree += _children(child)
                for pid in tree:
                    self.peak[role] = max(self.peak[role], _rss_mb(pid))


def job_breakdown(redis_url: str) -> dict:
    """Where the send jobs spent their time (from the finished jobs' results in Redis)."""
    import redis as redis_py
    from rq import Queue
    from rq.job import Job

    conn = redis_py.Redis.from_url(redis_url)
    ids = [i for i in Queue("default", connection=conn).finished_job_registry.get_job_ids()
           if i.startswith("send-")]
    totals = {"jobs": 0, "wall": 0.0, "prepare": 0.0, "oss": 0.0, "record": 0.0}
    for job in Job.fetch_many(ids, connection=conn):
        result = job.return_value() if job is not None else None
        if not result or "seconds" not in result:
            continue
        totals["jobs"] += 1
        totals["wall"] += (job.ended_at - job.started_at).total_seconds()
        for phase, seconds in result["seconds"].items():
            totals[phase] += seconds
    totals["outside_the_job_function"] = totals["wall"] - sum(
        totals[p] for p in ("prepare", "oss", "record"))
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in totals.items()}


# --- the run ---------------------------------------------------------------------------------


def _wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def prepare(env: dict, apps: int, authorities) -> tuple[str, str, list[int]]:
    """Migrate, create the office and ``apps`` READY applications; (login, password, ids)."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from tests.pipeline.office import PASSWORD
    from tests.pipeline.office import Office

    app = create_app({"CERT_ISSUER_DIR": str(authorities.directory)})
    with app.app_context():
        upgrade()
        office = Office.create(authorities, name="ベンチ行政書士事務所")
        ids: list[int] = []
        while len(ids) < apps:
            ids += office.ready(min(1000, apps - len(ids)))
        login = office.staff.login_id
        db.session.remove()
    return login, PASSWORD, ids


def run(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="ossdesk-bench-"))
    pg, redis_server = services.PostgresServer(), services.RedisServer()
    procs: list[subprocess.Popen] = []
    try:
        authorities = certs.make_authorities(tmp / "issuers")
        sim_port, web_port = services.free_port(), services.free_port()
        env = {"OSSDESK_INSTANCE": str(tmp / "instance"),
               "DATABASE_URL": pg.create_database("ossdesk_bench"), "REDIS_URL": redis_server.url,
               "OSS_MLIT_URL": f"http://127.0.0.1:{sim_port}/mlit",
               "OSS_KEI_URL": f"http://127.0.0.1:{sim_port}/kei",
               "OSSDESK_CERT_ISSUERS": str(authorities.directory),
               "OSSDESK_STATUS_POLL_SECONDS": "3600"}
        login_id, password, ids = prepare(env, args.apps, authorities)
        full_env = {**os.environ, **env}
        sim_env = {**full_env, "OSS_SIM_DB": str(tmp / "sim.db"), "OSS_SIM_MODE": "fast",
                   "OSS_SIM_STEP": "3600", "OSS_SIM_ISSUERS": str(authorities.directory)}
        procs.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "-k", "gthread", "-w", "2", "--threads", "4", "-b",
             f"127.0.0.1:{sim_port}", "oss.simulator.wsgi:app"], cwd=ROOT, env=sim_env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        web = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "--timeout", "120", "-b",
             f"127.0.0.1:{web_port}", "wsgi:app"], cwd=ROOT, env=full_env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(web)
        _wait_http(f"http://127.0.0.1:{sim_port}/healthz")
        _wait_http(f"http://127.0.0.1:{web_port}/login")
        before = sign_baseline(args.workers, args.sign_seconds)
        before_full = sign_baseline(args.workers, args.sign_seconds, build=True)
        workers = [subprocess.Popen([str(BIN / "ossdesk"), "worker"], cwd=ROOT, env=full_env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for _ in range(args.workers)]
        procs += workers
        time.sleep(3)  # workers loaded and waiting
        for i, worker in enumerate(workers if args.profile else []):
            procs.append(subprocess.Popen(
                ["py-spy", "record", "--subprocesses", "--format", "raw", "--rate", "200",
                 "--duration", "25",
                 "-o", str(Path(args.profile) / f"worker{i}.txt"), "--pid", str(worker.pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        sampler = RssSampler({"web": [web.pid], "worker": [w.pid for w in workers]})
        sampler.start()
        base = f"http://127.0.0.1:{web_port}"
        session = requests.Session()
        token = re.search(r'"X-CSRFToken": "([^"]+)"', session.get(f"{base}/login").text)[1]
        session.post(f"{base}/login", data={"login_id": login_id, "password": password,
                                            "csrf_token": token})
        page = session.get(f"{base}/submissions/?page=1").text
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page)[1]
        cpu_start = _cpu_times()
        started = time.perf_counter()
        resp = session.post(f"{base}/submissions/send",
                            data={"csrf_token": token, "application_id": ids},
                            allow_redirects=False)
        batch_url = base + resp.headers["Location"]
        created = time.perf_counter() - started
        polls = 0
        while True:
            partial = session.get(f"{batch_url}/progress", headers={"HX-Request": "true"}).text
            polls += 1
            if 'data-finished="true"' in partial:
                break
            time.sleep(1)
        elapsed = time.perf_counter() - started
        cpu_end = _cpu_times()
        sampler.stop.set()
        for proc in workers:
            proc.terminate()  # the cores to the baseline again
        for proc in workers:
            proc.wait(30)
        after = sign_baseline(args.workers, args.sign_seconds)
        after_full = sign_baseline(args.workers, args.sign_seconds, build=True)
        baseline = (before + after) / 2
        full = (before_full + after_full) / 2
        figure = re.search(r"(\d+) / (\d+)件", partial)
        stats = requests.get(f"http://127.0.0.1:{sim_port}/_sim/stats").json()
        rate = args.apps / elapsed
        return {"applications": args.apps, "workers": args.workers,
                "send_request_seconds": round(created, 2), "elapsed_seconds": round(elapsed, 1),
                "throughput_per_s": round(rate, 1), "sign_only_per_s": round(baseline, 1),
                "sign_only_before_after": [round(before, 1), round(after, 1)],
                "build_validate_sign_per_s": round(full, 1),
                "ratio_to_build_validate_sign": round(rate / full, 3),
                "ratio": round(rate / baseline, 3), "done": figure[0] if figure else "",
                "simulator_applications": stats["applications"],
                "duplicates_at_simulator": stats["duplicate_applications"],
                "progress_polls": polls, "machine_idle_share": round(
                    (cpu_end[0] - cpu_start[0]) / max(1, cpu_end[1] - cpu_start[1]), 3),
                "send_jobs_seconds": job_breakdown(redis_server.url),
                "peak_rss_mb": {k: round(v, 1) for k, v in sampler.peak.items()}}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        redis_server.stop()
        pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sign-seconds", type=float, default=10.0)
    parser.add_argument("--profile", help="folder for py-spy samples of the workers (raw)")
    result = run(parser.parse_args())
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"end to end {result['throughput_per_s']}/s vs sign-only {result['sign_only_per_s']}/s"
          f" on the same cores: {result['ratio']:.1%} (target >= 25 %); vs build + XSD + sign "
          f"{result['build_validate_sign_per_s']}/s: {result['ratio_to_build_validate_sign']:.1%}"
          f"; peak RSS {result['peak_rss_mb']} MB (target < 200 MB each)")


if __name__ == "__main__":
    main()
