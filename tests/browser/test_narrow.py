"""In Chromium at a phone's width (390 px): the pages an office opens on the move fit the
screen; wide tables scroll inside their own box, long values wrap, charts shrink."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.models import ApplicationState as S
from tests.applications.filed import filed
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_pages_fit_a_phone_screen(page, live_server, tenants):
    staff = tenants["a_staff"]
    sent = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=2)  # inside the default period
    apps = [filed(staff, state=state, submitted_at=sent, accepted_at=sent + timedelta(hours=3),
                  completed_at=sent + timedelta(hours=30) if state == S.COMPLETED else None,
                  arrival_number=f"2026110210000000{n}")
            for n, state in enumerate((S.COMPLETED, S.RECEPTION_REVIEW, S.REJECTED))]
    problems: list[str] = []  # a missing icon or a blocked asset shows here as an error
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    page.goto(f"{base}/login")
    page.get_by_label("ログインID").fill(tenants["a_admin"].login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(f"{base}/dashboard")
    for path in ("/dashboard", "/admin/stats", "/admin/applications",
                 f"/admin/applications/{apps[0].id}", "/faq"):
        assert page.goto(base + path).ok, path
        if path == "/admin/stats":
            expect(page.locator("svg#chart-lead")).to_be_visible()  # the wide part is there
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
    assert problems == []
    menu = page.locator("nav.main-nav ul").bounding_box()
    assert menu["height"] < 50  # one row of menu, scrolled sideways, not the page's top half
