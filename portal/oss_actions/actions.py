"""Run one OSS action for an application: call, then record what OSS now reports.

Every action (中断予約, its cancellation, ダイレクト納付) ends with a status
query, recorded through the pipeline's one mapping, so the page shows the
effect. An unknown outcome (timeout, 5xx) is never repeated blindly: the
status query says whether it took effect.
"""

from dataclasses import dataclass

from oss.errors import OssError
from oss.errors import OssNotSent
from oss.errors import OssOutcomeUnknown
from oss.errors import OssRejected
from portal import audit
from portal.applications.services import EVENT_LABELS
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationEvent
from portal.oss_actions.refresh import client_for
from portal.oss_actions.refresh import record


class ActionError(Exception):
    """The action was not done; ``message`` (Japanese) says why."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Outcome:
    """How an action went: OSS's answer (None when unknown) and whether the application's
    status was read again afterwards (if not, the page still shows the status before)."""

    result: object
    refreshed: bool


NOT_REFRESHED = "OSSの最新の状況はまだ確認できていません(次回の状況確認で画面に反映されます)。"


def perform(user, app: Application, kind: str, call, **detail) -> Outcome:
    """Run ``call(client)``; record the event, the audit and OSS's new status.

    :raises ActionError: OSS refused, could not be reached, or gave no answer and could
        not be asked what happened.
    """
    client = client_for(app.backend.value)
    before = app.state
    db.session.commit()  # nothing is pending here: end the read transaction before calling OSS
    try:
        result, unknown = None, False
        try:
            result = call(client)
        except OssRejected as exc:
            _refresh_quietly(client, app)
            raise ActionError(f"OSSが受け付けませんでした: {exc.message}", exc.code) from exc
        except OssNotSent as exc:
            raise ActionError(f"{exc.message} 時間をおいて、もう一度お試しください。",
                              "not_sent") from exc
        except OssOutcomeUnknown:
            unknown = True
        try:
            record(app, client.status(app.arrival_number))
            refreshed = True
        except OssError as exc:
            if unknown:
                raise ActionError("OSSからの応答がなく、結果も確認できませんでした。"
                                  "時間をおいて状況を確認してください。", "unknown") from exc
            refreshed = False
        _log(user, app, kind, before, unknown=unknown, **detail)
        return Outcome(result, refreshed)
    finally:
        client.close()


def _refresh_quietly(client, app: Application) -> None:
    try:
        record(app, client.status(app.arrival_number))
    except OssError:
        pass


def _log(user, app: Application, kind: str, before, **detail) -> None:
    db.session.add(ApplicationEvent(
        application_id=app.id, user_id=user.id, org_id=user.org_id, kind=kind,
        from_state=before.value, to_state=app.state.value,
        comment=EVENT_LABELS.get(kind, kind), detail=detail))
    audit.record(f"oss_{kind}", target=f"application:{app.id}", **detail)
