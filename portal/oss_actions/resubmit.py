"""再申請 after 却下: the same data sent again as a new submission, through the pipeline."""

from oss import status as st
from portal.applications import duplicates
from portal.models import Application
from portal.models import SubmissionKind
from portal.oss_actions import detail
from portal.oss_actions.actions import ActionError


def refusal(app: Application) -> str:
    """Why 再申請 is not offered now ("" when it is); the pipeline checks again."""
    if app.oss_status != st.REJECTED:
        return "却下された申請だけが再申請できます。"
    if detail.resubmission(app) is not None:
        return "この申請は既に再申請しています(再申請は1回だけです)。"
    twin = duplicates.check_application(app)  # filed again meanwhile as a new application
    return twin.message if twin is not None else ""


def resubmit(user, app: Application):
    """Write the 再申請 submission in the caller's transaction; return its SendBatch.

    :raises ActionError: not possible, with the pipeline's reason when it refused.
        The caller commits, then enqueues the batch (``enqueue_batch``).
    """
    from portal.submissions.services import create_send_batch

    reason = refusal(app)
    if reason:
        raise ActionError(reason)
    batch = create_send_batch(user, [app.id], kind=SubmissionKind.RESUBMIT)
    if batch.refused:
        raise ActionError(batch.refused[0]["reason"])
    return batch
