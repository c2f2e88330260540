"""Template globals: navigation by role and display helpers."""

from datetime import timezone

from flask import url_for
from flask_login import current_user

from forms.japan_time import JST


def jst(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format a naive-UTC datetime in Japan time."""
    if value is None:
        return ""
    return value.replace(tzinfo=timezone.utc).astimezone(JST).strftime(fmt)


# (label, endpoint, roles, agent_only). The menu shows only what the user may open;
# the route policies enforce the same independently.
NAV = [
    ("ホーム", "main.dashboard", {"admin", "staff", "association"}, False),
    ("申請データ作成", "main.procedures", {"staff"}, False),
    ("申請データ検索", "applications.index", {"staff"}, False),
    ("申請データ送信", "submissions.index", {"staff"}, True),
    ("受付番号リスト", "receipts.index", {"staff"}, True),
    ("申請データ検索", "applications.admin_index", {"admin"}, False),
    ("申請データ統計検索", "stats.index", {"admin"}, False),
    ("ユーザー管理", "admin.users", {"admin"}, False),
    ("拠点管理", "admin.branches", {"admin"}, False),
    ("一括利用者アカウント", "admin.oss_accounts", {"admin"}, True),
    ("電子証明書", "certificates.index", {"admin"}, False),
    ("依頼人", "admin.requesters", {"admin"}, True),
    ("組織情報・変更等申込", "admin.organization", {"admin"}, False),
    ("操作履歴", "admin.audit_log", {"admin"}, False),
    ("予約送信", "hours.scheduled", {"staff"}, True),
    ("利用料金明細", "billing.statements", {"admin"}, True),
    ("利用件数", "usage.organization", {"admin"}, True),
    ("会員組織", "association.organizations", {"association"}, False),
    ("変更等申込の審査", "association.change_requests", {"association"}, False),
    ("操作履歴(全体)", "association.audit_log", {"association"}, False),
    ("システム状態", "association.system", {"association"}, False),
    ("利用料金(全体)", "billing.overview", {"association"}, False),
    ("FAQ管理", "faq_admin.entries", {"association"}, False),
    ("お知らせ管理", "faq_admin.notices", {"association"}, False),
]

# A requester (dealer) makes 依頼データ, not 申請データ: the same pages under its own words.
REQUESTER_LABELS = {"main.procedures": "依頼データ作成"}


def nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    role = current_user.role.value
    is_agent = current_user.organization.kind.is_agent
    return [
        (label if is_agent else REQUESTER_LABELS.get(endpoint, label), url_for(endpoint))
        for label, endpoint, roles, agent_only in NAV
        if role in roles and (is_agent or not agent_only)
    ]


def init_app(app) -> None:
    from portal.waiting import not_started_note

    app.jinja_env.filters["jst"] = jst
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["not_started_note"] = not_started_note
