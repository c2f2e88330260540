"""The Redis connection and queues, real or embedded.

With ``REDIS_URL`` set, jobs go to that Redis and separate ``ossdesk worker``
processes run them. Without it, an in-process fakeredis server stands in and
``jobs.worker.EmbeddedWorker`` runs the same job code in a thread of the web
process: the product runs with no Redis server installed.
"""

import fakeredis
import redis
from flask import current_app
from rq import Queue
from rq import Retry

QUEUE_NAMES = ("default",)

def get_connection() -> redis.Redis:
    """The Redis connection of the current app (one per app).

    Without ``REDIS_URL`` each app gets its own in-memory server, shared by the
    web threads and the embedded worker thread of that process.
    """
    conn = current_app.extensions.get("ossdesk_redis")
    if conn is None:
        url = current_app.config["REDIS_URL"]
        conn = redis.Redis.from_url(url) if url else fakeredis.FakeRedis(server=fakeredis.FakeServer())
        current_app.extensions["ossdesk_redis"] = conn
    return conn


def is_embedded() -> bool:
    return not current_app.config["REDIS_URL"]


def get_queue(name: str = "default") -> Queue:
    return Queue(name, connection=get_connection())


def enqueue(func: str, *args, job_id: str | None = None, retry: Retry | None = None,
            queue: str = "default", **options):
    """Enqueue ``func`` (a dotted path) with plain arguments (ids)."""
    return get_queue(queue).enqueue(func, *args, job_id=job_id, retry=retry, **options)
