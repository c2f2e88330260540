"""Operations on FAQ categories, entries and notices. They flush and audit; callers commit.

Times are naive UTC. The folded search copy is refreshed by the models
themselves before every write, so the full-text index stays in sync whatever
path changes a row (form, import, seed).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from faq.models import FaqCategory
from faq.models import FaqEntry
from faq.models import Notice
from faq.models import NoticeKind
from faq.text import fold
from portal import audit
from portal.extensions import db
from portal.orgs.rules import RuleViolation


@dataclass(frozen=True)
class EntryData:
    """One FAQ entry as read from an import file or the starter data."""

    category: str
    question: str
    answer: str
    keywords: str = ""


def _category_named(name: str, excluding: int | None = None) -> FaqCategory | None:
    wanted = fold(name)
    for category in db.session.scalars(sa.select(FaqCategory)):
        if fold(category.name) == wanted and category.id != excluding:
            return category
    return None


def save_category(category: FaqCategory | None, *, name: str, sort_order: int = 0) -> FaqCategory:
    """Create or rename a category; names are unique after folding."""
    name = name.strip()
    if _category_named(name, excluding=category.id if category else None):
        raise RuleViolation("同じ名前のカテゴリが既にあります。", field="name")
    if category is None:
        category = FaqCategory()
        db.session.add(category)
    category.name, category.sort_order = name, sort_order
    db.session.flush()
    audit.record("faq_category_saved", target=f"faq_category:{category.id}", name=name)
    return category


def _check_question_free(category_id: int, question: str, entry_id: int | None) -> None:
    clash = db.session.scalar(sa.select(FaqEntry.id).where(
        FaqEntry.category_id == category_id, FaqEntry.search_title == fold(question),
        FaqEntry.id != (entry_id or 0)))
    if clash:
        raise RuleViolation("このカテゴリには同じ質問が既にあります。", field="question")


def save_entry(entry: FaqEntry | None, *, category_id: int, question: str, answer: str,
               keywords: str = "", sort_order: int = 0) -> FaqEntry:
    """Create or edit an entry (a new entry starts unpublished)."""
    if db.session.get(FaqCategory, category_id) is None:
        raise RuleViolation("カテゴリを選択してください。", field="category_id")
    question = question.strip()
    _check_question_free(category_id, question, entry.id if entry else None)
    if entry is None:
        entry = FaqEntry(published=False)
        db.session.add(entry)
    entry.category_id, entry.question, entry.answer = category_id, question, answer.strip()
    entry.keywords, entry.sort_order = keywords.strip(), sort_order
    db.session.flush()
    audit.record("faq_entry_saved", target=f"faq_entry:{entry.id}")
    return entry


def set_published(row: FaqEntry | Notice, published: bool) -> None:
    """Publish or unpublish an FAQ entry or a notice (audited)."""
    name = row.__tablename__
    row.published = published
    db.session.flush()
    audit.record(f"{name}_published" if published else f"{name}_unpublished",
                 target=f"{name}:{row.id}")


def check_notice_windows(kind: NoticeKind, publish_from: datetime, publish_until, outage_start,
                         outage_end) -> None:
    """The publish window must be ordered; only maintenance has an outage window."""
    if publish_until is not None and publish_until <= publish_from:
        raise RuleViolation("掲載終了は掲載開始より後の日時にしてください。", field="publish_until")
    if kind != NoticeKind.MAINTENANCE:
        if outage_start or outage_end:
            raise RuleViolation("停止期間はメンテナンスのお知らせにだけ設定できます。",
                                field="outage_start")
        return
    if outage_start is None:
        raise RuleViolation("メンテナンスの停止開始日時を入力してください。", field="outage_start")
    if outage_end is None:
        raise RuleViolation("メンテナンスの停止終了日時を入力してください。", field="outage_end")
    if outage_end <= outage_start:
        raise RuleViolation("停止終了は停止開始より後の日時にしてください。", field="outage_end")


def save_notice(notice: Notice | None, *, kind: NoticeKind, title: str, body: str,
                publish_from: datetime, publish_until: datetime | None = None,
                outage_start: datetime | None = None,
                outage_end: datetime | None = None) -> Notice:
    """Create or edit a notice (a new notice starts unpublished)."""
    check_notice_windows(kind, publish_from, publish_until, outage_start, outage_end)
    if notice is None:
        notice = Notice(published=False)
        db.session.add(notice)
    notice.kind, notice.title, notice.body = kind, title.strip(), body.strip()
    notice.publish_from, notice.publish_until = publish_from, publish_until
    notice.outage_start, notice.outage_end = outage_start, outage_end
    db.session.flush()
    audit.record("notice_saved", target=f"notice:{notice.id}", kind=kind.value)
    return notice


def upsert_entries(entries: list[EntryData], *, publish: bool = True,
                   update_existing: bool = True) -> Counter:
    """Add or update entries matched on category + question (both folded).

    Returns counts under ``added``, ``updated``, ``unchanged`` and
    ``duplicate`` (a question repeated in the same category of the input: the
    first one wins). New categories are created in the order met; with
    ``update_existing`` false, entries already present are left as they are
    (counted unchanged).
    """
    counts: Counter = Counter(added=0, updated=0, unchanged=0, duplicate=0)
    categories = {fold(c.name): c for c in db.session.scalars(sa.select(FaqCategory))}
    next_order = max((c.sort_order for c in categories.values()), default=0)
    seen: set[tuple[str, str]] = set()
    for position, data in enumerate(entries, start=1):
        key = (fold(data.category), fold(data.question))
        if key in seen:
            counts["duplicate"] += 1
            continue
        seen.add(key)
        category = categories.get(fold(data.category))
        if category is None:
            next_order += 10
            category = FaqCategory(name=data.category.strip(), sort_order=next_order)
            db.session.add(category)
            db.session.flush()
            categories[fold(category.name)] = category
        existing = db.session.scalar(sa.select(FaqEntry).where(
            FaqEntry.category_id == category.id, FaqEntry.search_title == fold(data.question)))
        if existing is None:
            db.session.add(FaqEntry(category_id=category.id, question=data.question.strip(),
                                    answer=data.answer, keywords=data.keywords,
                                    sort_order=position * 10, published=publish))
            counts["added"] += 1
        elif update_existing and (existing.question, existing.answer, existing.sort_order) != (
                data.question.strip(), data.answer, position * 10):
            existing.question, existing.answer = data.question.strip(), data.answer
            existing.sort_order = position * 10
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        db.session.flush()
    audit.record("faq_imported", target="faq", **counts)
    return counts
