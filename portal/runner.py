"""``ossdesk up``: the whole product in one foreground command.

Starts the OSS simulator as its own process, a job worker (a thread on the
embedded queue, or an ``ossdesk worker`` process when ``REDIS_URL`` is set)
and the web app. Ctrl-C (or SIGTERM) stops all of them.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

from portal.config import ROOT
from portal.config import instance_dir


def _wait_healthy(url: str, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def _banner(url: str, mode: str) -> str:
    lines = [
        "",
        f"  ossdesk is running: {url}",
        f"  job queue: {mode}",
        f"  OSS simulator: {os.environ.get('OSS_PORT', '5001')} (mlit, kei)",
    ]
    path = instance_dir() / "demo-logins.json"
    if path.exists():
        lines.append("  demo logins (organisation / role / login id / password):")
        for row in json.loads(path.read_text()):
            lines.append(
                f"    {row['organization']} / {row['role']} / {row['login_id']} / {row['password']}"
            )
    lines.append("  Ctrl-C stops everything.")
    return "\n".join(lines)


def _sigterm_to_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_all(app, host: str = "127.0.0.1") -> None:
    port = int(os.environ.get("PORT", "5000"))
    oss_port = int(os.environ.get("OSS_PORT", "5001"))
    signal.signal(signal.SIGTERM, _sigterm_to_interrupt)
    signal.signal(signal.SIGINT, _sigterm_to_interrupt)  # also when started in the background
    children: list[subprocess.Popen] = []
    embedded = None
    server = None
    try:
        if not os.environ.get("OSS_MLIT_URL"):
            children.append(subprocess.Popen(
                [sys.executable, "-m", "oss.simulator", "--host", host, "--port", str(oss_port)],
                cwd=ROOT))
            if not _wait_healthy(f"http://{host}:{oss_port}/healthz"):
                raise SystemExit(f"OSS simulator did not start on port {oss_port}")
        if app.config["REDIS_URL"]:
            ossdesk = Path(sys.executable).with_name("ossdesk")
            children.append(subprocess.Popen([str(ossdesk), "worker"], cwd=ROOT))
            mode = "Redis + ossdesk worker"
        else:
            from jobs.worker import EmbeddedWorker

            embedded = EmbeddedWorker(app).start()
            mode = "embedded (in-process fakeredis, worker thread)"
        server = make_server(host, port, app, threaded=True)
        print(_banner(f"http://{host}:{port}/", mode), flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopping ossdesk …", flush=True)
    finally:
        if server is not None:
            server.server_close()
        if embedded is not None:
            embedded.stop()
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
