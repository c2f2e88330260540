"""Requesters follow the requests they handed over, live, and see nothing else of the agent."""

import csv
import io
import re
import uuid

import pytest

from portal.extensions import db
from portal.models import ApplicationEvent
from portal.models import ApplicationState as S
from portal.models import Submission
from portal.models import SubmissionState
from tests.applications.filed import filed
from tests.applications.filed import flag_items
from tests.applications.filed import move
from tests.applications.helpers import body
from tests.conftest import login
from tests.routes import signing_certificate_row


@pytest.fixture
def world(db_app, tenants):
    """r's request handed to a (sent, signed with a's certificate), r's draft, a's own work."""
    cert = signing_certificate_row(tenants["a"])
    db.session.add(cert)
    db.session.commit()
    handed = filed(tenants["r_staff"], "iten", S.UNDER_REVIEW, agent=tenants["a"],
                   oss_status="審査中", registration_no="多摩 300 ま 1111",
                   flags={"message": {"items": flag_items("補足のお願い")}})
    db.session.add(Submission(org_id=tenants["a"].id, application_id=handed.id,
                              state=SubmissionState.SENT, idempotency_key=uuid.uuid4().hex,
                              certificate_id=cert.id, secret_version=2))
    db.session.add(ApplicationEvent(application_id=handed.id, kind="sent",
                                    user_id=tenants["a_staff"].id, org_id=tenants["a"].id,
                                    from_state="sending", to_state="arrived"))
    draft = filed(tenants["r_staff"], "henko", S.DRAFT, registration_no="多摩 500 あ 2222")
    own = filed(tenants["a_staff"], "iten", S.UNDER_REVIEW, oss_status="審査中",
                registration_no="品川 300 さ 3333")
    other = filed(tenants["b_staff"], "iten", S.UNDER_REVIEW, oss_status="審査中")
    db.session.commit()
    return {"handed": handed, "draft": draft, "own": own, "other": other, "cert": cert}


@pytest.fixture
def r_client(db_app, tenants):
    client = db_app.test_client()
    login(client, tenants["r_staff"])
    return client


def row_ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr id="application-(\d+)"', html)}


def test_requester_list_shows_only_its_requests(r_client, world):
    html = body(r_client.get("/applications"))
    assert row_ids(html) == {world["handed"].id, world["draft"].id}
    assert "品川 300 さ 3333" not in html
    # Filters cannot widen the view: the agent's tabs and ids are not the requester's.
    assert row_ids(body(r_client.get("/applications?tab=own"))) == row_ids(html)
    assert row_ids(body(r_client.get("/applications?registration_no=品川"))) == set()
    # No requester filter for a requester.
    assert 'id="requester"' not in html


def test_requester_follows_the_status_live(r_client, world):
    handed = world["handed"]
    html = body(r_client.get("/applications"))
    url = re.search(r'<div id="rows-poller"[^>]*hx-get="([^"]+)"', html).group(1)
    url = url.replace("&amp;", "&")
    assert r_client.get(url).status_code == 204
    move(handed, S.PAYMENT_PENDING, oss_status="納付待ち")
    update = body(r_client.get(url))
    assert f'<tr id="application-{handed.id}" hx-swap-oob="true"' in update
    assert "納付待ち" in update
    assert '<span class="flag-on" title="OSSからのメッセージ">有</span>' in update
    page = body(r_client.get(f"/applications/{handed.id}"))
    status = re.search(r'hx-get="(/applications/\d+/status\?v=[0-9a-f]+)"', page).group(1)
    assert r_client.get(status).status_code == 204
    move(handed, S.COMPLETED, oss_status="手続完了")
    assert r_client.get(status).status_code == 286


def test_requester_polls_and_pages_never_reach_the_agents_work(r_client, world):
    own, other = world["own"], world["other"]
    resp = r_client.get(f"/applications/rows?ids={own.id},{other.id}&v=x")
    assert "application-" not in body(resp)
    for app in (own, other):
        assert r_client.get(f"/applications/{app.id}").status_code == 404
        assert r_client.get(f"/applications/{app.id}/status").status_code == 404


def test_requester_detail_hides_the_agents_certificate_and_staff(r_client, world, tenants):
    html = body(r_client.get(f"/applications/{world['handed'].id}"))
    assert "審査中" in html and "補足のお願いの本文です。" in html
    assert "行政書士電子証明書" not in html and "シリアル番号" not in html
    assert "送信時の第2版" not in html
    assert "署名には代理人の電子証明書を使います" in html
    assert tenants["a_staff"].display_name not in html
    assert "<td>他の組織の担当者</td>" in html


def test_requester_exports_only_its_requests(r_client, world):
    text = r_client.get("/applications/export.csv", buffered=True).get_data().decode("utf-8-sig")
    numbers = {int(row[0]) for row in list(csv.reader(io.StringIO(text)))[1:]}
    assert numbers == {world["handed"].id, world["draft"].id}


def test_the_agent_sees_the_request_with_its_certificate(db_app, world, tenants):
    client = db_app.test_client()
    login(client, tenants["a_staff"])
    html = body(client.get(f"/applications/{world['handed'].id}"))
    assert world["cert"].subject_cn in html and "送信時の第2版" in html
