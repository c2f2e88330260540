"""Usage billing: records at completion, the monthly close, statements and the debit file.

Public interface: ``hooks.on_completed(application_id)`` (called by the
pipeline), ``close.close_ended_months()``, ``debit.debit_date(month)``,
``prices.unit_price(moment)``. See docs/hours-and-billing.md.
"""

from flask import Blueprint

bp = Blueprint("billing", __name__, url_prefix="/billing")


def init_app(app) -> None:
    from portal.billing import cli
    from portal.billing import views  # noqa: F401
    from portal.billing.months import label
    from portal.jpdates import jp_date

    app.register_blueprint(bp)
    app.jinja_env.filters["jp_date"] = jp_date
    app.jinja_env.globals["month_label"] = label
    app.cli.add_command(cli.billing)
