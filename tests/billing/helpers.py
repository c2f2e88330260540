"""Completed, billed applications for statement tests."""

from portal.billing.hooks import on_completed
from portal.extensions import db
from portal.models import Backend
from tests.timekeeping import complete


def bill(make_application, org, at, *, procedure="iten", backend=Backend.MLIT, receipt=None,
         requester=None):
    """An application of ``org`` completed (and billed) at ``at``."""
    application = make_application(org, procedure=procedure, backend=backend,
                                   requester=requester)
    complete(application, at, receipt)
    record = on_completed(application.id)
    db.session.commit()
    return record
