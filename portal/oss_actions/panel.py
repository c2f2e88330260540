"""The OSS action panel of the detail page (状況照会): which parts apply, with their data."""

from dataclasses import dataclass

from oss import status as st
from portal.applications import permissions
from portal.models import Application
from portal.oss_actions import correction
from portal.oss_actions import detail
from portal.oss_actions import payment
from portal.oss_actions import resubmit
from portal.oss_actions import suspension


@dataclass(frozen=True)
class Rejection:
    reason: str
    resubmit_refusal: str
    can_reuse: bool


@dataclass(frozen=True)
class Panel:
    app: Application
    can_act: bool  # agent-side staff may press the buttons; others only read
    suspension: suspension.SuspensionView | None
    correction: correction.Guidance | None
    rejection: Rejection | None
    payment: payment.PaymentView | None

    @property
    def empty(self) -> bool:
        return not (self.suspension or self.correction or self.rejection or self.payment)


def can_act(user, app: Application) -> bool:
    """Staff of the organisation that files the application (its agent)."""
    return (user.is_authenticated and user.is_staff and user.organization.kind.is_agent
            and app.agent_org_id == user.org_id)


def build(user, app: Application) -> Panel:
    sent = bool(app.arrival_number)
    rejected = app.oss_status == st.REJECTED
    return Panel(
        app=app, can_act=can_act(user, app),
        suspension=suspension.view(app) if sent else None,
        correction=correction.guidance(app) if app.oss_status == st.CORRECTION else None,
        rejection=Rejection(correction.rejection_reason(app), resubmit.refusal(app),
                            permissions.can_reuse(user, app)) if rejected else None,
        payment=payment.view(app) if sent and detail.fees(app) else None)
