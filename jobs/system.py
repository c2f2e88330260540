"""System jobs: the OSS connectivity check used by association staff."""

import os
import socket

from flask import current_app

from jobs import runs
from portal.models import JobStatus


def check_oss(run_id: str) -> dict:
    """Probe both OSS endpoints from the worker and record what it saw."""
    from oss.health import probe

    runs.mark(run_id, JobStatus.STARTED, progress=10)
    result = {
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "worker_parent_pid": os.getppid(),
        "mlit": probe(current_app.config["OSS_MLIT_URL"]),
        "kei": probe(current_app.config["OSS_KEI_URL"]),
    }
    ok = result["mlit"]["ok"] and result["kei"]["ok"]
    runs.mark(
        run_id,
        JobStatus.FINISHED if ok else JobStatus.FAILED,
        progress=100,
        result=result,
        error="" if ok else "OSSの接続先に到達できませんでした。",
    )
    return result
