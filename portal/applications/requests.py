"""依頼データ: a requester hands a request to one linked agent; the agent may return it."""

import sqlalchemy as sa
from flask import abort

from portal import audit
from portal.applications import permissions
from portal.applications.services import record_event
from portal.extensions import db
from portal.models import AgentRequesterLink
from portal.models import Application
from portal.models import ApplicationState as S
from portal.models import Organization

MAX_COMMENT = 1000


class RequestError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def linked_agents(user) -> list[Organization]:
    """The agents the user's (requester) organisation may hand requests to."""
    return db.session.scalars(
        sa.select(Organization).join(AgentRequesterLink,
                                     AgentRequesterLink.agent_org_id == Organization.id)
        .where(AgentRequesterLink.requester_org_id == user.org_id,
               AgentRequesterLink.active.is_(True), Organization.active.is_(True))
        .order_by(Organization.name)).all()


def chosen_agent(agents, app: Application | None, posted: int | None) -> int | None:
    """The agent the form shows chosen: what was just posted, else the request's agent, else
    the only linked one (a dealer with one office should not have to pick it)."""
    if posted:
        return posted
    if app is not None and app.agent_org_id:
        return app.agent_org_id
    return agents[0].id if len(agents) == 1 else None


def may_hand_to(user, agent_org_id: int | None) -> bool:
    """A requester hands its data only to an office it is (still) linked to."""
    return agent_org_id in {a.id for a in linked_agents(user)}


def hand_over(user, app: Application, agent_org_id: int | None) -> None:
    """Send the request to one linked agent (state 依頼中)."""
    if not permissions.can_hand_over(user, app):
        abort(403)
    if not may_hand_to(user, agent_org_id):
        raise RequestError("依頼先の代理人を選んでください(紐付いている代理人だけを選べます)。")
    before = app.state
    app.agent_org_id = agent_org_id
    app.state = S.REQUESTED
    app.return_comment = ""
    app.updated_by_id = user.id
    record_event(app, "handed_over", user, from_state=before, agent_org_id=agent_org_id)
    audit.record("request_handed_over", target=f"application:{app.id}", agent=agent_org_id)


def return_request(user, app: Application, comment: str) -> None:
    """Give the request back to the requester with the reason (state 差戻し)."""
    if not permissions.can_return(user, app):
        abort(403)
    comment = (comment or "").strip()
    if not comment:
        raise RequestError("差戻しの理由を入力してください。依頼人に表示されます。")
    if len(comment) > MAX_COMMENT:
        raise RequestError(f"差戻しの理由は{MAX_COMMENT}文字以内で入力してください。")
    before = app.state
    app.state = S.RETURNED
    app.return_comment = comment
    app.updated_by_id = user.id
    record_event(app, "returned", user, from_state=before, comment=comment)
    audit.record("request_returned", target=f"application:{app.id}")
