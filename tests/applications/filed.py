"""Applications at any point of their life, written straight to the database.

The pipeline and OSS move applications in production; these helpers put rows
where a test needs them (state, OSS status, flags, fees, dates) so the pages
that show them can be checked on their own.
"""

from forms import specs
from portal.applications import services
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState as S

MLIT_FLAGS_EMPTY = {"message": {"label": "メ", "name": "OSSからのメッセージ", "items": []},
                    "notice": {"label": "運", "name": "運輸支局等からのお知らせ", "items": []}}


def flag_items(*titles: str) -> list[dict]:
    return [{"title": t, "body": f"{t}の本文です。", "at": "2026-11-20T10:00:00+09:00"}
            for t in titles]


def filed(user, code: str = "iten", state: S = S.READY, *, agent=None, **cols) -> Application:
    """A new application of ``user``'s organisation in ``state`` with ``cols`` set.

    ``agent``: for a requester's user, the agent organisation the request was handed to.
    """
    spec = specs.get(code)
    app = services.new_application(user, spec, spec.example_payload())
    if agent is not None:
        app.agent_org_id = agent.id
    app.state = state
    for name, value in cols.items():
        setattr(app, name, value)
    db.session.commit()
    return app


def move(app: Application, state: S, **cols) -> None:
    """What the pipeline would do: change the row (and its updated_at) and commit."""
    db.session.rollback()
    row = db.session.get(Application, app.id)
    row.state = state
    for name, value in cols.items():
        setattr(row, name, value)
    db.session.commit()
