"""申請データ統計検索: counts, lead times and charts of an organisation's filings (admins)."""

from flask import Blueprint

bp = Blueprint("stats", __name__)

from portal.stats import views  # noqa: E402,F401
