"""The action panels of the detail page (状況照会), one per slot of that page.

Each part has a view model (None when it does not apply now) and a template;
the page includes every template, and each part refreshes itself when the
page's status part reports a change (``application-status-changed``).
"""

from dataclasses import dataclass

from oss import status as st
from portal.applications import permissions
from portal.models import Application
from portal.oss_actions import correction
from portal.oss_actions import detail
from portal.oss_actions import payment
from portal.oss_actions import resubmit
from portal.oss_actions import suspension

TEMPLATES = {
    "receipt_list": "receipts/_application_panel.html",
    "suspension": "oss_actions/_suspension_panel.html",
    "correction": "oss_actions/_correction_panel.html",
    "resubmit": "oss_actions/_resubmit_panel.html",
    "payment": "oss_actions/_direct_payment_panel.html",
}


@dataclass(frozen=True)
class Rejection:
    reason: str
    resubmit_refusal: str
    can_reuse: bool


@dataclass(frozen=True)
class Part:
    name: str
    app: Application
    can_act: bool  # agent-side staff may press the buttons; others only read
    view: object | None

    @property
    def dom_id(self) -> str:
        return f"oss-{self.name.replace('_', '-')}-{self.app.id}"


def can_act(user, app: Application) -> bool:
    """Staff of the organisation that files the application (its agent)."""
    return (user.is_authenticated and user.is_staff and user.organization.kind.is_agent
            and app.agent_org_id == user.org_id)


def _view(name: str, user, app: Application):
    sent = bool(app.arrival_number)
    if name == "receipt_list":
        from portal.receipts.services import standing

        return standing(app)
    if name == "suspension":
        return suspension.view(app) if sent else None
    if name == "correction":
        return correction.guidance(app) if app.oss_status == st.CORRECTION else None
    if name == "resubmit":
        if app.oss_status != st.REJECTED:
            return None
        return Rejection(correction.rejection_reason(app), resubmit.refusal(app),
                         permissions.can_reuse(user, app))
    if name == "payment":
        return payment.view(app) if sent and detail.fees(app) else None
    raise KeyError(name)


def build(user, app: Application, name: str) -> Part:
    return Part(name, app, can_act(user, app), _view(name, user, app))
