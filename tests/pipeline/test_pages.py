"""申請データ送信 and 送信状況: progress bar, per-row outcome, one polling request per page that
stops when every row is final."""

import re

from portal.models import ApplicationState
from tests.conftest import login
from tests.pipeline.conftest import point_at
from tests.pipeline.office import drain


def _batch_url(resp) -> str:
    assert resp.status_code == 302
    return resp.headers["Location"]


def test_the_send_page_lists_what_can_be_sent(app, office):
    point_at(app)
    shop = office(app)
    ready = shop.ready(2)
    draft = shop.ready(1, state=ApplicationState.DRAFT)
    client = app.test_client()
    login(client, shop.staff)
    page = client.get("/submissions/").get_data(as_text=True)
    for app_id in ready:
        assert f'name="application_id" value="{app_id}"' in page
    assert f'value="{draft[0]}"' not in page
    assert "申請データ送信" in client.get("/dashboard").get_data(as_text=True)  # staff menu


def test_kei_rows_are_marked_on_the_send_and_progress_pages(app, office, sim):
    """継続検査 exists for both back-ends: a kei row says (軽) wherever it is listed."""
    point_at(app, sim)
    shop = office(app)
    kei = shop.ready(1, procedure="kei_keizoku")
    client = app.test_client()
    login(client, shop.staff)
    assert "<td>継続検査(軽)</td>" in client.get("/submissions/").get_data(as_text=True)
    url = _batch_url(client.post("/submissions/send", data={"application_id": kei}))
    progress_url = re.search(r'hx-get="([^"]+)"', client.get(url).get_data(as_text=True)
                             ).group(1).replace("&amp;", "&")
    partial = client.get(progress_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<td>継続検査(軽)</td>" in partial


def test_progress_polls_once_per_page_until_every_row_is_final(app, office, sim):
    point_at(app, sim)
    shop = office(app)
    ok = shop.ready(2)
    refused_on_receipt = shop.ready(1, chassis="ZVW30-1239911")
    not_ready = shop.ready(1, state=ApplicationState.DRAFT)
    client = app.test_client()
    login(client, shop.staff)
    url = _batch_url(client.post("/submissions/send", data={
        "application_id": [str(i) for i in ok + refused_on_receipt + not_ready]}))
    page = client.get(url).get_data(as_text=True)
    assert '<progress max="3" value="0">' in page
    assert page.count('hx-trigger="every 2s"') == 1  # one poller for the whole page
    assert "送信しなかった申請データ(1件)" in page and "「作成中」のため送信できません" in page
    progress_url = re.search(r'hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    partial = client.get(progress_url, headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in partial.get_data(as_text=True)

    drain(app)

    done = client.get(progress_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in done and 'data-finished="true"' in done
    assert '<progress max="3" value="3">' in done
    assert "送信済: 2件" in done and "申請エラー: 1件" in done
    assert "OSS-601" in done and "システムエラー" not in done
    assert len(re.findall(r'<tr id="submission-\d+" class="state-sent"', done)) == 2
    assert re.findall(r'<tr id="submission-\d+" class="state-(\w+)"', done) == [
        "failed", "sent", "sent"]  # problems first


def test_a_bulk_sends_page_is_read_in_order_from_its_index(any_app, office):
    """Refused first, then those in flight, then the sent, each by id: the order the index
    (batch, rank, id) keeps, so a poll reads one page instead of sorting the whole send."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import SendBatch
    from portal.models import Submission
    from portal.models import SubmissionState as St
    from portal.submissions import services

    shop = office(any_app)
    states = [St.SENT, St.PENDING, St.FAILED, St.SENDING, St.SENT, St.UNKNOWN, St.RETRY,
              St.FAILED]
    batch = SendBatch(org_id=shop.org.id, user_id=shop.staff.id, total=len(states))
    db.session.add(batch)
    db.session.flush()
    subs = [Submission(org_id=shop.org.id, application_id=app_id, batch_id=batch.id,
                       idempotency_key=f"order{n:027d}", state=state)
            for n, (app_id, state) in enumerate(zip(shop.ready(len(states)), states))]
    db.session.add_all(subs)
    db.session.commit()
    ids = {id(sub): sub.id for sub in subs}
    rank = {St.FAILED: 0, St.SENT: 2}
    expected = [ids[id(sub)] for sub in sorted(subs, key=lambda s: (rank.get(s.state, 1),
                                                                     ids[id(s)]))]
    pages = [services.batch_rows(batch, page, per_page=3) for page in (1, 2, 3)]
    assert [sub.id for page in pages for sub in page.items] == expected
    assert pages[0].total == len(states)

    subs[0].state = St.FAILED  # the rank follows the state
    db.session.commit()
    first = services.batch_rows(batch, 1, per_page=3).items
    assert [sub.id for sub in first][:3] == sorted([subs[0].id, subs[2].id, subs[7].id])

    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        stmt = (sa.select(Submission.id)  # as batch_rows sends it, with the office's scope
                .where(Submission.batch_id == batch.id, Submission.org_id == shop.org.id)
                .order_by(Submission.batch_rank, Submission.id).limit(100))
        plan = "\n".join(db.session.execute(sa.text("EXPLAIN " + str(stmt.compile(
            db.engine, compile_kwargs={"literal_binds": True})))).scalars())
        assert "ix_submission_batch_page" in plan and "Sort" not in plan, plan


def test_nothing_selected_is_refused_politely(app, office):
    point_at(app)
    shop = office(app)
    client = app.test_client()
    login(client, shop.staff)
    resp = client.post("/submissions/send", data={})
    assert resp.status_code == 302
    page = client.get("/submissions/").get_data(as_text=True)
    assert "送信する申請データを選んでください。" in page


def test_another_office_cannot_see_a_batch(app, office, sim):
    point_at(app, sim)
    mine, theirs = office(app), office(app)
    client = app.test_client()
    login(client, theirs.staff)
    url = _batch_url(client.post("/submissions/send",
                                 data={"application_id": str(theirs.ready(1)[0])}))
    other = app.test_client()
    login(other, mine.staff)
    assert other.get(url).status_code == 404
    assert other.get(url + "/progress", headers={"HX-Request": "true"}).status_code == 404


def test_every_ready_application_is_sent_with_one_button(app, office, sim):
    from tests.pipeline.office import submissions

    point_at(app, sim)
    shop, other = office(app), office(app)
    ready = shop.ready(3)
    failed = shop.ready(1, state=ApplicationState.SEND_ERROR)  # shown, but not in "all"
    theirs = other.ready(2)
    client = app.test_client()
    login(client, shop.staff)
    page = client.get("/submissions/").get_data(as_text=True)
    assert 'id="send-all-ready"' in page and "申請準備完了のすべて(3件)を送信" in page
    assert f'value="{failed[0]}"' in page
    url = _batch_url(client.post("/submissions/send", data={"scope": "all_ready"}))
    assert "/submissions/batches/" in url
    assert sorted(s.application_id for s in submissions()) == ready
    assert not set(theirs) & {s.application_id for s in submissions()}


def test_every_ready_application_a_search_finds_is_sent_with_one_button(any_app, office, sim):
    from tests.pipeline.office import submissions

    point_at(any_app, sim)
    shop, other = office(any_app), office(any_app)
    inspections = shop.ready(2, "keizoku")
    shop.ready(2, "iten")
    shop.ready(1, "keizoku", state=ApplicationState.DRAFT)
    theirs = other.ready(2, "keizoku")
    client = any_app.test_client()
    login(client, shop.staff)
    page = client.get("/applications?procedure=keizoku").get_data(as_text=True)
    assert "この条件の申請準備完了をすべて送信(2件)" in page
    assert 'data-select-all="application_id"' in page and "js/select-all.js" in page
    assert '<input type="hidden" name="procedure" value="keizoku">' in page
    shown = {"scope": "search", "procedure": "keizoku", "shown": "2",
             "top": re.search(r'name="top" value="(\d+)"', page)[1]}
    later = shop.ready(1, "keizoku")  # made ready after the page was shown
    refused = client.post("/submissions/send", data={**shown, "shown": "3"})
    assert refused.status_code == 302 and "procedure=keizoku" in refused.headers["Location"]
    assert "(表示: 3件、現在: 2件)" in client.get(refused.headers["Location"]).get_data(
        as_text=True)
    url = _batch_url(client.post("/submissions/send", data=shown))
    assert "/submissions/batches/" in url
    assert sorted(s.application_id for s in submissions()) == inspections  # not the later one
    assert not set(theirs) & {s.application_id for s in submissions()}
    page = client.get("/applications?procedure=keizoku").get_data(as_text=True)
    assert "この条件の申請準備完了をすべて送信(1件)" in page  # the later one is left
    resp = client.post("/submissions/send", data=shown)  # the same page posted again
    assert resp.status_code == 302 and len(submissions()) == 2
    assert "この条件に当てはまる申請準備完了の申請はありません。" in client.get(
        resp.headers["Location"]).get_data(as_text=True)
    assert later
    send_page = client.get("/submissions/").get_data(as_text=True)
    assert 'href="/applications?state=ready" id="send-by-search"' in send_page
    assert "この条件の申請準備完了をすべて送信(3件)" in client.get(
        "/applications?state=ready").get_data(as_text=True)  # two 移転登録, the later one


def test_a_send_no_worker_picks_up_says_so(app, office):
    """Written but never taken by a worker: after a minute the progress says so."""
    from datetime import timedelta

    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import SendBatch
    from portal.submissions.services import create_send_batch

    shop = office(app)
    batch = create_send_batch(shop.staff, shop.ready(2))
    db.session.commit()  # written, never enqueued: as if no worker ran
    client = app.test_client()
    login(client, shop.staff)
    url = f"/submissions/batches/{batch.id}/progress"
    assert 'id="not-started"' not in client.get(url).get_data(as_text=True)
    db.session.execute(sa.update(SendBatch).values(
        created_at=batch.created_at - timedelta(minutes=5)))
    db.session.commit()
    part = client.get(url).get_data(as_text=True)
    assert 'id="not-started"' in part and "作業プロセス(ワーカー)が止まっている可能性" in part


def _two_sent_and_tried(app, shop):
    """The shop's staff send two ready applications; the workers make their first try."""
    client = app.test_client()
    login(client, shop.staff)
    url = _batch_url(client.post("/submissions/send",
                                 data={"application_id": [str(i) for i in shop.ready(2)]}))
    drain(app)
    return client, url


def test_waiting_rows_show_their_next_try_and_go_now_on_request(app, office, sim):
    """OSS was unreachable: the rows wait for their backoff (shown); once OSS is back the
    user need not wait — 「今すぐ処理する」 sends them, each once."""
    from portal.models import SubmissionState
    from tests.pipeline.office import submissions

    point_at(app, None, OSS_MLIT_URL="http://127.0.0.1:9/mlit",
             SUBMIT_RETRY_DELAYS=(1800,))
    client, url = _two_sent_and_tried(app, office(app))
    assert {s.state for s in submissions()} == {SubmissionState.RETRY}
    part = client.get(url + "/progress").get_data(as_text=True)
    assert "確認中・再試行待ちの2件を今すぐ処理する" in part and "次回の自動処理: " in part
    batch_id = int(url.rstrip("/").rsplit("/", 1)[1])
    attempts = {s.id: s.attempts for s in submissions()}
    resp = client.post(f"/submissions/batches/{batch_id}/retry-now", follow_redirects=True)
    assert "OSSにまだ接続できません(接続できません" in resp.get_data(as_text=True)
    assert {s.id: s.attempts for s in submissions()} == attempts  # nothing used up
    point_at(app, sim)  # OSS is back
    resp = client.post(f"/submissions/batches/{batch_id}/retry-now")
    assert resp.status_code == 302
    drain(app)
    assert {s.state for s in submissions()} == {SubmissionState.SENT}
    from tests.pipeline.test_recovery import _submit_log

    assert sorted(_submit_log(sim.url).values()) == [1, 1]  # each key filed once
    assert "今すぐ処理する" not in client.get(url + "/progress").get_data(as_text=True)


def test_go_now_on_an_unknown_outcome_looks_it_up_and_never_files_twice(app, office, sim):
    """OSS took the batch but the answer was lost (確認中): 「今すぐ処理する」 asks OSS by the
    key at once instead of after the backoff, finds the filing and sends nothing again."""
    from portal.models import SubmissionState
    from tests.pipeline.office import submissions
    from tests.pipeline.test_outcomes import _log
    from tests.pipeline.test_outcomes import _stats

    point_at(app, sim, OSS_TIMEOUT=0.5, RECONCILE_DELAYS=(1800,))
    sim.faults(timeout_rate=1.0, hang_seconds=1.0, ops=["submit"])  # filed, answer lost
    client, url = _two_sent_and_tried(app, office(app))
    keys = [s.idempotency_key for s in submissions()]
    assert {s.state for s in submissions()} == {SubmissionState.UNKNOWN}
    assert [len(_log(sim, key, 1)) for key in keys] == [1, 1]
    assert _stats(sim)["applications"] == 2  # OSS has both already
    part = client.get(url + "/progress").get_data(as_text=True)
    assert "確認中・再試行待ちの2件を今すぐ処理する" in part and "次回の自動処理: " in part
    sim.faults()  # OSS answers again
    batch_id = int(url.rstrip("/").rsplit("/", 1)[1])
    resp = client.post(f"/submissions/batches/{batch_id}/retry-now", follow_redirects=True)
    assert "確認中・再試行待ちの2件を今すぐ処理します。" in resp.get_data(as_text=True)
    drain(app)
    subs = submissions()
    assert {s.state for s in subs} == {SubmissionState.SENT}
    assert all(s.arrival_number for s in subs)
    assert [len(_log(sim, key)) for key in keys] == [1, 1]  # looked up, not sent again
    assert _stats(sim)["applications"] == 2 and _stats(sim)["duplicate_applications"] == 0
    assert "今すぐ処理する" not in client.get(url + "/progress").get_data(as_text=True)
