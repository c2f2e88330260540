"""The whole flow in Chromium: log in, create, send, watch 受付審査中 arrive live, register and
send a 受付番号リスト, see 手続完了 — against the simulator (fast mode) on loopback, with the
embedded worker sending, polling and sending the list."""

import re

import pytest
from flask import current_app
from playwright.sync_api import expect

from forms import specs
from oss.simulator.config import SimConfig
from oss.xsd import SCHEMA_DIR
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.conftest import LiveServer
from tests.conftest import make_app
from tests.oss.conftest import LiveSimulator
from tests.oss_flow import Flow
from tests.samples import form_data
from tests.samples import poa_xml

pytestmark = pytest.mark.browser

ITEN = specs.get("iten")


@pytest.fixture(params=["sqlite", "postgres"])
def served_db(request):
    """The database under test: the embedded default, or PostgreSQL with a real Redis."""
    if request.param == "sqlite":
        request.getfixturevalue("app")
        return {"SQLALCHEMY_DATABASE_URI": request.getfixturevalue("sqlite_url"),
                "SQLITE_BEGIN": "IMMEDIATE"}  # web threads and the worker write concurrently
    request.getfixturevalue("pg_app")
    return {"SQLALCHEMY_DATABASE_URI": request.getfixturevalue("postgres_template_url"),
            "REDIS_URL": request.getfixturevalue("redis_server").url}


@pytest.fixture
def running(served_db, tenants, tmp_path, flow_authorities):
    """Simulator (0.4 s per step, まとめ納付 automatic) and the portal served by its own app on
    the test's database, with the embedded worker and a quick ticker."""
    sim = LiveSimulator(SimConfig(db_path=tmp_path / "sim.db", mode="fast", step_seconds=0.4,
                                  schema_dir=SCHEMA_DIR, issuer_dir=flow_authorities.directory))
    settings = {"OSS_MLIT_URL": f"{sim.url}/mlit", "OSS_KEI_URL": f"{sim.url}/kei",
                "CERT_ISSUER_DIR": str(flow_authorities.directory)}
    current_app.config.update(settings)
    Flow(sim, flow_authorities).office(tenants["a"])
    served = make_app({**served_db, "PIPELINE_TICK_SECONDS": 1, "STATUS_POLL_SECONDS": 1,
                       **settings})
    server = LiveServer(served).start()
    yield server
    server.stop()
    sim.stop()
    with served.app_context():
        db.engine.dispose()


def fill_form(page, spec) -> None:
    """Type the spec's example data into the generated form (hidden fields are not asked)."""
    for name, value in form_data(spec).items():
        field = page.locator(f'[name="{name}"]')
        if not field.is_visible():
            continue
        kind = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind.startswith("select"):
            field.select_option(value)
        elif kind == "input:checkbox":
            field.check()
        else:
            field.fill(value)


def test_create_send_list_and_complete_in_the_browser(served_db, running, page, tenants):
    base = running.url
    blocked = []
    page.on("console", lambda msg: blocked.append(msg.text)
            if "Content Security Policy" in msg.text else None)

    page.goto(f"{base}/login")
    page.fill("#login_id", tenants["a_staff"].login_id)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r".*/dashboard"))

    # Create a 移転登録 and make it ready.
    page.goto(f"{base}/procedures")
    page.locator('li[data-code="iten"] a', has_text="移転登録").click()
    fill_form(page, ITEN)
    page.set_input_files("#poa__e_poa", files=[{"name": "poa.xml", "mimeType": "application/xml",
                                                 "buffer": poa_xml()}])
    page.get_by_role("button", name="入力チェックして申請準備完了にする").click()
    expect(page.locator("#flash")).to_contain_text("申請準備完了にしました")
    app_id = int(re.search(r"/applications/(\d+)", page.url).group(1))

    # Send it from 申請データ検索.
    page.goto(f"{base}/applications")
    page.check(f'#application-{app_id} input[name="application_id"]')
    page.get_by_role("button", name="選択した申請を送信").click()
    page.wait_for_url(re.compile(r".*/submissions/batches/\d+"))

    # The detail page follows the status without being reloaded.
    page.goto(f"{base}/applications/{app_id}")
    page.evaluate("window.__stayed = true")
    expect(page.locator("#app-oss-status")).to_contain_text("受付審査中", timeout=20_000)
    panel = page.locator(f"#oss-receipt-list-{app_id}")
    expect(panel).to_contain_text("受付番号リストに登録して送信", timeout=10_000)
    assert page.evaluate("window.__stayed === true")

    # Register the 受付番号リスト and send it.
    panel.get_by_role("link", name="受付番号リストを作成").click()
    expect(page.locator(f"#pick-{app_id}")).to_be_checked()
    page.fill("#name", "本日の窓口分")
    page.get_by_role("button", name="選択した申請でリストを作成").first.click()
    expect(page.locator("#flash")).to_contain_text("受付番号リスト")
    page.get_by_role("button", name="OSSへ送信").click()
    status = page.locator(".list-send-status")
    expect(status).to_contain_text("送信済", timeout=20_000)
    expect(page.locator("#identification-number")).to_have_text(re.compile(r"^\d{8}$"))
    expect(page.locator("#bulk-user-id")).not_to_be_empty()

    # Back on the detail page: it completes while we watch.
    page.goto(f"{base}/applications/{app_id}")
    page.evaluate("window.__stayed = true")
    expect(page.locator("#app-oss-status")).to_contain_text("手続完了", timeout=30_000)
    summary = page.locator(f"#application-{app_id}-summary")  # the head card follows too
    expect(summary.locator("tr").first).to_contain_text("手続完了", timeout=10_000)
    assert page.evaluate("window.__stayed === true")
    expect(page.locator(f"#oss-receipt-list-{app_id}")).to_contain_text("送信済")
    assert blocked == []
