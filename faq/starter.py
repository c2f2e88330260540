"""Load the starter FAQ (``faq.starter_data``) into the database."""

from collections import Counter

import sqlalchemy as sa

from faq import starter_data
from faq.models import FaqCategory
from faq.models import FaqEntry
from faq.services import EntryData
from faq.services import save_category
from faq.services import upsert_entries
from faq.text import fold
from portal.extensions import db


def starter_entries() -> list[EntryData]:
    return [EntryData(category, question, answer, keywords)
            for category, question, answer, keywords in starter_data.ENTRIES]


def seed_starter_faq() -> Counter:
    """Add the starter categories and the entries that are missing, published.

    Entries already present (same category and question) are left untouched,
    so staff edits survive a second run.
    """
    existing = {fold(name) for name in db.session.scalars(sa.select(FaqCategory.name))}
    for order, name in enumerate(starter_data.CATEGORIES, start=1):
        if fold(name) not in existing:
            save_category(None, name=name, sort_order=order * 10)
    return upsert_entries(starter_entries(), publish=True, update_existing=False)


def seed_if_empty() -> Counter | None:
    """Seed the starter FAQ only into an empty FAQ (used by ``ossdesk seed-demo``)."""
    if db.session.scalar(sa.select(FaqEntry.id).limit(1)) is not None:
        return None
    return seed_starter_faq()
