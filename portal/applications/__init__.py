"""申請データ and 依頼データ: drafts, requests, reuse, bulk import, search and 状況照会."""

from flask import Blueprint

bp = Blueprint("applications", __name__)

from portal.applications import import_views  # noqa: E402,F401
from portal.applications import search_views  # noqa: E402,F401
from portal.applications import views  # noqa: E402,F401
