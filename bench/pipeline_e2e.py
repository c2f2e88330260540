"""Benchmark: 10,000 applications end to end, from a bulk import to 到達 at the simulator.

    .venv/bin/python bench/pipeline_e2e.py [--apps 10000] [--workers 2] [--sign-seconds 10]
                                           [--procedure keizoku] [--split-cores] [--sqlite]

Everything runs on this machine and is thrown away afterwards: PostgreSQL (or, with
``--sqlite``, the embedded default's SQLite file) and Redis (started like the test session
does), the simulator under gunicorn (2 sync processes), the portal under gunicorn
(2 processes) and ``--workers`` ``ossdesk worker`` processes.

1. Baselines, on the same cores: as many processes as workers, each signing the procedure's
   application document in a loop (sign-only, the figure the target is stated against), and
   each building, XSD-validating and signing it (the whole cost of preparing a submission);
   both run before and after the end-to-end run and averaged (the machine may be shared).
2. A CSV of ``--apps`` rows (the procedure's import template, CP932, varied 車台番号) is
   uploaded to the portal's 一括取込 with 「送信可能として取り込む」; the import runs as a job
   on the workers and its status partial is polled as the browser does. The default
   procedure is 継続検査, which needs no 電子委任状, so every row is imported ready to send.
3. 申請データ送信 → 「申請準備完了のすべてを送信」 (one POST); the batch page's progress
   partial is then polled once a second (the page itself polls every 2 s) until every row
   is final.
4. Throughput = applications / (upload → last 到達 at the simulator, by its clock: the
   issue's measure), and, more cautiously, / (upload → the progress page showing every row
   final, up to a second of polling later). RSS of every web and worker process
   (work-horses included) is sampled every 0.5 s.
5. The simulator alone, after the run: 6,000 documents of the procedure signed beforehand,
   posted in batches of 100 from two threads — the most any pipeline could reach on these
   cores, since OSS's side (parse, XSD, certificate, signature check, storage) runs on them too.

Targets (issue 5): throughput ≥ 25 % of the baseline; every process < 200 MB RSS.

With ``--split-cores`` the simulator runs on a core of its own, as the real OSS runs on its own
machines, and everything else (the portal, its database, Redis, the baselines) on the first
core: the baseline is then the signing loop of the portal's cores.

CPU time is read per role (web, workers, simulator, PostgreSQL, Redis) from /proc before and
after; the portal-side figure (everything but the simulator, which stands in for the remote
OSS) is reported next to the wall-clock one.
"""

import argparse
import itertools
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


def _sign_loop(seconds: float, build: bool, procedure: str, queue) -> None:
    from forms import specs
    from oss import xml as oxml
    from oss.keystore import SigningMaterial
    from oss.signing import DocumentSigner
    from oss.signing import sign_document
    from tests.samples import example_payload

    ca = certs.make_ca("bench CA")
    leaf = certs.make_leaf(ca, "代理人 太郎")
    signer = DocumentSigner(SigningMaterial(leaf.key, leaf.cert))
    spec = specs.get(procedure)
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


def sign_baseline(processes: int, seconds: float, procedure: str, build: bool = False) -> float:
    """Documents per second of ``processes`` loops: signing only, or building + XSD + signing."""
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_sign_loop, args=(seconds, build, procedure, queue))
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


def simulator_alone(url: str, authorities, procedure: str, count: int = 6000,
                    clients: int = 2) -> float:
    """Documents per second the simulator alone takes in batches of 100 (signed beforehand
    with a trusted certificate): the ceiling of any pipeline on these cores."""
    from concurrent.futures import ThreadPoolExecutor

    from forms import specs
    from oss import xml as oxml
    from oss.client import OssClient
    from oss.client import Timeouts
    from oss.keystore import SigningMaterial
    from oss.signing import DocumentSigner
    from oss.signing import sign_document
    from tests.samples import example_payload

    leaf = certs.make_leaf(authorities.gyoseishoshi, "代理人 上限")
    signer = DocumentSigner(SigningMaterial(leaf.key, leaf.cert))
    spec = specs.get(procedure)
    agent = oxml.AgentInfo(1, "gyoseishoshi", "山田行政書士事務所", "12345678", "BENCH0002")
    documents = []
    for n in range(count):
        payload = example_payload(spec)
        payload["vehicle"]["chassis_no"] = f"CEIL-{n // 100 % 99 * 100 + n % 100:07d}"
        key = f"ceiling{n:025d}"
        root = oxml.build_application(spec, payload, oxml.Header(key, agent, date.today(),
                                                                 datetime.now(UTC)))
        documents.append((key, sign_document(signer, root).data))
    batches = [documents[i:i + 100] for i in range(0, count, 100)]
    backend = specs.get(procedure).backend
    client = OssClient(f"{url}/{backend}", timeouts=Timeouts(5, 120))
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answered = sum(len(items) for items in pool.map(client.submit_many, batches))
    elapsed = time.perf_counter() - started
    if answered != count:
        raise SystemExit(f"the simulator answered {answered} of {count}")
    return count / elapsed


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


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += _children(current)
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time of a process tree: every live process's own time, plus what the processes
    that were waited for (work-horses, PostgreSQL backends) left in their parents."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / ticks


def cpu_by_role(roots: dict[str, list[int]]) -> dict[str, float]:
    return {role: sum(cpu_seconds(pid) for pid in pids) for role, pids in roots.items()}


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


def open_hours(tmp: Path) -> str:
    """A service-hours file open around the clock: a benchmark measures the portal's speed,
    not the time of day it runs at (outside the shipped hours every send is refused)."""
    path = tmp / "service_hours.json"
    always = {"open": "00:00", "close": "24:00"}
    path.write_text(json.dumps({"service": always, "agency": always}), encoding="utf-8")
    return str(path)


def stop_all(procs: list[subprocess.Popen], redis_server, pg) -> None:
    """Stop the run's processes (SIGTERM, then SIGKILL after 20 s), Redis and PostgreSQL."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    redis_server.stop()
    if pg is not None:
        pg.stop()


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


def prepare(env: dict, authorities) -> tuple[str, str]:
    """Migrate and create the filing office; (login, password)."""
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
        login = office.staff.login_id
        db.session.remove()
    return login, PASSWORD


def import_file(procedure: str, count: int) -> bytes:
    """``count`` rows of the procedure's import template (CP932), each with its own 車台番号
    (none ending in the simulator's outcome markers, so every row is simply filed)."""
    from forms import specs
    from tests.samples import csv_bytes
    from tests.samples import example_payload
    from tests.samples import import_rows

    spec = specs.get(procedure)
    payloads = []
    serials = (n for n in range(10 * count) if n // 100 % 100 != 99)  # "99xx": simulator markers
    for serial in itertools.islice(serials, count):
        payload = example_payload(spec)
        payload["vehicle"]["chassis_no"] = f"BNCH-{serial:07d}"
        payloads.append(payload)
    return csv_bytes(import_rows(spec, payloads), "cp932")


def _token(html: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', html)[1]


def import_through_portal(session, base: str, procedure: str, data: bytes) -> dict:
    """Upload ``data`` with 「送信可能として取り込む」 and poll the status until it is final."""
    page = session.get(f"{base}/applications/import?procedure={procedure}").text
    resp = session.post(f"{base}/applications/import?procedure={procedure}",
                        data={"csrf_token": _token(page), "mark_ready": "1"},
                        files={"file": ("bench.csv", data, "text/csv")}, allow_redirects=False)
    result_url = base + resp.headers["Location"]
    batch_id = int(result_url.rstrip("/").rsplit("/", 1)[1])
    polls = 0
    while True:
        partial = session.get(f"{base}/applications/imports/{batch_id}/status",
                              headers={"HX-Request": "true"}).text
        polls += 1
        if "hx-get" not in partial:
            break
        time.sleep(1)
    ready = re.search(r'<td id="ready-count">(\d+)</td>', partial)
    return {"ready": int(ready[1]) if ready else 0, "polls": polls}


def run(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="ossdesk-bench-"))
    sim_cores: set[int] | None = None
    if args.split_cores:
        # The portal's side (this process and every child: PostgreSQL, Redis, web, workers,
        # the baselines) on the first core, the simulator on the rest, as the real OSS runs
        # on its own machines. Set before anything is started, so children inherit it.
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            raise SystemExit("--split-cores needs at least two cores")
        os.sched_setaffinity(0, {cores[0]})
        sim_cores = set(cores[1:])
    pg = None if args.sqlite else services.PostgresServer()
    redis_server = services.RedisServer()
    procs: list[subprocess.Popen] = []
    try:
        authorities = certs.make_authorities(tmp / "issuers")
        sim_port, web_port = services.free_port(), services.free_port()
        env = {"OSSDESK_INSTANCE": str(tmp / "instance"),
               "DATABASE_URL": (f"sqlite:///{tmp / 'portal.db'}" if pg is None
                                else pg.create_database("ossdesk_bench")),
               "REDIS_URL": redis_server.url,
               "OSS_MLIT_URL": f"http://127.0.0.1:{sim_port}/mlit",
               "OSS_KEI_URL": f"http://127.0.0.1:{sim_port}/kei",
               "OSSDESK_CERT_ISSUERS": str(authorities.directory),
               "OSSDESK_STATUS_POLL_SECONDS": "3600",
               "OSSDESK_SERVICE_HOURS": open_hours(tmp)}
        if args.chunk:
            env["OSSDESK_SUBMIT_CHUNK_SIZE"] = str(args.chunk)
        login_id, password = prepare(env, authorities)
        data = import_file(args.procedure, args.apps)
        full_env = {**os.environ, **env}
        sim_env = {**full_env, "OSS_SIM_DB": str(tmp / "sim.db"), "OSS_SIM_MODE": "fast",
                   "OSS_SIM_STEP": "3600", "OSS_SIM_ISSUERS": str(authorities.directory)}
        sim = subprocess.Popen(
            # Sync workers: each request goes to whichever process is free. Threaded
            # workers keep a client's connection, and the few clients here (two send
            # jobs at a time) then often sat on one process: one core, ≈ 700/s.
            [str(BIN / "gunicorn"), "-w", "2", "--timeout", "120", "-b",
             f"127.0.0.1:{sim_port}", "oss.simulator.wsgi:app"], cwd=ROOT, env=sim_env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=(lambda: os.sched_setaffinity(0, sim_cores)) if sim_cores else None)
        procs.append(sim)
        web = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "--timeout", "120", "-b",
             f"127.0.0.1:{web_port}", "wsgi:app"], cwd=ROOT, env=full_env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(web)
        _wait_http(f"http://127.0.0.1:{sim_port}/healthz")
        _wait_http(f"http://127.0.0.1:{web_port}/login")
        before = sign_baseline(args.workers, args.sign_seconds, args.procedure)
        before_full = sign_baseline(args.workers, args.sign_seconds, args.procedure, build=True)
        workers = [subprocess.Popen([str(BIN / "ossdesk"), "worker"], cwd=ROOT, env=full_env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for _ in range(args.workers)]
        procs += workers
        time.sleep(3)  # workers loaded and waiting
        profiled = {**{f"worker{i}": w for i, w in enumerate(workers)}, "simulator": sim,
                    "web": web}
        for name, proc in profiled.items() if args.profile else ():
            procs.append(subprocess.Popen(
                ["py-spy", "record", "--subprocesses", "--format", "raw", "--rate", "200",
                 "--duration", "25", "-o", str(Path(args.profile) / f"{name}.txt"),
                 "--pid", str(proc.pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        sampler = RssSampler({"web": [web.pid], "worker": [w.pid for w in workers]})
        sampler.start()
        base = f"http://127.0.0.1:{web_port}"
        session = requests.Session()
        login_page = session.get(f"{base}/login").text
        session.post(f"{base}/login", data={"login_id": login_id, "password": password,
                                            "csrf_token": _token(login_page)})
        roles = {"web": [web.pid], "worker": [w.pid for w in workers], "simulator": [sim.pid],
                 "postgresql": ([] if pg is None else
                                [int((Path(pg.data) / "postmaster.pid").read_text().split()[0])]),
                 "redis": [redis_server.proc.pid]}
        cpu_roles = cpu_by_role(roles)
        cpu_start = _cpu_times()
        started, started_epoch = time.perf_counter(), time.time()
        imported = import_through_portal(session, base, args.procedure, data)
        import_seconds = time.perf_counter() - started
        if imported["ready"] != args.apps:
            raise SystemExit(f"the import made {imported['ready']} of {args.apps} ready to send")
        page = session.get(f"{base}/submissions/?page=1").text
        if f"申請準備完了のすべて({args.apps:,}件)を送信" not in page:
            raise SystemExit("the send page does not offer every imported application")
        sent_at = time.perf_counter()
        resp = session.post(f"{base}/submissions/send",
                            data={"csrf_token": _token(page), "scope": "all_ready"},
                            allow_redirects=False)
        batch_url = base + resp.headers["Location"]
        created = time.perf_counter() - sent_at
        polls = 0
        while True:
            partial = session.get(f"{batch_url}/progress", headers={"HX-Request": "true"}).text
            polls += 1
            if 'data-finished="true"' in partial:
                break
            time.sleep(1)
        elapsed = time.perf_counter() - started
        cpu_end = _cpu_times()
        cpu_roles = {role: round(seconds - cpu_roles[role], 1)
                     for role, seconds in cpu_by_role(roles).items()}
        sampler.stop.set()
        for proc in workers:
            proc.terminate()  # the cores to the baseline again
        for proc in workers:
            proc.wait(30)
        after = sign_baseline(args.workers, args.sign_seconds, args.procedure)
        after_full = sign_baseline(args.workers, args.sign_seconds, args.procedure, build=True)
        baseline = (before + after) / 2
        full = (before_full + after_full) / 2
        figure = re.search(r"(\d+) / (\d+)件", partial)
        stats = requests.get(f"http://127.0.0.1:{sim_port}/_sim/stats").json()
        sim_alone = simulator_alone(f"http://127.0.0.1:{sim_port}", authorities, args.procedure)
        rate = args.apps / elapsed
        # The measure ends at the last 到達 at the simulator; the run above ends when
        # the progress page (polled every second here) shows it.
        to_arrival = stats["last_received_at"] - started_epoch
        rate_to_arrival = args.apps / to_arrival
        portal_cpu = sum(cpu_roles[r] for r in ("web", "worker", "postgresql", "redis"))
        portal_cores = len(os.sched_getaffinity(0))
        per_core_sign = baseline / min(args.workers, portal_cores)  # loops share the cores
        return {"applications": args.apps, "procedure": args.procedure, "workers": args.workers,
                "database": "sqlite" if pg is None else "postgresql",
                "portal_cores": sorted(os.sched_getaffinity(0)),
                "simulator_cores": sorted(sim_cores) if sim_cores else "shared",
                "import_seconds": round(import_seconds, 1), "import_polls": imported["polls"],
                "send_request_seconds": round(created, 2), "elapsed_seconds": round(elapsed, 1),
                "throughput_per_s": round(rate, 1), "sign_only_per_s": round(baseline, 1),
                "sign_only_before_after": [round(before, 1), round(after, 1)],
                "build_validate_sign_per_s": round(full, 1),
                "ratio_to_build_validate_sign": round(rate / full, 3),
                "ratio": round(rate / baseline, 3), "done": figure[0] if figure else "",
                "seconds_to_last_arrival": round(to_arrival, 2),
                "throughput_to_last_arrival_per_s": round(rate_to_arrival, 1),
                "ratio_to_last_arrival": round(rate_to_arrival / baseline, 3),
                "simulator_alone_per_s": round(sim_alone, 1),
                "simulator_alone_vs_sign_only": round(sim_alone / baseline, 3),
                "ratio_to_simulator_alone": round(rate / sim_alone, 3),
                "simulator_applications": stats["applications"],
                "duplicates_at_simulator": stats["duplicate_applications"],
                "progress_polls": polls, "cpu_seconds_by_role": cpu_roles,
                "portal_cpu_seconds": round(portal_cpu, 1),
                "portal_per_cpu_second": round(args.apps / portal_cpu, 1),
                "sign_only_per_cpu_second": round(per_core_sign, 1),
                "portal_cpu_ratio": round(args.apps / portal_cpu / per_core_sign, 3),
                "machine_idle_share": round(
                    (cpu_end[0] - cpu_start[0]) / max(1, cpu_end[1] - cpu_start[1]), 3),
                "send_jobs_seconds": job_breakdown(redis_server.url),
                "peak_rss_mb": {k: round(v, 1) for k, v in sampler.peak.items()}}
    finally:
        stop_all(procs, redis_server, pg)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, help="submissions per send job (default: the "
                        "pipeline's SUBMIT_CHUNK_SIZE)")
    parser.add_argument("--procedure", default="keizoku",
                        help="procedure code of the imported rows (default 継続検査)")
    parser.add_argument("--sign-seconds", type=float, default=10.0)
    parser.add_argument("--split-cores", action="store_true",
                        help="the portal, its database and the baselines on the first core, "
                        "the simulator (the remote OSS) on the others")
    parser.add_argument("--sqlite", action="store_true",
                        help="the embedded default's database (a SQLite file) instead of "
                        "PostgreSQL; Redis is still a real server")
    parser.add_argument("--profile",
                        help="folder for py-spy samples of the workers, the simulator and the "
                        "web processes (raw)")
    result = run(parser.parse_args())
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"end to end {result['throughput_per_s']}/s vs sign-only {result['sign_only_per_s']}/s"
          f" on the same cores: {result['ratio']:.1%} (target >= 25 %); vs build + XSD + sign "
          f"{result['build_validate_sign_per_s']}/s: {result['ratio_to_build_validate_sign']:.1%}"
          f"; peak RSS {result['peak_rss_mb']} MB (target < 200 MB each)")
    print(f"import to the last 到達 at the simulator: {result['seconds_to_last_arrival']} s, "
          f"{result['throughput_to_last_arrival_per_s']}/s: {result['ratio_to_last_arrival']:.1%} "
          f"of sign-only (the figure above ends when the progress page, polled every second, "
          f"shows it)")
    print(f"the simulator alone takes {result['simulator_alone_per_s']}/s on these cores "
          f"({result['simulator_alone_vs_sign_only']:.1%} of sign-only): the end-to-end run "
          f"reaches {result['ratio_to_simulator_alone']:.1%} of that ceiling")
    print(f"portal side only (web, workers, PostgreSQL, Redis; not the simulator): "
          f"{result['portal_per_cpu_second']} applications per CPU-second vs sign-only "
          f"{result['sign_only_per_cpu_second']} per CPU-second: {result['portal_cpu_ratio']:.1%}")


if __name__ == "__main__":
    main()
