"""Read what OSS last reported about an application (``Application.oss_detail`` and columns).

The status document is stored as JSON by the pipeline; these readers accept
both the document as OSS sends it and the parsed ``oss.status`` dataclasses
turned into dicts, and never fail on a missing part (an application that was
never polled has an empty document).
"""

import sqlalchemy as sa

from oss import status as st
from portal.applications.fees import fee_lines
from portal.applications.flags import flags_of
from portal.extensions import db
from portal.models import Application
from portal.models import OssAccount
from portal.models import Submission
from portal.models import SubmissionKind
from portal.models import SubmissionState


def document(app: Application) -> dict:
    return app.oss_detail if isinstance(app.oss_detail, dict) else {}


def suspension(app: Application) -> dict:
    found = document(app).get("suspension")
    return found if isinstance(found, dict) else {}


def history(app: Application) -> list[dict]:
    return [e for e in document(app).get("history") or [] if isinstance(e, dict)]


def flags(app: Application):
    """Raised flags with their contents (the status page's reader)."""
    return [f for f in flags_of(app) if f.raised]


def fees(app: Application) -> list[st.Fee]:
    return [line.fee for line in fee_lines(app)]


def filing_submission(app: Application) -> Submission | None:
    """The submission that filed the application (the latest one OSS received)."""
    return db.session.scalar(
        sa.select(Submission).where(Submission.application_id == app.id,
                                    Submission.state == SubmissionState.SENT)
        .order_by(Submission.id.desc()).limit(1))


def filing_account(app: Application) -> OssAccount | None:
    sub = filing_submission(app)
    if sub is None or sub.oss_account_id is None:
        return None
    return db.session.scalar(sa.select(OssAccount).where(OssAccount.id == sub.oss_account_id))


def resubmission(app: Application) -> Submission | None:
    """A live 再申請 of the application, if one was made (OSS allows one)."""
    return db.session.scalar(
        sa.select(Submission).where(Submission.application_id == app.id,
                                    Submission.kind == SubmissionKind.RESUBMIT,
                                    Submission.state != SubmissionState.FAILED)
        .order_by(Submission.id.desc()).limit(1))
