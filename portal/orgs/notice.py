"""利用登録: onboard an organisation from a form and answer with its 利用登録通知書 (the
association's onboarding and an agent's onboarding of a requester share this)."""

from flask import render_template

from portal.extensions import db
from portal.orgs import services
from portal.orgs.rules import RuleViolation


def onboarding_notice(form, **details):
    """The notice page of the organisation ``details`` describe (committed), or None with the
    rule's message on ``form`` (rolled back)."""
    try:
        org, admin, initial = services.onboard_organization(**details)
    except RuleViolation as violation:
        db.session.rollback()
        violation.show_on(form)
        return None
    db.session.commit()
    return render_template("notice.html", org=org, users=[(admin, initial)])
