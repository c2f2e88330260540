"""Association staff pages: write, preview, publish and unpublish FAQ entries and notices.

Registered under ``/association``. The edit forms have a preview button that
re-renders the form with the entry as the public will see it, without saving.
"""

import sqlalchemy as sa
from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from wtforms import SelectChoice

from faq import search
from faq import services
from faq.forms import CategoryForm
from faq.forms import EntryForm
from faq.forms import NoticeForm
from faq.models import FaqCategory
from faq.models import FaqEntry
from faq.models import Notice
from faq.models import NoticeKind
from portal.access import policy
from portal.extensions import db
from portal.orgs.rules import RuleViolation
from portal.tenancy import get_or_404

bp = Blueprint("faq_admin", __name__)


def _categories() -> list[FaqCategory]:
    return list(db.session.scalars(
        sa.select(FaqCategory).order_by(FaqCategory.sort_order, FaqCategory.id)))


def _previewing() -> bool:
    return request.method == "POST" and request.form.get("action") == "preview"


def _attempt(form, operation) -> bool:
    """Run ``operation`` for a valid form; commit, or show a rule's message on its field."""
    if _previewing() or not form.validate_on_submit():
        if _previewing():
            form.validate()
        return False
    try:
        operation()
    except RuleViolation as violation:
        db.session.rollback()
        violation.show_on(form)
        return False
    db.session.commit()
    return True


def _form_page(form, operation, *, saved: str, back: str, template: str, **ctx):
    """Save and go back to the list, or show the form again (with its preview or errors)."""
    if _attempt(form, operation):
        flash(saved, "success")
        return redirect(url_for(back))
    return render_template(template, form=form, preview=_previewing(), **ctx)


def _toggle_published(model, ident: int, back: str):
    row = get_or_404(model, ident)
    services.set_published(row, request.form.get("published") == "1")
    db.session.commit()
    flash("公開しました。" if row.published else "非公開にしました。", "success")
    return redirect(url_for(back))


# --- FAQ ---------------------------------------------------------------------------------------


@bp.get("/faq")
@policy("association")
def entries():
    category_id = request.args.get("category", type=int)
    q = (request.args.get("q") or "").strip()
    results = search.search(search.FAQ, q, facet=category_id, include_hidden=True,
                            per_page=100) if q else None
    query = sa.select(FaqEntry).order_by(FaqEntry.sort_order, FaqEntry.id)
    if category_id:
        query = query.where(FaqEntry.category_id == category_id)
    rows = [] if results else db.session.scalars(query).all()
    return render_template("faq/manage/entries.html", rows=rows, results=results, q=q,
                           categories=_categories(), category_id=category_id)


@bp.route("/faq/new", methods=["GET", "POST"], endpoint="entry_new")
@bp.route("/faq/<int:entry_id>/edit", methods=["GET", "POST"])
@policy("association")
def entry_edit(entry_id: int | None = None):
    entry = get_or_404(FaqEntry, entry_id) if entry_id else None
    form = EntryForm(obj=entry)
    form.category_id.choices = [SelectChoice(c.id, c.name) for c in _categories()]
    fields = ("category_id", "question", "answer", "keywords", "sort_order")

    def save():
        data = {name: getattr(form, name).data for name in fields}
        services.save_entry(entry, **{**data, "sort_order": data["sort_order"] or 0})

    return _form_page(form, save, saved="FAQ を保存しました。公開状態は一覧で切り替えられます。",
                      back="faq_admin.entries", template="faq/manage/entry_form.html",
                      entry=entry)


@bp.post("/faq/<int:entry_id>/published")
@policy("association")
def entry_publish(entry_id: int):
    return _toggle_published(FaqEntry, entry_id, "faq_admin.entries")


@bp.route("/faq/categories", methods=["GET", "POST"])
@bp.route("/faq/categories/<int:category_id>", methods=["GET", "POST"])
@policy("association")
def categories(category_id: int | None = None):
    category = get_or_404(FaqCategory, category_id) if category_id else None
    form = CategoryForm(obj=category)

    def save():
        services.save_category(category, name=form.name.data, sort_order=form.sort_order.data or 0)

    return _form_page(form, save, saved="カテゴリを保存しました。", back="faq_admin.categories",
                      template="faq/manage/categories.html", category=category,
                      categories=_categories())


# --- notices -----------------------------------------------------------------------------------


@bp.get("/notices")
@policy("association")
def notices():
    rows = db.session.scalars(
        sa.select(Notice).order_by(Notice.publish_from.desc(), Notice.id.desc())).all()
    return render_template("notices/manage/notices.html", rows=rows)


@bp.route("/notices/new", methods=["GET", "POST"], endpoint="notice_new")
@bp.route("/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@policy("association")
def notice_edit(notice_id: int | None = None):
    notice = get_or_404(Notice, notice_id) if notice_id else None
    form = NoticeForm(obj=notice)
    fields = ("title", "body", "publish_from", "publish_until", "outage_start", "outage_end")

    def save():
        data = {name: getattr(form, name).data for name in fields}
        services.save_notice(notice, kind=NoticeKind(form.kind.data), **data)

    return _form_page(form, save,
                      saved="お知らせを保存しました。公開状態は一覧で切り替えられます。",
                      back="faq_admin.notices", template="notices/manage/notice_form.html",
                      notice=notice)


@bp.post("/notices/<int:notice_id>/published")
@policy("association")
def notice_publish(notice_id: int):
    return _toggle_published(Notice, notice_id, "faq_admin.notices")
