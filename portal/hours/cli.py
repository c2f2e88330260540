"""``ossdesk hours …``: run due scheduled sends, re-enqueue waiting ones, show the window."""

import click
from flask.cli import with_appcontext


@click.group("hours")
def hours():
    """Service hours and 予約送信."""


@hours.command("status")
@with_appcontext
def status():
    """Whether sending is open now, and the next opening."""
    from portal import clock
    from portal.jpdates import jst_long
    from portal.hours.window import check_send_window

    window = check_send_window(clock.now())
    click.echo("open" if window.open else f"closed: {window.reason}")
    click.echo(f"next opening: {jst_long(window.next_opening)}")


@hours.command("dispatch")
@with_appcontext
def dispatch():
    """Run the scheduled sends that are due (their jobs may have been lost)."""
    from portal.hours.scheduled import dispatch_due

    click.echo(f"{dispatch_due()} scheduled sends run")


@hours.command("requeue")
@with_appcontext
def requeue():
    """Hand every waiting scheduled send to the job scheduler again."""
    from portal.extensions import db
    from portal.hours.scheduled import enqueue_waiting

    count = enqueue_waiting()
    db.session.rollback()
    click.echo(f"{count} scheduled sends enqueued")
