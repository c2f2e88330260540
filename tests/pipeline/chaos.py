"""Chaos harness (SECURITY.md R1–R4): real Redis, PostgreSQL, 2 ``ossdesk worker`` processes and
the simulator as its own process with 5xx and accept-then-timeout faults; whatever runs a
job (a work-horse, or a worker running a send job itself) is SIGKILLed at random moments,
Redis is flushed and restarted, PostgreSQL crashes and comes back, and for spells the
simulator answers only after 5 s (past the workers' timeout: it files the request after
the client has given up). Figures are returned for the report.
"""

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import requests
import sqlalchemy as sa
from redis import Redis
from redis.exceptions import RedisError
from rq import Worker

from jobs.pipeline import breaker
from portal.config import ROOT
from portal.extensions import db
from portal.models import Submission
from tests.services import _wait_port
from tests.services import free_port

BIN = Path(sys.executable).parent

# Pipeline settings for the workers: short leases and backoffs so recovery shows in seconds.
WORKER_ENV = {
    "OSS_TIMEOUT": "0.8",
    "OSS_CONNECT_TIMEOUT": "0.5",
    "OSSDESK_SUBMIT_CHUNK_SIZE": "10",
    "OSSDESK_SUBMIT_LEASE_SECONDS": "3",
    "OSSDESK_PIPELINE_TICK_SECONDS": "1",
    "OSSDESK_OUTBOX_GRACE_SECONDS": "2",
    "OSSDESK_SUBMIT_RETRY_DELAYS": "0.2,0.5,1",
    "OSSDESK_SUBMIT_MAX_ATTEMPTS": "100",
    "OSSDESK_RECONCILE_DELAYS": "0.2,0.5,1",
    "OSSDESK_STATUS_POLL_SECONDS": "3600",
    "OSSDESK_BREAKER_FAILURES": "3",      # the circuit breaker trips now and then …
    "OSSDESK_BREAKER_OPEN_SECONDS": "1",  # … and holds rows back for a second
}


SLOW_MS = 5000       # SECURITY.md R2: OSS answering after 5 s
SLOW_SPELL = 6.0     # seconds each slow spell lasts


class RestartableRedis:
    """A redis-server on a fixed port that can be killed and started again (data lost)."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="ossdesk-chaos-redis-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port)

    def restart(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        time.sleep(0.3)
        self.start()

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class SimulatorProcess:
    def __init__(self, tmp: Path, issuers: Path, faults: list[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = tmp / "chaos-sim.db"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "oss.simulator", "--port", str(self.port), "--db",
             str(self.db), "--mode", "fast", "--step", "30", "--issuers",
             str(issuers), *faults], cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        _wait_port(self.port)

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_sim/stats", timeout=10).json()

    def slow_requests(self) -> dict[str, int]:
        """Requests (documents, for a batch) answered after ``SLOW_MS`` or later, by operation."""
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as conn:
            return dict(conn.execute("SELECT op, COUNT(*) FROM request_log "
                                     "WHERE duration_ms >= ? GROUP BY op", (SLOW_MS,)))

    def faults(self) -> dict:
        return requests.get(f"{self.url}/_sim/faults", timeout=10).json()

    def set_faults(self, config: dict) -> None:
        requests.post(f"{self.url}/_sim/faults", json=config, timeout=10).raise_for_status()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class Workers:
    """``ossdesk worker`` processes, restarted when they die (as a supervisor would)."""

    def __init__(self, count: int, env: dict):
        self.env = env
        self.procs = [self._spawn() for _ in range(count)]
        self.restarts = 0

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen([str(BIN / "ossdesk"), "worker"], cwd=ROOT, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def supervise(self) -> None:
        for i, proc in enumerate(self.procs):
            if proc.poll() is not None:
                self.procs[i] = self._spawn()
                self.restarts += 1

    def horses(self) -> list[int]:
        """Work-horses: children of the workers that lead their own process group."""
        parents = {p.pid for p in self.procs}
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            pid, ppid, pgid = int(entry), int(fields[1]), int(fields[2])
            if ppid in parents and pgid == pid:
                found.append(pid)
        return found

    def busy(self, redis_url: str) -> list[int]:
        """Workers running a job themselves (send jobs run in the worker, not in a horse),
        as they report it in Redis; none while Redis is down."""
        alive = {p.pid for p in self.procs if p.poll() is None}
        try:
            connection = Redis.from_url(redis_url, socket_timeout=1)
            return [w.pid for w in Worker.all(connection=connection)
                    if w.pid in alive and w.get_state() == "busy"]
        except RedisError:
            return []

    def crash(self) -> None:
        """SIGKILL every worker and work-horse at once, as a machine losing power would."""
        for pid in self.horses():
            os.kill(pid, signal.SIGKILL)
        for proc in self.procs:
            proc.kill()
            proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


@dataclass
class Figures:
    submissions: int
    sigkills: int = 0
    redis_restarts: int = 0
    redis_flushes: int = 0
    db_restarts: int = 0
    slow_spells: int = 0
    slow_requests: dict = field(default_factory=dict)
    slow_requests_per_spell: list = field(default_factory=list)
    breaker_openings: int = 0
    worker_restarts: int = 0
    chaos_seconds: float = 0.0
    settle_seconds: float = 0.0
    states: dict = field(default_factory=dict)
    lost: int = 0
    duplicates_at_simulator: int = 0
    simulator_applications: int = 0
    repeated_keys: int = 0
    faults_injected: dict = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def states() -> Counter:
    """Submissions per state; waits while the database restarts."""
    for _ in range(300):
        try:
            db.session.rollback()
            rows = db.session.execute(sa.select(Submission.state, sa.func.count())
                                      .group_by(Submission.state)).all()
            db.session.rollback()
            return Counter({s.value: n for s, n in rows})
        except sa.exc.OperationalError:
            db.session.remove()
            time.sleep(0.1)
    raise RuntimeError("the database did not come back within 30 s")


class _SlowSpell:
    """The simulator answering after ``SLOW_MS`` for ``SLOW_SPELL`` seconds, then as before.
    The simulator's count of slow requests is read as each spell starts, so that each
    spell's share can be told apart afterwards (a request of a spell's first second is
    logged before the spell ends; no spell starts before the last one ended)."""

    def __init__(self, sim):
        self.sim, self.normal, self.until = sim, None, 0.0
        self.counts_at_start: list[int] = []

    def start(self) -> None:
        self.counts_at_start.append(sum(self.sim.slow_requests().values()))
        self.normal = self.sim.faults()
        self.sim.set_faults({**self.normal, "latency_ms": [SLOW_MS, SLOW_MS]})
        self.until = time.monotonic() + SLOW_SPELL

    def end_if_due(self, force: bool = False) -> None:
        if self.normal is not None and (force or time.monotonic() >= self.until):
            self.sim.set_faults(self.normal)
            self.normal = None

    def per_spell(self) -> list[int]:
        marks = [*self.counts_at_start, sum(self.sim.slow_requests().values())]
        return [later - earlier for earlier, later in zip(marks, marks[1:])]


class _RedisCounter:
    """A counter kept in Redis (the circuit breaker's openings), read through restarts and
    flushes, which reset it: a lower bound of its total."""

    def __init__(self, url: str, key: str):
        import redis as redis_py

        self.client = redis_py.Redis.from_url(url, socket_timeout=0.5,
                                              socket_connect_timeout=0.5)
        self.key, self.carry, self.last = key, 0, 0

    def read(self) -> None:
        from redis.exceptions import RedisError

        try:
            now = int(self.client.get(self.key) or 0)
        except RedisError:
            return
        if now < self.last:
            self.carry += self.last
        self.last = now

    @property
    def total(self) -> int:
        return self.carry + self.last


def _fire(event: str, figures: Figures, redis: RestartableRedis, restart_db, spell) -> None:
    if event == "restart":
        redis.restart()
        figures.redis_restarts += 1
    elif event == "flush":
        import redis as redis_py

        redis_py.Redis.from_url(redis.url).flushall()
        figures.redis_flushes += 1
    elif event == "db_restart":
        restart_db()
        figures.db_restarts += 1
    else:
        spell.start()
        figures.slow_spells += 1


def run(*, total: int, redis: RestartableRedis, workers: Workers, kills: int,
        restarts: int, flushes: int, timeout: float, seed: int = 5, db_restarts: int = 0,
        restart_db: Callable[[], None] | None = None, slow_spells: int = 0,
        sim: SimulatorProcess | None = None) -> Figures:
    """Keep killing, flushing, restarting and slowing OSS down until the quotas are used,
    then wait for every row to settle."""
    rng = random.Random(seed)
    figures = Figures(submissions=total)
    events = (["restart"] * restarts + ["flush"] * flushes + ["db_restart"] * db_restarts
              + ["slow"] * slow_spells)
    rng.shuffle(events)
    spell = _SlowSpell(sim)
    openings = _RedisCounter(redis.url, breaker.OPENED)
    marks = sorted(rng.uniform(0.1, 0.8) for _ in events)  # share of rows done when each fires
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        done = states()
        finished = done["sent"] + done["failed"]
        spell.end_if_due()
        openings.read()
        if events and finished >= marks[0] * total and spell.normal is None:
            marks.pop(0)
            _fire(events.pop(0), figures, redis, restart_db, spell)
        if figures.sigkills < kills:
            running = workers.horses() + workers.busy(redis.url)  # where jobs run now
            if running and rng.random() < 0.7:
                time.sleep(rng.uniform(0, 0.05))  # somewhere inside the job
                try:
                    os.kill(rng.choice(running), signal.SIGKILL)
                    figures.sigkills += 1
                except ProcessLookupError:
                    pass
        workers.supervise()
        if finished == total and not events and figures.sigkills >= kills:
            break
        if finished == total and figures.sigkills < kills:
            break  # nothing left to kill: the run finished first
        time.sleep(rng.uniform(0.01, 0.08))
    spell.end_if_due(force=True)
    figures.chaos_seconds = round(time.monotonic() - started, 1)
    settle_start = time.monotonic()
    while time.monotonic() - settle_start < timeout:
        workers.supervise()
        done = states()
        if done["sent"] + done["failed"] == total:
            break
        time.sleep(0.3)
    figures.settle_seconds = round(time.monotonic() - settle_start, 1)
    figures.worker_restarts = workers.restarts
    openings.read()
    figures.breaker_openings = openings.total
    figures.slow_requests_per_spell = spell.per_spell() if sim is not None else []
    figures.states = dict(states())
    return figures
