"""Pipeline settings: app config first, then ``OSSDESK_<NAME>`` in the environment, then defaults.

Worker processes read the same environment as the web app, so a setting given
as an environment variable reaches both.
"""

import os

from flask import current_app

DEFAULTS: dict[str, object] = {
    # Submissions per send job at most: 10 HTTP batches of 100, each at most OSS_TIMEOUT
    # (10 s), so a job's sending fits its lease (below) even when every call times out.
    "SUBMIT_CHUNK_SIZE": 1000,
    "SUBMIT_CHUNK_MIN": 25,           # … and at least, when a send is cut into several jobs
    "SUBMIT_JOBS_PER_SEND": 8,        # a send is spread over this many jobs, within those bounds
    "SUBMIT_LEASE_SECONDS": 120,      # a claimed submission belongs to its job this long
    "SUBMIT_RETRY_DELAYS": (30, 120, 600, 1800, 3600),  # after "not sent", per attempt
    "SUBMIT_MAX_ATTEMPTS": 6,         # attempts before a never-sent submission fails
    "RECONCILE_DELAYS": (5, 30, 120, 600, 1800),  # before each status query of an unknown outcome
    "OUTBOX_GRACE_SECONDS": 30,       # an enqueued job gets this long before it is checked
    "PIPELINE_TICK_SECONDS": 5,       # reaper + outbox + polls; 0 turns the ticker off
    "STATUS_POLL_SECONDS": None,      # per application; default 60 (production) or 5
    "STATUS_POLL_LIMIT": 5000,        # applications polled per tick at most
    "OSS_BATCH_SUBMIT": True,         # POST /applications/batch (else one request per document)
    "SEND_BATCH_MAX": 10000,          # applications in one bulk send
    "BREAKER_FAILURES": 3,            # send jobs in a row with no answer from a back-end open
                                      # its circuit breaker (0: no breaker) …
    "BREAKER_OPEN_SECONDS": 60,       # … for this long: its rows wait, using no attempt
    "SEND_DAILY_QUOTA": 20000,        # applications an office may send per day (Japan time),
                                      # unless association staff set its own quota
}


def _parse(raw: str, default):
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, tuple):
        return tuple(float(x) for x in raw.split(",") if x.strip())
    if isinstance(default, int):
        return int(raw)
    return float(raw)


def get(name: str):
    """The value of pipeline setting ``name``."""
    if name in current_app.config:
        return current_app.config[name]
    default = DEFAULTS[name]
    raw = os.environ.get(f"OSSDESK_{name}")
    if name == "STATUS_POLL_SECONDS":
        default = 60 if current_app.config.get("ENV_NAME") == "production" else 5
        return float(raw) if raw else default
    return _parse(raw, default) if raw else default


def delay(name: str, attempt: int) -> float:
    """The delay of list setting ``name`` for the ``attempt``-th try (1-based, capped)."""
    delays = get(name)
    return float(delays[min(max(attempt, 1), len(delays)) - 1])
