"""補正要求 and 却下: what OSS asks or why it refused, and where the user goes next.

Corrections are never made in ossdesk: the agent corrects on the OSS portal
of the back-end (MLIT OSS or 軽自動車OSS), looking the application up with its
受付番号 and the 到達番号パスワード in force when it was sent.
"""

from dataclasses import dataclass

from flask import current_app

from portal.applications.detail import oss_failure
from portal.models import Application
from portal.oss_actions import detail

PORTALS = {
    "mlit": ("自動車保有関係手続のワンストップサービス(OSSポータル)", "https://www.oss.mlit.go.jp/"),
    "kei": ("軽自動車OSSポータル", "https://www.k-oss.keikenkyo.or.jp/"),
}


@dataclass(frozen=True)
class Guidance:
    portal_name: str
    portal_url: str
    receipt_number: str
    arrival_number: str
    secret_note: str            # which password version to use, never the password
    items: tuple[tuple[str, object], ...]  # (flag name, item with title, body, at)


def portal_of(backend: str) -> tuple[str, str]:
    name, url = PORTALS[backend]
    return name, current_app.config.get(f"OSS_PORTAL_{backend.upper()}_URL", url)


def _secret_note(app: Application) -> str:
    sub = detail.filing_submission(app)
    label = "到達番号パスワード" if app.backend.value == "mlit" else "申請用パスワード"
    if sub is None or sub.secret_version is None:
        return f"照会には、送信時の{label}が必要です。"
    return (f"照会には、この申請を送信したときの{label}(第{sub.secret_version}版)を使います。"
            "その後にパスワードを変更していても、送信時のものが必要です。")


def guidance(app: Application) -> Guidance:
    name, url = portal_of(app.backend.value)
    items = tuple((flag.name, item) for flag in detail.flags(app) for item in flag.items)
    return Guidance(name, url, app.receipt_number, app.arrival_number, _secret_note(app), items)


def rejection_reason(app: Application) -> str:
    """OSS's own words on the 却下 (the status page reads them from the history)."""
    found = oss_failure(app)
    return found.reason if found is not None else ""
