"""What cannot be sent is refused per row, in Japanese, and nothing is written for it."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ApplicationState
from portal.models import Branch
from portal.models import OssAccount
from portal.models import OssAccountSecret
from portal.models import SendBatch
from portal.models import SigningCertificate
from portal.models import SubmissionKind
from portal.models.base import utcnow
from portal.submissions.services import create_send_batch
from tests.conftest import login
from tests.conftest import make_app
from tests.pipeline.conftest import point_at
from tests.pipeline.office import application
from tests.pipeline.office import submissions


def _token(client, path: str) -> str:
    body = client.get(path).get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', body).group(1)


def _reasons(batch) -> dict[int, str]:
    return {r["application_id"]: r["reason"] for r in batch.refused}


def test_only_ready_applications_without_a_live_submission_are_sent(any_app, office):
    point_at(any_app)
    shop = office(any_app)
    ready = shop.ready(1)
    draft = shop.ready(1, state=ApplicationState.DRAFT)
    batch = create_send_batch(shop.staff, ready + draft + [999999])
    db.session.commit()
    assert batch.total == 1
    reasons = _reasons(batch)
    assert "「作成中」のため送信できません" in reasons[draft[0]]
    assert "見つからない" in reasons[999999]
    again = create_send_batch(shop.staff, ready)
    db.session.commit()
    assert again.total == 0
    assert "「送信中」のため送信できません" in _reasons(again)[ready[0]]
    assert len(submissions()) == 1
    assert application(draft[0]).state == ApplicationState.DRAFT


def test_a_blocked_certificate_is_explained_per_row(any_app, office):
    point_at(any_app)
    shop = office(any_app)
    ids = shop.ready(2)
    cert = db.session.scalar(sa.select(SigningCertificate))
    cert.start_date = (utcnow() + timedelta(days=30)).date()
    db.session.commit()
    batch = create_send_batch(shop.staff, ids)
    db.session.commit()
    assert batch.total == 0 and submissions() == []
    for reason in _reasons(batch).values():
        assert "使える代理人証明書がありません" in reason
        assert "電子証明書" in reason  # what to do
        assert "システムエラー" not in reason
    assert {application(i).state for i in ids} == {ApplicationState.READY}


def test_accounts_secret_and_kei_manager_name_are_required(any_app, office):
    point_at(any_app)
    shop = office(any_app)
    kei = shop.ready(1, "kei_keizoku")
    mlit = shop.ready(1)
    db.session.execute(sa.update(Branch).values(kei_manager_name=""))
    db.session.commit()
    reasons = _reasons(create_send_batch(shop.staff, kei + mlit))
    assert "軽証明書等管理業者名" in reasons[kei[0]]
    assert mlit[0] not in reasons
    db.session.rollback()

    db.session.execute(sa.delete(OssAccountSecret))
    db.session.commit()
    reasons = _reasons(create_send_batch(shop.staff, mlit))
    assert "到達番号パスワードが未設定" in reasons[mlit[0]]
    db.session.rollback()

    db.session.execute(sa.delete(OssAccount))
    db.session.commit()
    reasons = _reasons(create_send_batch(shop.staff, mlit))
    assert "一括利用者アカウントが登録されていません" in reasons[mlit[0]]


def test_only_rejected_applications_can_be_resubmitted(any_app, office):
    point_at(any_app)
    shop = office(any_app)
    ready = shop.ready(1)
    batch = create_send_batch(shop.staff, ready, kind=SubmissionKind.RESUBMIT)
    assert "「申請準備完了」のため再申請できません" in _reasons(batch)[ready[0]]
    assert "「却下」" in _reasons(batch)[ready[0]]


def test_other_offices_applications_are_not_found(app, office):
    """Nothing is sent and nothing is written: no send batch for ids that are not ours."""
    point_at(app)
    mine, theirs = office(app), office(app)
    ids = theirs.ready(1)
    client = app.test_client()
    login(client, mine.staff)
    resp = client.post("/submissions/send", data={"application_id": [str(ids[0]), "999999"]})
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "申請データが見つからないか" in page and theirs.org.name not in page
    assert db.session.scalar(sa.select(sa.func.count(SendBatch.id))) == 0
    assert submissions() == [] and application(ids[0]).state == ApplicationState.READY


@pytest.mark.parametrize("role", ["admin", "requester"])
def test_admins_and_requesters_cannot_send(app, office, tenants, role):
    point_at(app)
    shop = office(app)
    ids = shop.ready(1)
    client = app.test_client()
    login(client, shop.admin if role == "admin" else tenants["r_staff"])
    assert client.post("/submissions/send", data={"application_id": str(ids[0])}
                       ).status_code == 403
    assert submissions() == []


def test_sending_needs_the_csrf_token(sqlite_url, office):
    csrf_app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "WTF_CSRF_ENABLED": True})
    with csrf_app.app_context():
        point_at(csrf_app)
        shop = office(csrf_app)
        ids = shop.ready(1)
        client = csrf_app.test_client()
        token = _token(client, "/login")
        client.post("/login", data={"login_id": shop.staff.login_id,
                                    "password": "Test-pass-123", "csrf_token": token})
        refused = client.post("/submissions/send", data={"application_id": str(ids[0])})
        assert refused.status_code == 400
        token = _token(client, "/submissions/")
        sent = client.post("/submissions/send", data={"application_id": str(ids[0]),
                                                      "csrf_token": token})
        assert sent.status_code == 302
        assert len(submissions()) == 1
        db.session.remove()


@pytest.mark.parametrize("second", ["pending", "sent", "failed"])
def test_the_database_refuses_a_second_live_submission_of_an_application(any_app, office,
                                                                         second):
    """ASVS 2.3.3: beside the compare-and-set on the application, a partial unique index
    keeps one live first submission per application; a failed one does not count, and a
    再申請 is its own kind."""
    from portal.models import Submission
    from portal.models import SubmissionState

    point_at(any_app)
    shop = office(any_app)
    app_id = shop.ready(1)[0]
    create_send_batch(shop.staff, [app_id])
    db.session.commit()
    twin = Submission(org_id=shop.org.id, application_id=app_id, kind=SubmissionKind.SUBMIT,
                      idempotency_key="twin-" + second, state=SubmissionState(second))
    db.session.add(twin)
    if second == "failed":
        db.session.commit()  # a failed attempt is history, not a live filing
    else:
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
    db.session.add(Submission(org_id=shop.org.id, application_id=app_id,
                              kind=SubmissionKind.RESUBMIT, idempotency_key="re-" + second))
    db.session.commit()
