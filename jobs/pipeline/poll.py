"""Status polling: batched OSS status queries for applications still under way.

Each tick picks the applications that have a 到達番号, an OSS status that is not
terminal, and were not polled within ``STATUS_POLL_SECONDS``; marks them polled
(so the next tick does not pick them again) and enqueues one job per back-end
and 500 applications. The job asks OSS once and records every change through
``portal.submissions.status.record_oss_status``.
"""

import logging
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from jobs.pipeline import settings
from jobs.pipeline.transport import STATUS_BATCH
from jobs.queue import enqueue
from oss import status as oss
from oss.client import OssClient
from oss.errors import OssError
from portal.extensions import db
from portal.models import Application
from portal.models.base import utcnow
from portal.submissions.status import record_oss_status

log = logging.getLogger(__name__)

POLL_JOB = "jobs.pipeline.poll.poll_statuses"


def due_query(now):
    cutoff = now - timedelta(seconds=float(settings.get("STATUS_POLL_SECONDS")))
    return (sa.select(Application.id, Application.backend)
            .where(Application.arrival_number != "",
                   Application.oss_status.not_in(tuple(oss.TERMINAL)),
                   sa.or_(Application.last_polled_at.is_(None),
                          Application.last_polled_at <= cutoff))
            .order_by(Application.last_polled_at.is_not(None), Application.last_polled_at,
                      Application.id)
            .limit(int(settings.get("STATUS_POLL_LIMIT"))))


def schedule_polls() -> int:
    """Mark the due applications polled and enqueue their poll jobs; return the count."""
    now = utcnow()
    rows = db.session.execute(due_query(now)).all()
    by_backend = defaultdict(list)
    for app_id, backend in rows:
        by_backend[backend.value].append(app_id)
    planned = []
    for backend, ids in by_backend.items():
        for i in range(0, len(ids), STATUS_BATCH):
            part = ids[i:i + STATUS_BATCH]
            db.session.execute(sa.update(Application).where(Application.id.in_(part))
                               .values(last_polled_at=now,
                                       updated_at=Application.updated_at)  # 更新日時 stays
                               .execution_options(synchronize_session=False))
            planned.append((backend, part))
    db.session.commit()
    for backend, part in planned:
        enqueue(POLL_JOB, backend, part, result_ttl=60, failure_ttl=86400)
    return len(rows)


def poll_statuses(backend: str, application_ids: list[int]) -> dict:
    """Ask OSS about ``application_ids`` (one request) and record what changed (a job)."""
    numbers = dict(db.session.execute(
        sa.select(Application.id, Application.arrival_number)
        .where(Application.id.in_(application_ids), Application.arrival_number != "")).all())
    db.session.commit()
    db.session.close()
    if not numbers:
        return {"polled": 0}
    client = OssClient.from_config(current_app.config, backend)
    try:
        batch = client.statuses(arrival_numbers=sorted(set(numbers.values())))
    except OssError as exc:  # asked again at the next interval
        log.warning("status poll of %d applications failed: %s", len(numbers), exc)
        return {"polled": 0, "error": exc.code or type(exc).__name__}
    finally:
        client.close()
    changed = 0
    apps = db.session.scalars(sa.select(Application).where(Application.id.in_(list(numbers))))
    for app in apps:
        status = batch.found.get(app.arrival_number)
        if status is not None and record_oss_status(app, status):
            changed += 1
    db.session.commit()
    return {"polled": len(numbers), "changed": changed,
            "missing": len(batch.missing_arrival_numbers)}
