"""依頼データ: requester enters and hands over, agent updates, returns or files; status."""

import io

from forms import specs
from portal.models import ApplicationState
from tests.applications.helpers import applications
from tests.applications.helpers import body
from tests.applications.helpers import fresh
from tests.conftest import login
from tests.samples import form_data
from tests.samples import poa_xml

ITEN = specs.get("iten")


def make_request(client, tenants, *, hand_over: bool = True):
    login(client, tenants["r_staff"])
    data = form_data(ITEN, action="handover" if hand_over else "save",
                     agent_org_id=str(tenants["a"].id))
    resp = client.post("/applications/new?procedure=iten", data=data)
    assert resp.status_code == 302, body(resp)[:1500]
    client.post("/logout")
    (app,) = applications()
    return app


def test_requester_creates_a_request_draft(client, tenants):
    app = make_request(client, tenants, hand_over=False)
    assert app.state == ApplicationState.DRAFT
    assert (app.org_id, app.requester_org_id, app.agent_org_id) == (tenants["r"].id,
                                                                    tenants["r"].id, None)
    assert app.branch_id is None


def test_requester_form_offers_only_linked_agents_and_no_ready_button(client, tenants):
    login(client, tenants["r_staff"])
    html = body(client.get("/applications/new?procedure=iten"))
    assert "甲行政書士事務所" in html and "乙行政書士法人" not in html
    assert 'value="ready"' not in html
    assert "保存して代理人に依頼する" in html


def test_hand_over_to_a_linked_agent(client, tenants):
    app = make_request(client, tenants)
    assert app.state == ApplicationState.REQUESTED
    assert app.agent_org_id == tenants["a"].id


def test_hand_over_to_an_unlinked_agent_is_refused(client, tenants):
    login(client, tenants["r_staff"])
    data = form_data(ITEN, action="handover", agent_org_id=str(tenants["b"].id))
    resp = client.post("/applications/new?procedure=iten", data=data)
    assert resp.status_code == 422
    assert "紐付いている代理人だけ" in body(resp)
    (app,) = applications()
    assert app.state == ApplicationState.DRAFT and app.agent_org_id is None
    html = body(resp)  # the reason stands next to the select, not only in the banner
    assert '<select name="agent_org_id" id="agent_org_id" aria-describedby="agent_org_id-error" ' \
        'aria-invalid="true">' in html
    error = html.split('id="agent_org_id-error"', 1)[1].split("</div>", 1)[0]
    assert "紐付いている代理人だけ" in error


def test_the_only_linked_agent_is_chosen_already(client, tenants):
    login(client, tenants["r_staff"])
    html = body(client.get("/applications/new?procedure=iten"))
    assert f'<option value="{tenants["a"].id}" selected>甲行政書士事務所</option>' in html


def test_requester_cannot_mark_ready(client, tenants):
    login(client, tenants["r_staff"])
    client.post("/applications/new?procedure=iten", data=form_data(ITEN, action="save"))
    (app,) = applications()
    resp = client.post(f"/applications/{app.id}/edit", data=form_data(ITEN, action="ready"))
    assert resp.status_code == 403


def test_agent_sees_incoming_and_updates_the_request(client, tenants):
    app = make_request(client, tenants)
    login(client, tenants["a_staff"])
    html = body(client.get("/applications?tab=incoming"))
    assert f'id="application-{app.id}"' in html and "丙モータース" in html
    assert "依頼データ更新" in body(client.get(f"/applications/{app.id}"))
    data = form_data(ITEN, action="save")
    data["owner__name"] = "山田　花子"
    client.post(f"/applications/{app.id}/edit", data=data)
    (app,) = applications()
    assert app.state == ApplicationState.REQUESTED
    assert app.payload["owner"]["name"] == "山田　花子"
    assert app.branch_id is not None  # the agent's filing branch


def test_agent_marks_a_request_ready(client, tenants):
    app = make_request(client, tenants)
    login(client, tenants["a_staff"])
    data = form_data(ITEN, action="ready")
    data["poa__e_poa"] = (io.BytesIO(poa_xml()), "inin.xml")
    resp = client.post(f"/applications/{app.id}/edit", data=data,
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    (app,) = applications()
    assert app.state == ApplicationState.READY
    client.post("/logout")
    login(client, tenants["r_staff"])
    html = body(client.get(f"/applications/{app.id}"))
    assert "申請準備完了" in html
    assert f"/applications/{app.id}/edit" not in html  # requester follows read-only
    assert client.post(f"/applications/{app.id}/edit", data={}).status_code == 403


def test_agent_returns_a_request_with_a_comment(client, tenants):
    app = make_request(client, tenants)
    login(client, tenants["a_staff"])
    resp = client.post(f"/applications/{app.id}/return", data={"comment": ""},
                       follow_redirects=True)
    assert "差戻しの理由を入力してください" in body(resp)
    client.post(f"/applications/{app.id}/return", data={"comment": "車台番号を確認してください"})
    (app,) = applications()
    assert app.state == ApplicationState.RETURNED
    assert app.return_comment == "車台番号を確認してください"
    assert client.get(f"/applications/{app.id}/edit").status_code == 302  # agent can no longer edit
    client.post("/logout")
    login(client, tenants["r_staff"])
    assert "車台番号を確認してください" in body(client.get(f"/applications/{app.id}/edit"))
    client.post(f"/applications/{app.id}/edit",
                data=form_data(ITEN, action="handover", agent_org_id=str(tenants["a"].id)))
    (app,) = applications()
    assert app.state == ApplicationState.REQUESTED and app.return_comment == ""


def test_requester_cannot_return_and_other_agent_cannot_touch(client, tenants):
    app = make_request(client, tenants)
    login(client, tenants["r_staff"])
    assert client.post(f"/applications/{app.id}/return", data={"comment": "x"}).status_code == 403
    client.post("/logout")
    login(client, tenants["b_staff"])
    assert client.post(f"/applications/{app.id}/return", data={"comment": "x"}).status_code == 404
    assert client.get(f"/applications/{app.id}").status_code == 404


def test_a_request_handed_to_a_second_office_shows_it_nothing_of_the_first(
        app, client, tenants):
    """The requester (linked to both offices) hands the returned request to another office:
    that office sees the requester's steps and its own, not the first office's 差戻し."""
    from portal.extensions import db
    from portal.models import AgentRequesterLink

    db.session.add(AgentRequesterLink(agent_org_id=tenants["b"].id,
                                      requester_org_id=tenants["r"].id))
    db.session.commit()
    request = make_request(client, tenants)
    login(client, tenants["a_staff"])
    client.post(f"/applications/{request.id}/return", data={"comment": "甲の社内事情による差戻し"})
    client.post("/logout")
    login(client, tenants["r_staff"])
    resp = client.post(f"/applications/{request.id}/edit", data=form_data(
        ITEN, action="handover", agent_org_id=str(tenants["b"].id)))
    assert resp.status_code == 302
    client.post("/logout")

    login(client, tenants["b_staff"])
    html = body(client.get(f"/applications/{request.id}"))
    assert "<td>作成</td>" in html and "<td>依頼</td>" in html
    assert "<td>差戻し</td>" not in html and "甲の社内事情" not in html
    client.post(f"/applications/{request.id}/return", data={"comment": "乙からの差戻し"})
    client.post("/logout")
    login(client, tenants["r_staff"])  # the requester sees every step, both offices'
    html = body(client.get(f"/applications/{request.id}"))
    assert "甲の社内事情" in html and "乙からの差戻し" in html
    client.post("/logout")
    login(client, tenants["a_staff"])  # and the first office no longer sees the request
    assert client.get(f"/applications/{request.id}").status_code == 404


def test_requester_list_shows_status(client, tenants):
    app = make_request(client, tenants)
    login(client, tenants["r_staff"])
    html = body(client.get("/applications"))
    assert f'id="application-{app.id}"' in html and "依頼中" in html


def test_history_records_each_step(client, tenants):
    app = make_request(client, tenants)
    login(client, tenants["a_staff"])
    client.post(f"/applications/{app.id}/return", data={"comment": "理由"})
    html = body(client.get(f"/applications/{app.id}"))
    for label in ("作成", "依頼", "差戻し"):
        assert f"<td>{label}</td>" in html
    fresh()


def test_a_requester_deletes_its_request_only_while_it_holds_it(app, client, tenants):
    """Before it is handed over, or once returned, and never with a send on record (the
    office's submission is found although it belongs to the office)."""
    from portal.extensions import db
    from portal.models import Submission
    from portal.models import SubmissionState

    draft = make_request(client, tenants, hand_over=False)
    login(client, tenants["r_staff"])
    assert f'/applications/{draft.id}/delete"' in body(client.get(f"/applications/{draft.id}"))
    client.post(f"/applications/{draft.id}/delete")
    assert fresh().get(type(draft), draft.id).deleted_at is not None
    resp = client.post("/applications/new?procedure=iten", data=form_data(
        ITEN, action="handover", agent_org_id=str(tenants["a"].id)))
    assert resp.status_code == 302
    handed = max(applications(), key=lambda a: a.id)
    login(client, tenants["r_staff"])  # 依頼中: the office holds it
    resp = client.post(f"/applications/{handed.id}/delete", follow_redirects=True)
    assert "「依頼中」のため、この申請データは削除できません" in body(resp)
    client.post("/logout")
    login(client, tenants["a_staff"])  # the office sent it once, then returned it
    db.session.add(Submission(org_id=tenants["a"].id, application_id=handed.id,
                              idempotency_key="r" * 32, state=SubmissionState.FAILED))
    db.session.commit()
    client.post(f"/applications/{handed.id}/return", data={"comment": "直してください"})
    client.post("/logout")
    login(client, tenants["r_staff"])
    resp = client.post(f"/applications/{handed.id}/delete", follow_redirects=True)
    assert "一度送信した申請データは、記録を残すため削除できません。" in body(resp)
    assert fresh().get(type(handed), handed.id).deleted_at is None


def test_a_request_is_handed_over_only_when_it_passes_the_checks(client, tenants):
    """The office should not receive data that cannot be filed (a blank form, a paper
    保適証); the 電子委任状 alone may still be missing: the office can attach it."""
    login(client, tenants["r_staff"])
    agent = str(tenants["a"].id)
    resp = client.post("/applications/new?procedure=iten",
                       data={"action": "handover", "agent_org_id": agent})
    page = body(resp)
    assert resp.status_code == 422 and "直してから代理人に依頼してください" in page
    assert page.count('class="error"') > 5
    keizoku = specs.get("keizoku")
    data = form_data(keizoku, action="handover", agent_org_id=agent,
                     evidence__safety_cert="paper")
    resp = client.post("/applications/new?procedure=keizoku", data=data)
    assert resp.status_code == 422 and "紙の保安基準適合証では" in body(resp)
    assert {a.state for a in applications()} == {ApplicationState.DRAFT}
    assert client.post("/applications/new?procedure=iten", data=form_data(
        ITEN, action="handover", agent_org_id=agent)).status_code == 302  # no 電子委任状 yet
