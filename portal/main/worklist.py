"""The staff dashboard's 「対応が必要な申請」: how many applications wait for the office, by
what they wait for, each linked to the page where it is done.

Counts come from the same places as the pages they link to (申請データ検索's conditions,
the send page's ready count, the 受付番号リスト candidates), so a number on the dashboard
is the number the user finds after the click. Only waiting states with at least one
application are listed.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for

from portal.applications import search
from portal.applications.search_form import Criteria
from portal.applications.search_form import tabs_for
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState as S
from portal.models import ListStatus


@dataclass(frozen=True)
class Waiting:
    key: str
    label: str
    count: int
    hint: str
    url: str


# What to do next, per waiting state (the label is the state's own).
HINTS = {
    S.REQUESTED: "依頼人から届いた依頼データです。内容を確認して申請準備完了にしてください。",
    S.DRAFT: "入力を終えて申請準備完了にしてください。",
    S.READY: "申請データ送信から送信してください。",
    S.SEND_ERROR: "理由を確認し、直してから送信し直してください。",
    S.LIST_SENT: "受付から15日以内に書類を窓口へ提出してください(受付の古い順に表示)。",
    S.CORRECTION_REQUESTED: "補正の内容を確認し、OSSポータルで補正してください。",
    S.PAYMENT_PENDING: "手数料・税の納付を確認してください。",
}
REQUESTER_HINTS = {
    S.RETURNED: "代理人から差し戻されました。理由を確認して直し、依頼し直してください。",
    S.DRAFT: "入力を終えて代理人に依頼してください。",
    S.REQUESTED: "代理人が確認しています。",
}
RECEIPT_LIST = "receipt_list"  # not a state: 受付審査中 and not yet on a 受付番号リスト
# Lists made but not delivered: their applications wait as long as the list does (the
# 15-day limit for the documents runs meanwhile). These two lines count lists.
LISTS = {
    "receipt_list_unsent": (ListStatus.UNSENT, "未送信の受付番号リスト",
                            "作成した受付番号リストをOSSへ送信してください。"),
    "receipt_list_error": (ListStatus.ERROR, "送信エラーの受付番号リスト",
                           "エラーの理由を確認し、リストを直して送信し直してください。"),
}
# The order the lines are shown in, the order work flows.
AGENT_ORDER = (S.REQUESTED, S.DRAFT, S.READY, S.SEND_ERROR, RECEIPT_LIST, *LISTS,
               S.LIST_SENT, S.CORRECTION_REQUESTED, S.PAYMENT_PENDING)
REQUESTER_ORDER = (S.RETURNED, S.DRAFT, S.REQUESTED)


def _state_counts(user, states) -> dict[S, int]:
    """Applications per state as 申請データ検索 finds them (its first tab; tenancy scopes)."""
    where = search.conditions(user, Criteria(tab=tabs_for(user)[0]))
    rows = db.session.execute(
        sa.select(Application.state, sa.func.count()).where(*where)
        .where(Application.state.in_([s.value for s in states]))
        .group_by(Application.state))
    return {S(state): count for state, count in rows}


def _requester_lines(user) -> list[Waiting]:
    counts = _state_counts(user, REQUESTER_ORDER)
    return [Waiting(s.value, s.label, counts.get(s, 0), REQUESTER_HINTS[s],
                    url_for("applications.index", state=s.value)) for s in REQUESTER_ORDER]


def _agent_lines(user) -> list[Waiting]:
    from portal.receipts.eligibility import count_candidates
    from portal.submissions.services import ready_count

    searched = [s for s in AGENT_ORDER if isinstance(s, S) and s != S.READY]
    counts = _state_counts(user, searched)
    lines = []
    for key in AGENT_ORDER:
        if key in LISTS:
            status, label, hint = LISTS[key]
            lines.append(Waiting(key, label, _list_count(user, status), hint,
                                 url_for("receipts.index", status=status.value)))
        elif key == RECEIPT_LIST:
            lines.append(Waiting(key, "受付番号リスト待ち", count_candidates(user.org_id),
                                 "受付審査中です。受付番号リストに登録して送信してください。",
                                 url_for("receipts.new")))
        elif key == S.READY:  # the send page's own count: what 「すべてを送信」 sends
            lines.append(Waiting(key.value, key.label, ready_count(user), HINTS[key],
                                 url_for("submissions.index")))
        elif key == S.LIST_SENT:  # documents due at the counter: the oldest first
            lines.append(Waiting(key.value, "書類の提出待ち", counts.get(key, 0),
                                 HINTS[key] + _oldest(user, key),
                                 url_for("applications.index", state=key.value,
                                         sort="accepted_at", dir="asc")))
        else:
            lines.append(Waiting(key.value, key.label, counts.get(key, 0), HINTS[key],
                                 url_for("applications.index", state=key.value)))
    return lines


def _oldest(user, state: S) -> str:
    """「最も古い受付は N 日前」 for the applications waiting in ``state`` (Japan days)."""
    from portal import clock
    from portal.templating import JST

    where = search.conditions(user, Criteria(tab=tabs_for(user)[0]))
    first = db.session.scalar(sa.select(sa.func.min(Application.accepted_at)).where(*where)
                              .where(Application.state == state.value))
    if first is None:
        return ""
    days = (clock.now().astimezone(JST).date()
            - clock.as_utc(first).astimezone(JST).date()).days
    return "最も古い受付は本日です。" if days <= 0 else f"最も古い受付は{days}日前です。"


def _list_count(user, status: ListStatus) -> int:
    """The office's lists in ``status``, as the list search finds them."""
    from portal.receipts import search as lists

    found = lists.search(user.org_id, lists.Filters(status=status.value)).order_by(None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(found.subquery()))


def waiting_for(user) -> list[Waiting]:
    """What waits for ``user``'s office, lines with nothing waiting left out (staff users
    only: an admin files nothing)."""
    if not user.is_staff:
        return []
    lines = _agent_lines(user) if user.organization.kind.is_agent else _requester_lines(user)
    return [line for line in lines if line.count]
