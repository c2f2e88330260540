"""The ``ossdesk`` command: a Flask CLI group bound to the app in ``wsgi.py``."""

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup
from flask.cli import with_appcontext

from portal.config import ROOT


def _load_app():
    sys.path.insert(0, str(ROOT))
    import wsgi

    return wsgi.app


@click.group(cls=FlaskGroup, create_app=_load_app, add_version_option=False,
             set_debug_flag=False, load_dotenv=False)
def main():
    """ossdesk — OSS bulk filing portal."""


@main.command("oss-simulator", add_help_option=False,
              context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def oss_simulator(args):
    """Run the OSS simulator (both back-ends) as its own HTTP service (--help for options)."""
    from oss.simulator.server import main as run_simulator

    run_simulator(list(args))


@click.command("worker")
@click.option("--queue", "queues", multiple=True, default=["default"], show_default=True)
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@with_appcontext
def worker(queues, burst):
    """Run a real RQ worker (with scheduler) against REDIS_URL."""
    from jobs.worker import run_worker

    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("REDIS_URL is not set: `ossdesk up` runs the embedded worker.")
    run_worker(current_app._get_current_object(), list(queues), burst=burst)


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the demo organisations and users once."""
    from portal.demo import seed

    logins = seed()
    click.echo(f"{len(logins)} demo logins ready.")


@click.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@with_appcontext
def up(host):
    """Run web app, job worker and OSS simulator together (Ctrl-C stops all)."""
    from portal.main.health import schema_state
    from portal.runner import run_all

    schema = schema_state()
    if not schema["ok"]:
        raise click.ClickException(
            f"the database is at migration {schema.get('revision') or '(none)'}, this code needs "
            f"{schema.get('expected', '?')}: run `ossdesk db upgrade` first (`make run` does).")
    run_all(current_app._get_current_object(), host)


@click.group("backup")
def backup():
    """Backups of the embedded database and the restore drill."""


@backup.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_create(path):
    """Copy the live SQLite database to PATH (online backup, integrity-checked)."""
    from portal import backup as backups

    try:
        made = backups.create(path)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{made['path']}: {made['bytes']:,} bytes")


@backup.command("check")
@click.argument("source")
@with_appcontext
def backup_check(source):
    """Restore drill: integrity, migration, row counts and one decrypted certificate of a
    backup file or a restored database URL; exits 1 when something is wrong."""
    from portal import backup as backups

    found = backups.check(source)
    click.echo(f"{found.source}: migration {found.revision or '-'}")
    for table, count in found.counts.items():
        click.echo(f"  {table}: {count:,}")
    if found.certificate:
        click.echo(f"  {found.certificate}")
    for problem in found.problems:
        click.echo(f"NG: {problem}", err=True)
    if not found.ok:
        sys.exit(1)
    click.echo("OK")


@click.group("keys")
def keys():
    """Encryption-key maintenance."""


@keys.command("rotate")
@with_appcontext
def keys_rotate():
    """Re-wrap every encrypted value under the keyring's primary key."""
    from portal.keys import rotate_all

    counts = rotate_all()
    for name, (seen, changed) in counts.items():
        click.echo(f"{name}: {changed} of {seen} re-wrapped")


def init_app(app) -> None:
    from faq.cli import faq

    for command in (worker, seed_demo, up, keys, backup, faq):
        app.cli.add_command(command)
