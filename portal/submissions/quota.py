"""Daily send quotas per office (ASVS 11.1.4: a limit on a costly function).

Every send — 申請データ送信, a 予約送信 when it runs, a 再申請 — counts the
office's submissions made since midnight, Japan time, and refuses, with the
reason, whatever would go past its quota. The quota is the office's own
(``Organization.daily_send_quota``, set by association staff) or the
``SEND_DAILY_QUOTA`` setting. Sends of one office are serialised on its
organisation row (``FOR NO KEY UPDATE`` on PostgreSQL, taken before the send
touches any application; SQLite has one writer), so two sends at the same moment
cannot both take the last places. The weaker lock matters: ``FOR UPDATE`` would
also block every row inserted meanwhile that points at the office (history
events, audit rows, new applications), and deadlock with a request that holds an
application and then writes its event.

What counts is every submission made: one that failed before reaching OSS (no
certificate, invalid data) and each re-send after 申請エラー count too.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.clock import as_utc
from portal.clock import naive_utc
from portal.extensions import db
from portal.models import Organization
from portal.models import Submission
from portal.models.base import utcnow
from portal.templating import JST

MAX_QUOTA = 1_000_000  # what association staff may set at most


@dataclass(frozen=True)
class Usage:
    quota: int
    used: int
    own: bool  # the office's own quota, not the setting's

    @property
    def remaining(self) -> int:
        return max(self.quota - self.used, 0)

    @property
    def notice(self) -> str:
        """The send page's line about today's sends."""
        head = (f"本日の送信 {self.used:,}件 / 1日の送信上限 {self.quota:,}件"
                f"(残り {self.remaining:,}件)。")
        if self.remaining:
            return head + "上限を超える分は送信されず、送信状況の画面に理由が表示されます。"
        if self.quota == 0:
            return head + STOPPED
        return head + "本日はこれ以上送信できません。日本時間の0時を過ぎてから送信してください。"


def default_quota() -> int:
    from jobs.pipeline import settings

    return int(settings.get("SEND_DAILY_QUOTA"))


def day_start(now: datetime) -> datetime:
    """Midnight, Japan time, of the day ``now`` falls on (naive UTC, as stored)."""
    local = as_utc(now).astimezone(JST)
    return naive_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))


def usage(org_id: int, *, lock: bool = False, now: datetime | None = None) -> Usage:
    """The office's quota and what it has sent today; ``lock`` holds its row until the
    transaction ends (a send)."""
    query = sa.select(Organization.daily_send_quota).where(Organization.id == org_id)
    own = db.session.execute(query.with_for_update(key_share=True) if lock else query).scalar()
    used = db.session.scalar(
        sa.select(sa.func.count()).select_from(Submission)
        .where(Submission.org_id == org_id,
               Submission.created_at >= day_start(now or utcnow())))
    return Usage(quota=own if own is not None else default_quota(), used=used or 0,
                 own=own is not None)


STOPPED = "この組織の送信は協会により停止されています(送信上限0件)。協会にお問い合わせください。"


def refusal(quota: int) -> str:
    if quota == 0:
        return STOPPED
    return (f"本日の送信上限({quota:,}件)を超えるため送信しませんでした。"
            "日本時間の0時を過ぎてから送信してください(上限は協会が設定しています)。")


def cut(org_id: int, ids: list[int]) -> tuple[list[int], list[dict]]:
    """``ids`` split into those within today's quota and refusals for the rest (in the
    caller's transaction, which the office's row lock lasts for)."""
    today = usage(org_id, lock=True)
    allowed = ids[:today.remaining]
    reason = refusal(today.quota)
    return allowed, [{"application_id": i, "reason": reason} for i in ids[today.remaining:]]
