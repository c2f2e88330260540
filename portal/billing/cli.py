"""``ossdesk billing …``: the monthly close and debit dates."""

import click
from flask.cli import with_appcontext


@click.group("billing")
def billing():
    """Usage billing."""


@billing.command("close")
@with_appcontext
def close():
    """Close every ended month that still has open billing records."""
    from portal.billing.close import run_close

    click.echo(f"{run_close()} statements made")


@billing.command("debit-date")
@click.argument("month")
@with_appcontext
def debit_date_command(month):
    """Print the debit date of the statement for MONTH (YYYY-MM)."""
    from portal.billing import months
    from portal.billing.debit import debit_date

    if months.parse(month) is None:
        raise click.BadParameter("use YYYY-MM", param_hint="MONTH")
    click.echo(debit_date(month).isoformat())
