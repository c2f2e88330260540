"""`ossdesk up` (what `make run` starts): everything comes up, Ctrl-C stops everything."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.services import free_port

ROOT = Path(__file__).resolve().parent.parent


def _ossdesk(*args, env):
    exe = Path(sys.executable).with_name("ossdesk")
    return subprocess.run([str(exe), *args], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=120)


def _wait(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def test_up_serves_everything_and_stops_on_ctrl_c(tmp_path):
    port, oss_port = free_port(), free_port()
    env = {**os.environ, "OSSDESK_INSTANCE": str(tmp_path), "PORT": str(port),
           "OSS_PORT": str(oss_port)}
    _ossdesk("db", "upgrade", env=env)
    assert "5 demo logins ready." in _ossdesk("seed-demo", env=env).stdout
    proc = subprocess.Popen([str(Path(sys.executable).with_name("ossdesk")), "up"], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        health = _wait(f"http://127.0.0.1:{port}/healthz").json()
        assert health["status"] == "ok" and health["oss"]["kei"]["ok"]
        assert "ログイン" in requests.get(f"http://127.0.0.1:{port}/login", timeout=5).text
        sim = f"http://127.0.0.1:{oss_port}/healthz"
        assert requests.get(sim, timeout=2).status_code == 200
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0
    assert "demo-staff" in out and f"http://127.0.0.1:{port}/" in out
    try:
        requests.get(sim, timeout=1)
        raise AssertionError("the simulator outlived ossdesk up")
    except requests.ConnectionError:
        pass
