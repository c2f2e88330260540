"""Helpers for tests of service hours, billing and usage: Japan-time moments, the clock,
applications in a given state and maintenance outages."""

from datetime import datetime
from datetime import timedelta

import pytest

from portal import clock
from portal.templating import JST


def jst(*parts) -> datetime:
    """An aware Japan-time moment: jst(2026, 12, 28, 22, 0)."""
    return datetime(*parts, tzinfo=JST)


@pytest.fixture(autouse=True)
def shipped_calendar(request):
    """Use the shipped service-hours file instead of the tests' always-open calendar."""
    for name in ("app", "pg_app"):
        if name in request.fixturenames:
            request.getfixturevalue(name).config["SERVICE_HOURS"] = None


@pytest.fixture
def set_clock(app):
    """Set the portal clock of ``app`` (frozen by default); reset afterwards."""
    def _set(moment: datetime, frozen: bool = True):
        clock.set_now(moment, frozen=frozen, app=app)

    yield _set
    clock.reset(app)


@pytest.fixture
def make_application():
    """An application of ``org`` in ``state`` (an agent's own work unless ``requester`` is given)."""
    from portal.extensions import db
    from portal.models import Application
    from portal.models import ApplicationState
    from portal.models import Backend

    def _make(org, state=ApplicationState.READY, *, procedure="iten", backend=Backend.MLIT,
              requester=None, **columns):
        app = Application(org_id=(requester or org).id, agent_org_id=org.id,
                          requester_org_id=requester.id if requester else None,
                          procedure=procedure, backend=backend, state=state,
                          payload={"owner": {"name": "山田太郎"}}, **columns)
        db.session.add(app)
        db.session.commit()
        return app

    return _make


def complete(app, at: datetime, receipt: str | None = None) -> None:
    """Put OSS's completion on ``app`` as the pipeline does (without committing)."""
    from oss.status import COMPLETED
    from portal.models import ApplicationState

    app.state = ApplicationState.COMPLETED
    app.oss_status = COMPLETED
    app.receipt_number = receipt or f"R{app.id:08d}"
    app.completed_at = clock.naive_utc(at)


@pytest.fixture
def outage():
    """A published maintenance notice announcing an outage [start, end) (aware moments)."""
    from faq import services
    from faq.models import NoticeKind
    from portal.extensions import db
    from portal.models.base import utcnow

    def _make(start: datetime, end: datetime, title: str = "定期メンテナンス",
              published: bool = True):
        notice = services.save_notice(
            None, kind=NoticeKind.MAINTENANCE, title=title, body="停止します。",
            publish_from=utcnow() - timedelta(days=1), outage_start=clock.naive_utc(start),
            outage_end=clock.naive_utc(end))
        services.set_published(notice, published)
        db.session.commit()
        return notice

    return _make
