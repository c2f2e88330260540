"""Bulk import through the browser: templates, good/bad/CP932/xlsx files, valid rows, jobs."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forms import specs
from portal.models import ApplicationEvent
from portal.models import ApplicationState
from portal.extensions import db
from portal.models import ImportBatch
from portal.models import ImportStatus
from portal.models import JobRun
from tests.applications.helpers import applications
from tests.applications.helpers import body
from tests.applications.helpers import fresh
from tests.conftest import login
from tests.samples import csv_bytes
from tests.samples import example_payload
from tests.samples import import_rows
from tests.samples import xlsx_bytes

ITEN = specs.get("iten")


def upload(client, data: bytes, *, name: str = "data.csv", code: str = "iten", **options):
    form = {"file": (io.BytesIO(data), name), **{k: "1" for k, v in options.items() if v}}
    return client.post(f"/applications/import?procedure={code}", data=form,
                       content_type="multipart/form-data")


def rows(n_good: int, bad_at: tuple[int, ...] = ()) -> list[dict]:
    out = []
    for i in range(n_good + len(bad_at)):
        payload = example_payload(ITEN)
        payload["vehicle"]["chassis_no"] = f"ZVW30-{1000000 + i}"
        if i in bad_at:
            payload["registration"]["cause"] = "gift"
        out.append(payload)
    return out


def keizoku_rows(count: int, first: int) -> list[dict]:
    """継続検査 rows with 車台番号 ZVW30-<first>, ZVW30-<first + 1> …"""
    keizoku = specs.get("keizoku")
    payloads = []
    for i in range(count):
        payload = example_payload(keizoku)
        payload["vehicle"]["chassis_no"] = f"ZVW30-{first + i}"
        payloads.append(payload)
    return payloads


def batch() -> ImportBatch:
    return fresh().scalars(sa.select(ImportBatch)).one()


def test_templates_download(client, tenants):
    login(client, tenants["a_staff"])
    resp = client.get("/applications/import/template?procedure=iten&format=csv")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == 'attachment; filename="ossdesk_iten.csv"'
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.data.decode("utf-8-sig").startswith("申請区分:登録希望日,車両:自動車登録番号(地名)")
    xlsx = client.get("/applications/import/template?procedure=kei_keizoku&format=xlsx")
    assert xlsx.data.startswith(b"PK\x03\x04")
    assert client.get("/applications/import/template?procedure=iten&format=exe").status_code == 404


def test_good_file_imports_every_row(client, tenants):
    login(client, tenants["a_staff"])
    resp = upload(client, csv_bytes(import_rows(ITEN, rows(3))))
    assert resp.status_code == 302
    html = body(client.get(resp.headers["Location"]))
    assert "取込済" in html and '<td id="imported-count">3</td>' in html
    apps = applications()
    assert [a.state for a in apps] == [ApplicationState.DRAFT] * 3
    assert {a.chassis_no for a in apps} == {"ZVW30-1000000", "ZVW30-1000001", "ZVW30-1000002"}
    assert apps[0].registration_no == "品川 300 さ 1234"
    assert apps[0].org_id == tenants["a"].id and apps[0].branch_id is not None
    events = fresh().scalars(sa.select(ApplicationEvent.kind)).all()
    assert events == ["imported"] * 3
    assert batch().content == b""  # the upload is not kept once imported


def test_failing_file_imports_nothing_and_lists_row_column_message(client, tenants):
    login(client, tenants["a_staff"])
    resp = upload(client, csv_bytes(import_rows(ITEN, rows(2, bad_at=(1,)))))
    html = body(client.get(resp.headers["Location"]))
    assert "エラーあり(取込なし)" in html
    assert "<td>3</td><td>登録原因:登録原因</td><td>【移転登録の登録原因】登録原因が「贈与」" in html
    assert applications() == []
    assert batch().status == ImportStatus.REFUSED


def test_valid_rows_only_when_ticked(client, tenants):
    login(client, tenants["a_staff"])
    resp = upload(client, csv_bytes(import_rows(ITEN, rows(2, bad_at=(0,)))), valid_only=True)
    html = body(client.get(resp.headers["Location"]))
    assert '<td id="imported-count">2</td>' in html and "【移転登録の登録原因】" in html
    assert len(applications()) == 2


def test_valid_rows_afterwards_from_the_result_page(client, tenants):
    login(client, tenants["a_staff"])
    upload(client, csv_bytes(import_rows(ITEN, rows(4, bad_at=(2,)))))
    refused = batch()
    assert "正しい4行だけ取り込む" in body(client.get(f"/applications/imports/{refused.id}"))
    client.post(f"/applications/imports/{refused.id}/valid-rows")
    assert batch().status == ImportStatus.IMPORTED and len(applications()) == 4


def test_valid_rows_afterwards_say_what_they_became(client, tenants):
    login(client, tenants["a_staff"])
    upload(client, csv_bytes(import_rows(ITEN, rows(3, bad_at=(1,)))), mark_ready=True)
    resp = client.post(f"/applications/imports/{batch().id}/valid-rows", follow_redirects=True)
    # 移転登録 waits for its 電子委任状: imported, but not ready to send
    assert "エラーのない3行を取り込みました(送信可能 0行、作成中 3行)。" in body(resp)


@pytest.mark.parametrize("mark_ready,agent,ready,said", [
    (False, None, 0, "エラーのない5行を下書きとして取り込みました。"),
    (True, None, 5, "エラーのない5行を送信可能として取り込みました。"),
    (True, None, 2, "エラーのない5行を取り込みました(送信可能 2行、作成中 3行)。"),
    (False, 7, 5, "エラーのない5行を取り込み、うち5行を代理人に依頼しました。"),
])
def test_the_import_message_counts_as_the_result_page(mark_ready, agent, ready, said):
    from portal.applications.imports import imported_message

    assert imported_message(ImportBatch(imported=5, ready_count=ready, mark_ready=mark_ready,
                                        agent_org_id=agent)) == said


def test_the_result_links_to_exactly_the_imported_applications(client, tenants):
    login(client, tenants["a_staff"])
    upload(client, csv_bytes(import_rows(ITEN, rows(2))))
    first = batch()
    resp = upload(client, csv_bytes(import_rows(ITEN, rows(3))))
    second = max(fresh().scalars(sa.select(ImportBatch)).all(), key=lambda b: b.id)
    assert second.id != first.id
    html = body(client.get(resp.headers["Location"]))
    link = f'href="/applications?import_batch={second.id}"'
    assert link in html and "取り込んだ申請データを見る" in html
    page = body(client.get(f"/applications?import_batch={second.id}"))
    assert '<p id="result-count">3件' in page and f"一括取込(No.{second.id})" in page
    assert f'<input type="hidden" name="import_batch" value="{second.id}">' in page
    assert {a.import_batch_id for a in applications()} == {first.id, second.id}
    stranger = client.application.test_client()
    login(stranger, tenants["b_staff"])  # another office's batch number finds nothing of ours
    found = body(stranger.get(f"/applications?import_batch={second.id}"))
    assert '<p id="result-count">0件' in found


def test_a_refused_file_is_named_at_its_field_and_the_options_stay(client, tenants):
    login(client, tenants["a_staff"])
    resp = upload(client, b"", valid_only=True, mark_ready=True)
    assert resp.status_code == 422
    html = body(resp)
    assert ('<p class="error" id="file-error">ファイルが空です。 '
            "もう一度ファイルを選んでください。</p>") in html
    assert 'name="valid_only" value="1" checked' in html
    assert 'name="mark_ready" value="1" checked' in html
    assert 'name="to_full_width" value="1" checked' not in html


def test_cp932_file(client, tenants):
    login(client, tenants["a_staff"])
    payloads = rows(2)
    payloads[1]["owner"]["name"] = "髙橋　一郎"
    resp = upload(client, csv_bytes(import_rows(ITEN, payloads), "cp932"))
    html = body(client.get(resp.headers["Location"]))
    assert "「髙」(U+9AD9)は「高」に置き換えてください" in html
    payloads[1]["owner"]["name"] = "高橋　一郎"
    upload(client, csv_bytes(import_rows(ITEN, payloads), "cp932"))
    assert {a.owner_name for a in applications()} == {"山田　太郎", "高橋　一郎"}


def test_xlsx_file_named_csv_is_read_as_xlsx(client, tenants):
    login(client, tenants["a_staff"])
    upload(client, xlsx_bytes(import_rows(ITEN, rows(2))), name="looks-like.csv")
    assert len(applications()) == 2


def test_unreadable_file_is_reported(client, tenants):
    login(client, tenants["a_staff"])
    resp = upload(client, b"%PDF-1.7 ...", name="data.xlsx")
    html = body(client.get(resp.headers["Location"]))
    assert "読込不可" in html and "PDFファイルは取り込めません" in html


def test_size_cap_and_missing_file(client, app, tenants):
    app.config["IMPORT_MAX_BYTES"] = 1000
    login(client, tenants["a_staff"])
    resp = upload(client, csv_bytes(import_rows(ITEN, rows(5))))
    assert resp.status_code == 422 and "ファイルが大きすぎます" in body(resp)
    resp = client.post("/applications/import?procedure=iten", data={},
                       content_type="multipart/form-data")
    assert "取り込むファイルを選んでください" in body(resp)
    assert fresh().scalars(sa.select(ImportBatch)).all() == []


def test_requester_import_makes_request_drafts(client, tenants):
    login(client, tenants["r_staff"])
    upload(client, csv_bytes(import_rows(ITEN, rows(2))))
    apps = applications()
    assert [(a.requester_org_id, a.agent_org_id) for a in apps] == [(tenants["r"].id, None)] * 2


def test_a_requester_hands_its_imported_rows_to_an_office(client, tenants):
    """One upload instead of one hand-over per row: the rows that pass every check become
    依頼中 for the chosen (linked) office, which sees them at once."""
    login(client, tenants["r_staff"])
    form = body(client.get("/applications/import?procedure=iten"))
    assert f'<option value="{tenants["a"].id}">{tenants["a"].name}</option>' in form
    assert f'value="{tenants["b"].id}"' not in form  # not linked
    refused = client.post("/applications/import?procedure=iten", data={
        "file": (io.BytesIO(csv_bytes(import_rows(ITEN, rows(1)))), "x.csv"),
        "agent_org_id": str(tenants["b"].id)}, content_type="multipart/form-data")
    assert refused.status_code == 422 and "依頼先の代理人を選び直してください" in body(refused)
    assert fresh().scalar(sa.select(sa.func.count(ImportBatch.id))) == 0
    resp = client.post("/applications/import?procedure=iten", data={
        "file": (io.BytesIO(csv_bytes(import_rows(ITEN, rows(2, bad_at=(2,))))), "x.csv"),
        "valid_only": "1", "agent_org_id": str(tenants["a"].id)},
        content_type="multipart/form-data")
    html = body(client.get(resp.headers["Location"]))
    assert '<td id="handed-count">2</td>' in html
    apps = applications()
    assert [(a.state, a.agent_org_id) for a in apps] == [
        (ApplicationState.REQUESTED, tenants["a"].id)] * 2
    client.post("/logout")
    login(client, tenants["a_staff"])
    assert all(f'id="application-{a.id}"' in body(client.get("/applications")) for a in apps)


def test_rows_are_not_handed_to_an_office_unlinked_since_the_upload(app, tenants):
    from portal.applications import imports
    from portal.models import AgentRequesterLink

    batch = imports.create_batch(tenants["r_staff"], "iten",
                                 csv_bytes(import_rows(ITEN, rows(1))), "x.csv",
                                 valid_only=False, to_full_width=False,
                                 agent_org_id=tenants["a"].id)
    db.session.execute(sa.update(AgentRequesterLink).values(active=False))
    db.session.commit()
    batch = imports.run_batch(batch.id)
    assert "紐付けがなくなったため" in batch.message and batch.agent_org_id is None
    assert [(a.state, a.agent_org_id) for a in applications()] == [(ApplicationState.DRAFT, None)]


def test_large_file_runs_as_a_job_with_progress(client, app, tenants):
    from jobs.imports import import_batch

    app.config["IMPORT_SYNC_MAX_BYTES"] = 100
    login(client, tenants["a_staff"])
    resp = upload(client, csv_bytes(import_rows(ITEN, rows(900, bad_at=(5,)))), valid_only=True)
    pending = batch()
    assert pending.status == ImportStatus.PENDING and pending.job_run_id
    status = body(client.get(f"/applications/imports/{pending.id}/status",
                             headers={"HX-Request": "true"}))
    assert 'hx-trigger="load delay:1s"' in status and "<progress" in status
    assert 'id="not-started"' not in status
    run = fresh().get(JobRun, pending.job_run_id)
    fresh().execute(sa.update(JobRun).where(JobRun.id == run.id).values(
        created_at=run.created_at - timedelta(minutes=2)))  # nobody took it for two minutes
    db.session.commit()
    status = body(client.get(f"/applications/imports/{pending.id}/status",
                             headers={"HX-Request": "true"}))
    assert 'id="not-started"' in status and "2分前から待機中" in status
    result = import_batch(pending.job_run_id, pending.id)  # what the worker runs
    assert result["imported"] == 900
    run = fresh().get(JobRun, pending.job_run_id)
    assert (run.status.value, run.progress) == ("finished", 100)
    done = body(client.get(f"/applications/imports/{pending.id}/status"))
    assert "hx-trigger" not in done and '<td id="imported-count">900</td>' in done
    assert len(applications()) == 900
    assert resp.status_code == 302
    assert import_batch(pending.job_run_id, pending.id)["imported"] == 900  # idempotent
    assert len(applications()) == 900


def test_import_page_lists_columns(client, tenants):
    login(client, tenants["a_staff"])
    html = body(client.get("/applications/import?procedure=shinsha_shinki"))
    assert "申請区分:ハイブリッド申請" in html and "電子委任状" in html
    assert "<td>電子</td>" in html and "<td>electronic</td>" not in html  # examples as labels
    assert client.get("/applications/import").headers["Location"].endswith("/procedures")


def test_job_runs_on_the_embedded_worker(client, app, live_server, tenants):
    import time

    app.config["IMPORT_SYNC_MAX_BYTES"] = 100
    login(client, tenants["a_staff"])
    upload(client, csv_bytes(import_rows(ITEN, rows(50))))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not batch().status.terminal:
        time.sleep(0.2)
    done = batch()
    assert done.status == ImportStatus.IMPORTED and done.imported == 50
    assert fresh().get(JobRun, done.job_run_id).status.value == "finished"
    assert "hx-trigger" not in body(client.get(f"/applications/imports/{done.id}/status"))


def test_every_procedure_can_be_imported(client, tenants):
    login(client, tenants["a_staff"])
    for spec in specs.ALL:
        for fmt in ("csv", "xlsx"):
            data = import_rows(spec, [example_payload(spec)])
            upload(client, csv_bytes(data, "cp932") if fmt == "csv" else xlsx_bytes(data),
                   code=spec.code)
    imported = {}
    for app in applications():
        imported.setdefault(app.procedure, []).append(app.payload)
    assert sorted(imported) == sorted(s.code for s in specs.ALL)
    for spec in specs.ALL:
        assert imported[spec.code] == [example_payload(spec)] * 2


def test_rows_can_be_imported_ready_to_send(client, tenants):
    keizoku = specs.get("keizoku")
    payloads = keizoku_rows(3, 2000000)
    login(client, tenants["a_staff"])
    form = body(client.get("/applications/import?procedure=keizoku"))
    assert 'name="mark_ready"' in form
    resp = upload(client, csv_bytes(import_rows(keizoku, payloads)), code="keizoku",
                  mark_ready=True)
    html = body(client.get(resp.headers["Location"]))
    assert "<td id=\"ready-count\">3</td>" in html and "/submissions/" in html
    assert [a.state for a in applications()] == [ApplicationState.READY] * 3
    events = fresh().scalars(sa.select(ApplicationEvent.to_state)).all()
    assert events == ["ready"] * 3


def test_the_same_vehicle_is_not_filed_twice_by_import(client, tenants):
    """Importing the same file again (ready to send) is refused row by row, as is a row
    repeating an earlier row's 車台番号; the first import's applications are untouched."""
    keizoku = specs.get("keizoku")
    payloads = keizoku_rows(2, 3000000)
    login(client, tenants["a_staff"])
    data = csv_bytes(import_rows(keizoku, payloads))
    upload(client, data, code="keizoku", mark_ready=True)
    first, second = applications()
    resp = upload(client, csv_bytes(import_rows(keizoku, payloads + payloads[:1])),
                  code="keizoku", mark_ready=True)
    html = body(client.get(resp.headers["Location"]))
    assert html.count("同じ車台番号の継続検査が既にあります(No.") == 3
    assert html.count(f"(No.{first.id}、申請準備完了)") == 2
    assert html.count(f"(No.{second.id}、申請準備完了)") == 1
    assert len(applications()) == 2  # nothing imported: the whole file was refused
    fresh_rows = [dict(p, vehicle={**p["vehicle"], "chassis_no": "ZVW30-3999999"})
                  for p in payloads]
    resp = upload(client, csv_bytes(import_rows(keizoku, fresh_rows)), code="keizoku",
                  mark_ready=True)
    html = body(client.get(resp.headers["Location"]))
    assert "2行目と同じ車台番号です。" in html and len(applications()) == 2


def test_rows_waiting_for_an_attachment_stay_drafts(client, tenants):
    login(client, tenants["a_staff"])
    resp = upload(client, csv_bytes(import_rows(ITEN, rows(2))), mark_ready=True)
    html = body(client.get(resp.headers["Location"]))
    assert '<td id="ready-count">0</td>' in html
    assert "2件は電子委任状の添付が必要なため「作成中」のまま取り込みました。" in html
    assert [a.state for a in applications()] == [ApplicationState.DRAFT] * 2


def test_a_requester_cannot_import_ready_to_send(client, tenants):
    keizoku = specs.get("keizoku")
    login(client, tenants["r_staff"])
    assert 'name="mark_ready"' not in body(client.get("/applications/import?procedure=keizoku"))
    upload(client, csv_bytes(import_rows(keizoku, [example_payload(keizoku)])), code="keizoku",
           mark_ready=True)
    assert [a.state for a in applications()] == [ApplicationState.DRAFT]
    assert batch().mark_ready is False


def test_imported_rows_keep_their_order_ids_and_events_on_both_databases(
        any_app, make_org, make_user, monkeypatch):
    """Rows go in chunk by chunk (PostgreSQL: ids drawn from the sequence first, then one
    executemany); each application gets its own row's data and its own history event, and
    later inserts still get fresh ids from the same sequence."""
    from portal.applications import imports
    from portal.applications.services import new_application
    from portal.extensions import db

    keizoku = specs.get("keizoku")
    user = make_user(make_org())
    payloads = []
    for i in range(5):
        payload = example_payload(keizoku)
        payload["vehicle"]["chassis_no"] = f"ZVW30-{3000000 + i}"
        payloads.append(payload)
    batch = imports.create_batch(user, "keizoku", csv_bytes(import_rows(keizoku, payloads)),
                                 "five.csv", valid_only=False, to_full_width=False,
                                 mark_ready=True)
    db.session.commit()
    real_insert = imports._insert
    monkeypatch.setattr(imports, "_insert", lambda *a, **kw: real_insert(*a, **kw, chunk=2))
    done = imports.run_batch(batch.id)
    assert (done.status, done.imported, done.ready_count) == (ImportStatus.IMPORTED, 5, 5)
    apps = applications()
    ids = [a.id for a in apps]
    assert ids == sorted(ids) and done.first_application_id == ids[0]
    assert [a.chassis_no for a in apps] == [f"ZVW30-{3000000 + i}" for i in range(5)]
    assert [a.payload["vehicle"]["chassis_no"] for a in apps] == [a.chassis_no for a in apps]
    assert {a.state for a in apps} == {ApplicationState.READY}
    events = fresh().execute(sa.select(ApplicationEvent.application_id, ApplicationEvent.detail)
                             .order_by(ApplicationEvent.id)).all()
    assert [(app_id, detail["row"]) for app_id, detail in events] == list(
        zip(ids, range(2, 7), strict=True))
    later = new_application(user, keizoku)
    db.session.commit()
    assert later.id > ids[-1]
