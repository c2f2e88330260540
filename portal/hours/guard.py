"""The send endpoints' gate: refuse a send outside service hours and offer 予約送信.

The pipeline's send endpoint (and the 再申請 endpoint) call, before creating
the batch::

    if (refusal := send_refusal(request.form.getlist("application_id"))) is not None:
        return refusal

The other requests that act at OSS (sending a 受付番号リスト, 中断予約 and its
cancellation, ダイレクト納付) are held to the same hours by ``action_refusal``:
the same refusal, without the 予約送信 offer. Reading and status queries are
never gated.
"""

from flask import make_response
from flask import render_template

from portal import clock
from portal.hours.window import check_send_window
from portal.htmx import is_htmx
from portal.htmx import retarget
from portal.htmx import reswap
from portal.models import SubmissionKind

REFUSED_STATUS = 409


def send_refusal(application_ids, kind: SubmissionKind = SubmissionKind.SUBMIT,
                 heading: str | None = None):
    """None while sending is open; otherwise the refusal page (or htmx partial) with the offer."""
    window = check_send_window(clock.now())
    if window.open:
        return None
    context = {"window": window, "application_ids": list(application_ids), "kind": kind.value,
               "heading": heading}
    if is_htmx():
        resp = make_response(render_template("hours/_send_refused.html", **context),
                             REFUSED_STATUS)
        return reswap(retarget(resp, "#flash"), "innerHTML")
    return make_response(render_template("hours/send_refused.html", **context), REFUSED_STATUS)


def action_refusal():
    """None while OSS actions are open; otherwise the refusal, with no 予約送信 offer."""
    return send_refusal((), heading="ただいまOSSへの送信・操作はできません")
