"""Ask OSS for the current status of applications and record it in the one place that maps it.

Used after an action changed something at OSS (a list sent, a reservation, a
payment), so the portal shows the effect at once instead of at the next poll.
The mapping itself is the pipeline's ``record_oss_status``.
"""

from flask import current_app

from oss.client import OssClient
from portal.extensions import db
from portal.models import Application

MAX_PER_QUERY = 500  # OSS answers at most 500 references per status request


def client_for(backend: str) -> OssClient:
    """An OSS client for ``backend`` ("mlit" | "kei") from the app's configuration."""
    return OssClient.from_config(current_app.config, backend)


def record(application: Application, status) -> None:
    from portal.submissions.status import record_oss_status

    record_oss_status(application, status)


def refresh(client: OssClient, applications: list[Application]) -> int:
    """Record OSS's status of each application that has a 到達番号; return how many."""
    by_number = {a.arrival_number: a for a in applications if a.arrival_number}
    numbers = list(by_number)
    db.session.commit()  # the caller has nothing pending: no transaction stays open during HTTP
    done = 0
    for start in range(0, len(numbers), MAX_PER_QUERY):
        batch = client.statuses(arrival_numbers=numbers[start:start + MAX_PER_QUERY])
        for number, status in batch.found.items():
            record(by_number[number], status)
            done += 1
    return done
