"""Service hours: when sending is open, 予約送信 at the next opening, and agency review hours.

Public interface: ``check_send_window(now) -> SendWindow`` (``window``),
``send_refusal(...)`` for send endpoints (``guard``), ``schedule_send`` and the
job ``run_scheduled_send`` (``scheduled``), ``next_review`` / ``review_outlook``
(``agency``), the calendars (``calendar``). The clock is ``portal.clock``.
"""

from flask import Blueprint

bp = Blueprint("hours", __name__, url_prefix="/hours")


def init_app(app) -> None:
    from portal.fees.lines import estimate_for
    from portal.hours import cli
    from portal.hours import views  # noqa: F401
    from portal.hours.agency import review_outlook
    from portal.hours.calendar import calendars
    from portal.jpdates import jst_long

    app.register_blueprint(bp)
    app.jinja_env.filters["jst_long"] = jst_long
    app.jinja_env.globals.update(
        review_outlook=review_outlook,
        agency_hours_text=lambda: calendars().agency.describe(),
        service_hours_text=lambda: calendars().service.describe(),
        fee_estimate=estimate_for,
    )
    app.cli.add_command(cli.hours)


from portal.hours.window import SendWindow  # noqa: E402
from portal.hours.window import check_send_window  # noqa: E402

__all__ = ["SendWindow", "bp", "check_send_window", "init_app"]
