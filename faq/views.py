"""Public pages: the FAQ and the notices, each with live search (no login needed).

One URL serves the full page and, for htmx requests, only the results
fragment; responses vary on ``HX-Request`` so caches keep them apart. A
history-restore request (htmx re-fetching a page for the back button) gets
the full page.
"""

from flask import Blueprint
from flask import abort
from flask import make_response
from flask import render_template
from flask import request

from faq import browse
from faq import markdown
from faq import notices
from portal.access import PUBLIC
from portal.access import policy
from portal.extensions import limiter
from portal.htmx import is_boosted
from portal.htmx import is_htmx
from portal.htmx import vary_on_htmx

bp = Blueprint("faq", __name__)
SEARCH_LIMIT = "120 per minute"  # live search sends a request per pause in typing

bp.add_app_template_filter(markdown.render, "markdown")
bp.add_app_template_global(notices.outage_banner, "outage_banner")
bp.add_app_template_global(notices.current_notices, "current_notices")


def _wants_fragment() -> bool:
    history_restore = request.headers.get("HX-History-Restore-Request") == "true"
    return is_htmx() and not is_boosted() and not history_restore


def _shown(row):
    """The row, or 404 when it is not on public display."""
    if row is None:
        abort(404)
    return row


def _page_or_fragment(page: str, fragment: str, ctx: dict):
    template = fragment if _wants_fragment() else page
    return vary_on_htmx(make_response(render_template(template, **ctx)))


@bp.get("/faq")
@policy(PUBLIC)
@limiter.limit(SEARCH_LIMIT)
def index():
    return _page_or_fragment("faq/index.html", "faq/_results.html",
                             browse.faq_context(request.args))


@bp.get("/faq/<int:entry_id>")
@policy(PUBLIC)
def entry(entry_id: int):
    return render_template("faq/entry.html", entry=_shown(browse.visible_entry(entry_id)))


@bp.get("/notices")
@policy(PUBLIC)
@limiter.limit(SEARCH_LIMIT)
def notice_list():
    return _page_or_fragment("notices/index.html", "notices/_results.html",
                             browse.notices_context(request.args))


@bp.get("/notices/<int:notice_id>")
@policy(PUBLIC)
def notice(notice_id: int):
    return render_template("notices/notice.html",
                           notice=_shown(browse.visible_notice(notice_id)))
