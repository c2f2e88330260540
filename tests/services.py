"""Throw-away Redis and PostgreSQL servers for the test session.

They listen on free loopback ports, keep their data in a temporary folder and
are stopped when the session ends. As root, PostgreSQL runs as the
``postgres`` system user (initdb refuses root).
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class ServiceUnavailable(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise ServiceUnavailable(f"nothing listens on port {port}")


class RedisServer:
    def __init__(self):
        exe = shutil.which("redis-server")
        if not exe:
            raise ServiceUnavailable("redis-server is not installed")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="ossdesk-redis-")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer:
    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise ServiceUnavailable("PostgreSQL is not installed")
        self.bin = Path(bins[-1])
        self.root = os.geteuid() == 0
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="ossdesk-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        if self.root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run([str(self.bin / "initdb"), "-D", self.data, "-U", "postgres", "-A", "trust",
                   "-E", "UTF8", "--locale=C.UTF-8"])
        self._run([str(self.bin / "pg_ctl"), "-D", self.data, "-l",
                   os.path.join(self.dir, "log"), "-w", "-o",
                   f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                   "start"])
        self.base_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def _run(self, cmd):
        if self.root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                         "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        return f"{self.base_url}/{name}"

    def restart(self):
        """Crash and start again (chaos, SECURITY.md R1): ``immediate`` stops without a
        checkpoint and cuts every connection; the start recovers from the WAL."""
        self._run([str(self.bin / "pg_ctl"), "-D", self.data, "-l",
                   os.path.join(self.dir, "log"), "-m", "immediate", "-w", "restart"])

    def stop(self):
        try:
            self._run([str(self.bin / "pg_ctl"), "-D", self.data, "-m", "immediate", "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def must_have_services() -> bool:
    """Missing servers fail the run (instead of skipping) in CI and as root."""
    return os.environ.get("CI") == "true" or os.geteuid() == 0
