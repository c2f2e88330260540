"""Live rows: one poll per list page for its live rows, 204 while nothing moved, and it stops."""

import re
from urllib.parse import parse_qs
from urllib.parse import urlparse

import pytest

from portal.htmx import HTMX_STOP_POLLING
from portal.models import ApplicationState as S
from tests.applications.filed import filed
from tests.applications.filed import flag_items
from tests.applications.filed import move
from tests.applications.helpers import body
from tests.conftest import login


@pytest.fixture
def client(db_app, tenants):
    client = db_app.test_client()
    login(client, tenants["a_staff"])
    return client


def poller(html: str) -> dict:
    """The page's polling element: its live ids and the URL it polls (None if it stopped)."""
    found = re.findall(r'<div id="rows-poller"[^>]*>', html)
    assert len(found) == 1, found
    tag = found[0]
    url = re.search(r'hx-get="([^"]+)"', tag)
    if url is None:
        assert "hx-trigger" not in tag
        return {"url": None, "ids": []}
    url = url.group(1).replace("&amp;", "&")
    ids = parse_qs(urlparse(url).query)["ids"][0].split(",")
    return {"url": url, "ids": [int(i) for i in ids]}


def test_one_poll_per_page_for_its_live_rows(client, tenants):
    user = tenants["a_staff"]
    sending = filed(user, "iten", S.SENDING)
    review = filed(user, "henko", S.UNDER_REVIEW, oss_status="審査中")
    filed(user, "iten", S.DRAFT)
    filed(user, "iten", S.COMPLETED, oss_status="手続完了")
    html = body(client.get("/applications"))
    assert html.count("hx-trigger") == 1  # one request per page, never one per row
    assert sorted(poller(html)["ids"]) == sorted([sending.id, review.id])
    assert 'hx-trigger="every 3s"' in html


def test_no_poll_when_nothing_on_the_page_is_live(client, tenants):
    filed(tenants["a_staff"], "iten", S.DRAFT)
    filed(tenants["a_staff"], "iten", S.REJECTED, oss_status="却下")
    html = body(client.get("/applications"))
    assert poller(html)["url"] is None and "hx-trigger" not in html


def test_the_poll_answers_204_until_a_row_moves(client, tenants):
    user = tenants["a_staff"]
    a = filed(user, "iten", S.SENDING)
    b = filed(user, "iten", S.ARRIVED, oss_status="到達")
    url = poller(body(client.get("/applications")))["url"]
    resp = client.get(url, headers={"HX-Request": "true"})
    assert resp.status_code == 204 and resp.data == b""

    move(a, S.RECEPTION_REVIEW, oss_status="受付審査中", receipt_number="10000000001",
         flags={"message": {"items": flag_items("受付")}})
    resp = client.get(url, headers={"HX-Request": "true"})
    assert resp.status_code == 200
    html = body(resp)
    row = re.search(rf'<tr id="application-{a.id}" hx-swap-oob="true".*?</tr>', html, re.S)
    assert row and "受付審査中" in row.group(0) and "10000000001" in row.group(0)
    assert '<span class="flag-on" title="OSSからのメッセージ">有</span>' in row.group(0)
    assert "<html" not in html
    nxt = poller(html)
    assert sorted(nxt["ids"]) == sorted([a.id, b.id]) and nxt["url"] != url
    assert client.get(nxt["url"]).status_code == 204


def test_polling_stops_when_every_row_is_terminal(client, tenants):
    user = tenants["a_staff"]
    a = filed(user, "iten", S.UNDER_REVIEW, oss_status="審査中")
    b = filed(user, "keizoku", S.PAYMENT_PENDING, oss_status="納付待ち")
    url = poller(body(client.get("/applications")))["url"]
    move(a, S.COMPLETED, oss_status="手続完了")
    first = client.get(url)
    assert first.status_code == 200
    url = poller(body(first))["url"]
    assert poller(body(first))["ids"] == [b.id]
    move(b, S.REJECTED, oss_status="却下")
    last = client.get(url)
    assert last.status_code == HTMX_STOP_POLLING  # htmx stops polling on 286 …
    html = body(last)
    assert poller(html)["url"] is None and "hx-trigger" not in html  # … and nothing re-arms it
    assert f'<tr id="application-{b.id}" hx-swap-oob="true"' in html and "却下" in html
    assert "hx-trigger" not in body(client.get("/applications"))


def test_the_poll_never_reveals_other_organisations(client, tenants):
    foreign = filed(tenants["b_staff"], "iten", S.UNDER_REVIEW, oss_status="審査中")
    mine = filed(tenants["a_staff"], "iten", S.UNDER_REVIEW, oss_status="審査中")
    resp = client.get(f"/applications/rows?ids={foreign.id},{mine.id}&v=x")
    html = body(resp)
    assert f"application-{mine.id}" in html and f"application-{foreign.id}" not in html
    resp = client.get(f"/applications/rows?ids={foreign.id}&v=x")
    assert resp.status_code == HTMX_STOP_POLLING and "application-" not in body(resp)


def test_the_poll_ignores_junk_and_caps_the_ids(client):
    resp = client.get("/applications/rows?ids=1,x,-3," + ",".join(["7"] * 500))
    assert resp.status_code == HTMX_STOP_POLLING


def test_a_handed_over_request_stays_live_for_its_requester(db_app, tenants):
    request = filed(tenants["r_staff"], "iten", S.REQUESTED, agent=tenants["a"])
    client = db_app.test_client()
    login(client, tenants["r_staff"])
    assert poller(body(client.get("/applications")))["ids"] == [request.id]
