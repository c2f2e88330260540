"""The same flows on the embedded default (SQLite) and on PostgreSQL + Redis; CSRF on."""

import io
import re

import sqlalchemy as sa

from forms import specs
from portal.extensions import db
from portal.models import ApplicationState
from portal.models import ImportStatus
from tests.applications.helpers import applications
from tests.conftest import login
from tests.conftest import make_app
from tests.samples import csv_bytes
from tests.samples import example_payload
from tests.samples import form_data
from tests.samples import import_rows
from tests.samples import poa_xml

ITEN = specs.get("iten")


def test_draft_ready_and_import_on_both_databases(db_app, tenants, request):
    backend = request.node.callspec.params["any_app"]
    expected = {"sqlite": "sqlite", "postgres": "postgresql"}[backend]
    assert db.engine.dialect.name == expected
    assert db.session.get(type(tenants["a"]), tenants["a"].id) is not None
    client = db_app.test_client()
    login(client, tenants["a_staff"])
    data = form_data(ITEN, action="ready")
    data["poa__e_poa"] = (io.BytesIO(poa_xml()), "inin.xml")
    assert client.post("/applications/new?procedure=iten", data=data,
                       content_type="multipart/form-data").status_code == 302
    payloads = [example_payload(ITEN) for _ in range(3)]
    payloads[1]["registration"]["cause"] = "judgment"
    resp = client.post("/applications/import?procedure=iten",
                       content_type="multipart/form-data", data={
        "file": (io.BytesIO(csv_bytes(import_rows(ITEN, payloads), "cp932")), "x.csv"),
        "valid_only": "1"})
    assert resp.status_code == 302
    apps = applications()
    assert [a.state for a in apps] == [ApplicationState.READY] + [ApplicationState.DRAFT] * 2
    assert all(a.payload["owner"]["name"] == "山田　太郎" for a in apps)
    from portal.models import ImportBatch

    batch = db.session.scalars(sa.select(ImportBatch)).one()
    assert batch.status == ImportStatus.IMPORTED and batch.first_application_id == apps[1].id
    assert batch.errors[0][:2] == [3, "登録原因:登録原因"]


def test_csrf_is_required_for_every_changing_route(app, sqlite_url, tenants):
    csrf_app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "WTF_CSRF_ENABLED": True})
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token.group(1) if token else re.search(r'value="([^"]+)"', page).group(1)
    client.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                "password": "Test-pass-123", "csrf_token": token})
    for path in ("/applications/new?procedure=iten",
                 "/applications/check?procedure=iten&field=owner__name",
                 "/applications/import?procedure=iten"):
        assert client.post(path, data={}).status_code == 400, path
    html = client.get("/applications/new?procedure=iten").get_data(as_text=True)
    header = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    resp = client.post("/applications/check?procedure=iten&field=owner__name",
                       data={"owner__name": "山田"},
                       headers={"X-CSRFToken": header, "HX-Request": "true"})
    assert resp.status_code == 200 and 'id="owner__name-error"' in resp.get_data(as_text=True)
    assert applications() == []
    with csrf_app.app_context():
        db.engine.dispose()
