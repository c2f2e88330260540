"""The staff dashboard's 「対応が必要な申請」: counts per waiting state of the office's own
applications (never another office's), each the number the linked page then shows."""

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from portal import clock
from portal.models import ApplicationState as S
from portal.templating import JST
from tests.applications.filed import filed
from tests.applications.helpers import body
from tests.applications.helpers import waiting_lines
from tests.conftest import login


def _noon_jst_days_ago(days: int) -> datetime:
    """Naive UTC of noon, Japan time, ``days`` Japan days ago (the page counts Japan days: a
    moment like 'now minus 12 days and an hour' is 13 of them just after midnight JST)."""
    day = clock.now().astimezone(JST).date() - timedelta(days=days)
    return datetime(day.year, day.month, day.day, 12, tzinfo=JST).astimezone(UTC).replace(
        tzinfo=None)


def test_agent_staff_sees_what_waits_and_the_pages_agree(db_app, tenants):
    staff, other = tenants["a_staff"], tenants["b_staff"]
    # The page counts days on the portal clock: frozen, so that Japan's midnight cannot fall
    # between filing the applications and reading the dashboard (12 days would become 13).
    clock.set_now(clock.now())
    for state, n in ((S.DRAFT, 2), (S.READY, 3), (S.SEND_ERROR, 1),
                     (S.CORRECTION_REQUESTED, 1), (S.COMPLETED, 4), (S.UNDER_REVIEW, 2)):
        for _ in range(n):
            filed(staff, "keizoku", state)
    for days in (12, 3):  # lists sent: the documents are due at the counter
        filed(staff, "iten", S.LIST_SENT, oss_status="受付審査中",
              accepted_at=_noon_jst_days_ago(days))
    filed(tenants["r_staff"], "iten", S.REQUESTED, agent=tenants["a"])  # handed over to a
    filed(tenants["r_staff"], "iten", S.DRAFT)  # r's own draft, not handed over yet
    for state in (S.DRAFT, S.SEND_ERROR, S.READY, S.REQUESTED):  # office b's work
        filed(other, "keizoku", state)
    client = db_app.test_client()
    login(client, staff)

    lines = waiting_lines(body(client.get("/dashboard")))
    assert {k: count for k, (count, _) in lines.items()} == {
        "requested": 1, "draft": 2, "ready": 3, "send_error": 1, "list_sent": 2,
        "correction_requested": 1}
    assert list(lines) == ["requested", "draft", "ready", "send_error", "list_sent",
                           "correction_requested"]
    assert lines["list_sent"][1] == "/applications?state=list_sent&sort=accepted_at&dir=asc"
    assert "最も古い受付は12日前です。" in body(client.get("/dashboard"))
    for key, (count, href) in lines.items():
        page = body(client.get(href))
        if key == "ready":  # the send page, whose 「すべてを送信」 sends exactly these
            assert f"申請準備完了のすべて({count}件)を送信" in page
        else:
            assert re.search(r'<p id="result-count">(\d+)件', page).group(1) == str(count)


def test_requester_staff_sees_returned_drafts_and_requests(db_app, tenants):
    requester = tenants["r_staff"]
    filed(requester, "iten", S.RETURNED, agent=tenants["a"])
    filed(requester, "iten", S.REQUESTED, agent=tenants["a"])
    filed(requester, "iten", S.REQUESTED, agent=tenants["a"])
    filed(tenants["a_staff"], "iten", S.DRAFT)  # the agent's own draft: not the requester's
    client = db_app.test_client()
    login(client, requester)
    lines = waiting_lines(body(client.get("/dashboard")))
    assert [(k, c) for k, (c, _) in lines.items()] == [("returned", 1), ("requested", 2)]


def test_nothing_waiting_says_so_and_admins_get_no_list(db_app, tenants):
    filed(tenants["a_staff"], "iten", S.COMPLETED)
    client = db_app.test_client()
    login(client, tenants["a_staff"])
    page = body(client.get("/dashboard"))
    assert "いま対応が必要な申請はありません。" in page and waiting_lines(page) == {}
    client.post("/logout")
    login(client, tenants["a_admin"])
    assert 'id="waiting"' not in body(client.get("/dashboard"))
