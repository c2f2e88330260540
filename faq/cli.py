"""``ossdesk faq …``: import the association's FAQ, seed the starter FAQ, rebuild the index."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.extensions import db


def _report(counts) -> None:
    click.echo(f"追加 {counts['added']} 件 / 更新 {counts['updated']} 件 / "
               f"変更なし {counts['unchanged']} 件")
    if counts["duplicate"]:
        click.echo(f"同じカテゴリで重複した質問 {counts['duplicate']} 件は"
                   "最初のものだけを使いました。")


@click.group("faq")
def faq():
    """FAQ maintenance."""


@faq.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Leave new entries unpublished.")
@with_appcontext
def import_file(path: Path, draft: bool):
    """Mirror an FAQ page (text export or HTML); re-importing updates, never duplicates."""
    from faq.importer import ImportFormatError
    from faq.importer import read_file
    from faq.services import upsert_entries

    try:
        entries = read_file(path)
    except ImportFormatError as exc:
        raise click.ClickException(str(exc)) from None
    counts = upsert_entries(entries, publish=not draft)
    db.session.commit()
    _report(counts)


@faq.command("seed")
@with_appcontext
def seed():
    """Add the starter FAQ entries that are missing (edited entries are kept)."""
    from faq.starter import seed_starter_faq

    counts = seed_starter_faq()
    db.session.commit()
    _report(counts)


@faq.command("reindex")
@with_appcontext
def reindex():
    """Recompute the folded search copies and rebuild the full-text index."""
    from faq.search import rebuild_index

    click.echo(f"{rebuild_index()} 件を再索引しました。")
