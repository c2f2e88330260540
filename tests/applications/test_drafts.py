"""Drafts: create, save at any completeness, full check before READY, live checks, reuse."""

import io

import sqlalchemy as sa

from forms import specs
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationEvent
from portal.models import ApplicationState
from tests.applications.helpers import body
from tests.applications.helpers import fresh
from tests.conftest import login
from tests.samples import example_payload
from tests.samples import form_data
from tests.samples import poa_xml

ITEN = specs.get("iten")
NEW = "/applications/new?procedure="
CHECK = "/applications/check?procedure=iten&field="


def only_application() -> Application:
    return fresh().scalars(sa.select(Application)).one()


def set_state(state: ApplicationState) -> None:
    """Put every application in ``state`` (what the pipeline would have done) and commit."""
    fresh().execute(sa.update(Application).values(state=state))
    db.session.commit()


def post_ready(client):
    """A complete 移転登録 with its 電子委任状, sent to be made 申請準備完了."""
    data = form_data(ITEN, action="ready")
    data["poa__e_poa"] = (io.BytesIO(poa_xml()), "inin.xml")
    return client.post(NEW + "iten", data=data, content_type="multipart/form-data")


def saved_draft(client, user) -> Application:
    """A 移転登録 draft saved through the form by ``user``."""
    login(client, user)
    client.post(NEW + "iten", data=form_data(ITEN, action="save"))
    return only_application()


def test_procedure_selector_links_to_every_create_page(client, tenants):
    login(client, tenants["a_staff"])
    html = body(client.get("/procedures"))
    for spec in specs.ALL:
        assert f'href="/applications/new?procedure={spec.code}"' in html
        assert f'href="/applications/import?procedure={spec.code}"' in html
    assert "輸出予定届出" in html
    assert client.get("/applications/new").headers["Location"].endswith("/procedures")
    assert '<a class="skip-link" href="#main">本文へ移動</a>' in html and 'id="main"' in html


def test_every_procedure_has_a_create_page(client, tenants):
    login(client, tenants["a_staff"])
    for spec in specs.ALL:
        resp = client.get(NEW + spec.code)
        assert resp.status_code == 200
        assert spec.name in body(resp)
        assert 'name="vehicle__chassis_no"' in body(resp)


def test_out_of_scope_procedure_page_explains(client, tenants):
    login(client, tenants["a_staff"])
    resp = client.get(NEW + "kaitai_todoke")
    assert "【対象外の手続】「解体等届出」はこのシステム" in body(resp)
    assert client.get(NEW + "nonsense").status_code == 404


def test_empty_draft_is_saved(client, tenants):
    login(client, tenants["a_staff"])
    resp = client.post(NEW + "iten", data={"action": "save"})
    assert resp.status_code == 302
    app = only_application()
    assert app.state == ApplicationState.DRAFT
    assert (app.org_id, app.agent_org_id, app.requester_org_id) == (tenants["a"].id,) * 2 + (None,)
    assert app.backend.value == "mlit"
    assert app.created_by_id == tenants["a_staff"].id


def test_invalid_values_are_kept_in_a_draft(client, tenants):
    login(client, tenants["a_staff"])
    client.post(NEW + "iten", data={"action": "save", "owner__name": "髙橋　一郎",
                                                "vehicle__chassis_no": "zvw30-1"})
    app = only_application()
    assert app.payload["owner"]["name"] == "髙橋　一郎"
    html = body(client.get(f"/applications/{app.id}/edit"))
    assert "髙橋　一郎" in html and "zvw30-1" in html


def test_ready_runs_the_full_check_and_shows_messages(client, tenants):
    login(client, tenants["a_staff"])
    data = form_data(ITEN, action="ready")
    data["registration__cause"] = "inheritance"
    data["owner__name"] = "髙橋　一郎"
    resp = client.post(NEW + "iten", data=data)
    assert resp.status_code == 422
    html = body(resp)
    assert "【移転登録の登録原因】登録原因が「相続」の移転はOSSの対象外" in html
    assert "「高」に置き換えてください" in html
    assert "【電子委任状】電子委任状が添付されていません" in html
    app = only_application()
    assert app.state == ApplicationState.DRAFT
    assert app.payload["registration"]["cause"] == "inheritance"  # nothing typed is lost
    assert f'action="/applications/{app.id}/edit"' in html  # re-posting does not create another


def test_complete_application_becomes_ready(client, tenants):
    login(client, tenants["a_staff"])
    resp = post_ready(client)
    assert resp.status_code == 302, body(resp)[:2000]
    app = only_application()
    assert app.state == ApplicationState.READY
    assert app.registration_no == "品川 300 さ 1234"
    assert app.chassis_no == "ZVW30-1234567"
    kinds = fresh().scalars(sa.select(ApplicationEvent.kind).order_by(ApplicationEvent.id)).all()
    assert kinds == ["created", "ready"]


def test_editing_a_ready_application_returns_it_to_draft(client, tenants):
    login(client, tenants["a_staff"])
    post_ready(client)
    app = only_application()
    client.post(f"/applications/{app.id}/edit", data=form_data(ITEN, action="save"))
    fresh().refresh(app)
    assert app.state == ApplicationState.DRAFT
    assert app.payload["poa"]["e_poa"]  # the attached document is kept


def test_an_application_in_send_error_is_fixed_and_made_ready_again(client, tenants):
    """申請エラー —fix→ 申請準備完了: the data OSS refused is corrected in the portal."""
    login(client, tenants["a_staff"])
    post_ready(client)
    app = only_application()
    set_state(ApplicationState.SEND_ERROR)
    page = body(client.get(f"/applications/{app.id}"))
    assert "申請エラー" in page and f'href="/applications/{app.id}/edit"' in page
    assert client.get(f"/applications/{app.id}/edit").status_code == 200
    client.post(f"/applications/{app.id}/edit", data=form_data(ITEN, action="save"))
    assert only_application().state == ApplicationState.DRAFT  # changed: checked again
    client.post(f"/applications/{app.id}/edit", data=form_data(ITEN, action="ready"))
    assert only_application().state == ApplicationState.READY


def test_a_second_application_for_the_same_vehicle_is_not_made_ready(client, tenants):
    """Same 車台番号 and procedure while the first is ready (or filed): refused at the
    field; another procedure for the vehicle, or after the first is 却下, is not."""
    login(client, tenants["a_staff"])
    post_ready(client)
    first = only_application()
    resp = post_ready(client)
    page = body(resp)
    assert f"同じ車台番号の移転登録が既にあります(No.{first.id}、申請準備完了)" in page
    field = page[page.index('id="vehicle__chassis_no"'):]
    assert "同じ車台番号の移転登録" in field[:2500]  # next to the 車台番号
    apps = fresh().scalars(sa.select(Application).order_by(Application.id)).all()
    assert [a.state for a in apps] == [ApplicationState.READY, ApplicationState.DRAFT]
    db.session.execute(sa.update(Application).where(Application.id == first.id)
                       .values(state=ApplicationState.REJECTED))
    db.session.commit()
    client.post(f"/applications/{apps[1].id}/edit", data=form_data(ITEN, action="ready"))
    assert fresh().get(Application, apps[1].id).state == ApplicationState.READY


def test_a_draft_is_deleted_after_a_confirmation(client, tenants):
    """Never-filed data can be deleted by its owner (confirmation page, works without
    JavaScript): its data is gone and nobody sees it again, its No. is never given to
    another application (SQLite would reuse the largest id), the audit log keeps the act."""
    from portal.models import AuditEvent

    app_id = saved_draft(client, tenants["a_staff"]).id
    page = body(client.get(f"/applications/{app_id}"))
    assert f'href="/applications/{app_id}/delete"' in page
    confirm = body(client.get(f"/applications/{app_id}/delete"))
    assert "削除すると元に戻せません" in confirm
    assert f'action="/applications/{app_id}/delete"' in confirm
    resp = client.post(f"/applications/{app_id}/delete", follow_redirects=True)
    assert f"申請データ(No.{app_id})を削除しました。" in body(resp)
    assert f'id="application-{app_id}"' not in body(client.get("/applications"))
    assert client.get(f"/applications/{app_id}").status_code == 404
    row = fresh().get(Application, app_id)
    assert row.deleted_at is not None and row.payload == {} and row.chassis_no == ""
    assert fresh().scalar(sa.select(AuditEvent.action).where(
        AuditEvent.target == f"application:{app_id}")) == "application_deleted"
    client.post(NEW + "iten", data=form_data(ITEN, action="save"))
    newest = fresh().scalar(sa.select(sa.func.max(Application.id)))
    assert newest > app_id  # a new application gets a new No.


def test_deletion_loses_to_a_send_and_empties_the_history(app, client, tenants):
    """Compare-and-set: a send that took the row between the check and the delete wins;
    what was written in the history (comments) goes with a deletion."""
    from portal.applications import services as svc

    app_ = saved_draft(client, tenants["a_staff"])
    fresh().execute(sa.update(ApplicationEvent).values(comment="社内メモ"))
    db.session.commit()
    row = fresh().get(Application, app_.id)
    assert svc.deletion_refusal(tenants["a_staff"], row) is None
    db.session.execute(sa.update(Application).values(state=ApplicationState.SENDING)
                       .execution_options(synchronize_session=False))  # another request's
    assert svc.delete_application(tenants["a_staff"], row) is False
    db.session.rollback()
    row = fresh().get(Application, app_.id)
    assert svc.delete_application(tenants["a_staff"], row) is True
    db.session.commit()
    comments = fresh().scalars(sa.select(ApplicationEvent.comment).where(
        ApplicationEvent.application_id == app_.id)).all()
    assert "社内メモ" not in comments and fresh().get(Application, app_.id).deleted_at


def test_filed_data_and_other_offices_data_cannot_be_deleted(client, tenants):
    from portal.models import Submission
    from portal.models import SubmissionState

    app = saved_draft(client, tenants["a_staff"])
    set_state(ApplicationState.SEND_ERROR)
    assert f'/applications/{app.id}/delete"' not in body(client.get(f"/applications/{app.id}"))
    resp = client.get(f"/applications/{app.id}/delete", follow_redirects=True)
    assert "「申請エラー」のため、この申請データは削除できません" in body(resp)
    resp = client.post(f"/applications/{app.id}/delete", follow_redirects=True)
    assert "この申請データは削除できません" in body(resp)
    # Fixed back to a draft after a failed send: its submission keeps it.
    set_state(ApplicationState.DRAFT)
    db.session.add(Submission(org_id=app.org_id, application_id=app.id, idempotency_key="k" * 32,
                              state=SubmissionState.FAILED))
    db.session.commit()
    resp = client.post(f"/applications/{app.id}/delete", follow_redirects=True)
    assert "一度送信した申請データは、記録を残すため削除できません。" in body(resp)
    fresh().execute(sa.delete(Submission))
    db.session.commit()
    client.post("/logout")
    login(client, tenants["b_staff"])
    assert client.post(f"/applications/{app.id}/delete").status_code == 404
    assert fresh().get(Application, app.id).deleted_at is None


def test_an_edit_that_is_not_allowed_says_why(client, tenants):
    app = saved_draft(client, tenants["a_staff"])
    set_state(ApplicationState.SENDING)
    resp = client.get(f"/applications/{app.id}/edit", follow_redirects=True)
    assert "状態が「送信中」の申請データは編集できません。" in body(resp)


def test_scanned_poa_is_refused_and_not_stored(client, tenants):
    login(client, tenants["a_staff"])
    data = form_data(ITEN, action="save")
    data["poa__e_poa"] = (io.BytesIO(b"\xff\xd8\xff\xe0 scan"), "inin.xml")
    resp = client.post(NEW + "iten", data=data, content_type="multipart/form-data")
    assert "【電子委任状】添付されたのはJPEG画像です" in body(resp)
    assert "e_poa" not in only_application().payload["poa"]

    data = form_data(ITEN, action="ready")  # the full check says it once, not twice
    data["poa__e_poa"] = (io.BytesIO(b"%PDF-1.7 scan"), "inin.pdf")
    page = body(client.post(f"/applications/{only_application().id}/edit", data=data,
                            content_type="multipart/form-data"))
    assert "添付されたのはPDFファイルです" in page and "電子委任状が添付されていません" not in page
    assert "1件の問題があります" in page


def test_kei_ready_needs_the_branch_manager_name(client, tenants):
    from portal.models import Branch

    db.session.execute(sa.update(Branch).values(kei_manager_name=""))
    db.session.commit()
    login(client, tenants["a_staff"])
    spec = specs.get("kei_keizoku")
    resp = client.post(NEW + "kei_keizoku", data=form_data(spec, action="ready"))
    assert "【軽証明書等管理業者名】" in body(resp)
    fresh().execute(sa.update(Branch).values(kei_manager_name="甲事務所(登録番号12345678)"))
    db.session.commit()
    app = only_application()
    client.post(f"/applications/{app.id}/edit", data=form_data(spec, action="ready"))
    fresh().refresh(app)
    assert app.state == ApplicationState.READY


def test_live_check_returns_the_field_partial(client, tenants):
    login(client, tenants["a_staff"])
    resp = client.post(CHECK + "owner__name", data={"owner__name": "ﾔﾏﾀﾞ"},
                       headers={"HX-Request": "true"})
    html = body(resp)
    assert resp.status_code == 200 and "<html" not in html
    assert html.startswith('<div class="field-errors" id="owner__name-error"')
    assert "全角にすると「ヤマダ」" in html
    assert "<input" not in html  # only the messages are replaced, never what is typed


def test_live_check_sees_other_fields(client, tenants):
    login(client, tenants["a_staff"])
    resp = client.post(CHECK + "owner__chome",
                       data={"owner__address1": "東京都千代田区霞が関二丁目", "owner__chome": ""})
    assert "住所1に丁目が含まれているので" in body(resp)
    resp = client.post(CHECK + "registration__cause",
                       data={"registration__cause": "gift"})
    assert "【移転登録の登録原因】" in body(resp)
    ok = client.post(CHECK + "owner__name", data={"owner__name": "山田　太郎"})
    assert "<p class=\"error\">" not in body(ok)
    assert client.post(CHECK + "nope__x", data={}).status_code == 404


def test_live_check_uses_the_stored_poa(client, tenants):
    login(client, tenants["a_staff"])
    data = form_data(ITEN, action="save")
    data["poa__e_poa"] = (io.BytesIO(poa_xml("千代田区霞が関二丁目")), "inin.xml")
    client.post(NEW + "iten", data=data, content_type="multipart/form-data")
    app = only_application()
    resp = client.post("/applications/check?procedure=iten&field=owner__address1",
                       data={"owner__address1": "千代田区霞が関二丁目", "application_id": app.id})
    assert "都道府県名から" not in body(resp)


def test_reuse_makes_a_new_draft(client, tenants):
    login(client, tenants["a_staff"])
    client.post(NEW + "iten", data=form_data(ITEN, action="save"))
    source = only_application()
    resp = client.post(f"/applications/{source.id}/reuse")
    assert resp.status_code == 302
    new = fresh().scalars(sa.select(Application).where(Application.id != source.id)).one()
    assert new.source_application_id == source.id
    assert new.payload == source.payload and new.state == ApplicationState.DRAFT
    assert f"No.{source.id}" in body(client.get(f"/applications/{new.id}"))


def test_admin_views_read_only_and_never_edits(client, tenants):
    login(client, tenants["a_staff"])
    client.post(NEW + "iten", data=form_data(ITEN, action="save"))
    app = only_application()
    client.post("/logout")
    login(client, tenants["a_admin"])
    assert client.get(f"/applications/{app.id}").status_code == 403  # the staff page
    html = body(client.get(f"/admin/applications/{app.id}"))
    assert "移転登録" in html and "山田　太郎" in html
    assert f"/applications/{app.id}/edit" not in html
    assert "申請データ再利用" not in html
    assert client.get(f"/applications/{app.id}/edit").status_code == 403
    assert client.post(f"/applications/{app.id}/edit", data={"action": "ready"}).status_code == 403
    assert client.post(NEW + "iten", data={}).status_code == 403
    assert client.post(f"/applications/{app.id}/reuse").status_code == 403
    assert client.get("/applications").status_code == 403
    listing = body(client.get("/admin/applications"))
    assert f'href="/admin/applications/{app.id}"' in listing


def test_list_shows_own_applications(client, tenants):
    login(client, tenants["a_staff"])
    client.post(NEW + "iten", data=form_data(ITEN, action="save"))
    html = body(client.get("/applications"))
    assert "品川 300 さ 1234" in html and "移転登録" in html
    assert "品川 300 さ 1234" not in body(client.get("/applications?procedure=henko"))


def test_example_payloads_save_for_all_procedures(client, tenants):
    login(client, tenants["a_staff"])
    for spec in specs.ALL:
        resp = client.post(NEW + spec.code, data=form_data(spec, action="save"))
        assert resp.status_code == 302
    saved = {a.procedure: a.payload for a in fresh().scalars(sa.select(Application))}
    for spec in specs.ALL:
        assert saved[spec.code] == example_payload(spec)


def _token(client, code: str = "iten") -> str:
    html = body(client.get(NEW + code))
    return html.split('name="draft_token" value="', 1)[1].split('"', 1)[0]


def test_posting_the_same_new_form_again_keeps_one_draft(client, tenants):
    """A reload after a refused check posts the form again; so does going back and saving:
    the form's token leads to the draft it already became."""
    login(client, tenants["a_staff"])
    token = _token(client)
    data = {**form_data(ITEN, action="ready"), "draft_token": token}
    data["owner__name"] = "ﾔﾏﾀﾞ"  # refused: the draft is saved and the page shows why
    first = client.post(NEW + "iten", data=data)
    again = client.post(NEW + "iten", data=data)
    assert first.status_code == again.status_code == 422
    app = only_application()
    assert 'name="application_id" value="%d"' % app.id in body(again)
    saved = client.post(NEW + "iten", data={**data, "action": "save", "owner__name": "山田"})
    assert saved.headers["Location"].endswith(f"/applications/{app.id}/edit")
    assert only_application().owner_name == "山田"
    client.post(NEW + "iten", data={**form_data(ITEN, action="save"), "draft_token": _token(client)})
    assert len(fresh().scalars(sa.select(Application)).all()) == 2  # a new blank form: a new draft


def test_a_form_whose_draft_was_deleted_makes_a_new_one(client, tenants):
    login(client, tenants["a_staff"])
    data = {**form_data(ITEN, action="save"), "draft_token": _token(client)}
    client.post(NEW + "iten", data=data)
    first = only_application()
    assert client.post(f"/applications/{first.id}/delete").status_code == 302
    resp = client.post(NEW + "iten", data=data)
    assert resp.status_code == 302 and f"/applications/{first.id}/" not in resp.headers["Location"]
    assert len(fresh().scalars(sa.select(Application)).all()) == 2


def test_a_token_leads_only_to_its_own_users_draft(app, client, tenants):
    login(client, tenants["a_staff"])
    token = _token(client)
    client.post(NEW + "iten", data={**form_data(ITEN, action="save"), "draft_token": token})
    other = app.test_client()
    login(other, tenants["b_staff"])
    other.post(NEW + "iten", data={**form_data(ITEN, action="save"), "draft_token": token})
    owners = fresh().scalars(sa.select(Application.org_id).order_by(Application.id)).all()
    assert owners == [tenants["a"].id, tenants["b"].id]


def test_a_form_whose_draft_moved_on_shows_that_draft(client, tenants):
    login(client, tenants["a_staff"])
    token = _token(client)
    data = {**form_data(ITEN, action="save"), "draft_token": token}
    client.post(NEW + "iten", data=data)
    set_state(ApplicationState.ARRIVED)
    resp = client.post(NEW + "iten", data=data)
    app = only_application()
    assert resp.headers["Location"].endswith(f"/applications/{app.id}")
    assert f"申請データNo.{app.id}として保存済みです" in body(client.get(resp.headers["Location"]))
