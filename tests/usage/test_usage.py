"""利用件数グラフ: monthly completed applications by back-end, as a chart and a table."""

import re

import pytest

from portal.models import Backend
from portal.usage.chart import Series
from portal.usage.chart import nice_step
from portal.usage.chart import stacked_bars
from tests.billing.helpers import bill
from tests.conftest import login
from tests.timekeeping import jst


@pytest.fixture
def usage(tenants, make_application, set_clock):
    a, b = tenants["a"], tenants["b"]
    bill(make_application, a, jst(2026, 4, 30, 23, 59, 59))
    bill(make_application, a, jst(2026, 5, 1, 0, 0), procedure="kei_keizoku", backend=Backend.KEI)
    bill(make_application, b, jst(2026, 5, 20, 12, 0))
    bill(make_application, b, jst(2026, 5, 21, 12, 0), procedure="kei_keizoku",
         backend=Backend.KEI)
    bill(make_application, b, jst(2025, 5, 21, 12, 0))  # outside the 12 months shown
    set_clock(jst(2026, 6, 15, 12, 0))


def _row(body, label):
    match = re.search(rf"<td>{label}</td>((?:<td class=\"num\">[\d,]+</td>){{3}})", body)
    return [int(n.replace(",", "")) for n in re.findall(r">([\d,]+)<", match[1])]


def test_public_page_counts_every_organisation(client, usage):
    body = client.get("/usage").get_data(as_text=True)
    assert "<svg" in body and 'class="bar bar-mlit"' in body and 'class="bar bar-kei"' in body
    assert _row(body, "2026年4月") == [1, 0, 1]
    assert _row(body, "2026年5月") == [1, 2, 3]
    assert _row(body, "2026年6月") == [0, 0, 0]
    assert _row(body, "2025年7月") == [0, 0, 0]
    assert "2025年5月" not in body
    assert "2026年5月 軽自動車 2件" in body  # the bar's tooltip
    assert "style=" not in body and "<script>" not in body


def test_public_counts_are_the_same_for_a_logged_in_user(client, tenants, usage):
    login(client, tenants["a_staff"])
    assert _row(client.get("/usage").get_data(as_text=True), "2026年5月") == [1, 2, 3]


def test_earlier_window(client, usage):
    body = client.get("/usage?end=2025-06").get_data(as_text=True)
    assert _row(body, "2025年5月") == [1, 0, 1]
    assert "次の12か月" in body
    assert "2026年6月" in client.get("/usage?end=2099-01").get_data(as_text=True)


def test_admin_sees_its_own_organisation(client, tenants, usage):
    login(client, tenants["a_admin"])
    body = client.get("/usage/organization").get_data(as_text=True)
    assert "甲行政書士事務所" in body
    assert _row(body, "2026年4月") == [1, 0, 1]
    assert _row(body, "2026年5月") == [0, 1, 1]
    client.post("/logout")
    login(client, tenants["b_admin"])
    assert _row(client.get("/usage/organization").get_data(as_text=True), "2026年5月") == [1, 1, 2]


@pytest.mark.parametrize("who, status", [("a_staff", 403), ("r_admin", 403), ("assoc", 403)])
def test_organisation_page_is_for_agent_admins(client, tenants, who, status):
    login(client, tenants[who])
    assert client.get("/usage/organization").status_code == status


@pytest.mark.parametrize("largest, step", [(0, 1), (3, 1), (7, 2), (23, 5), (480, 100),
                                           (1001, 500)])
def test_nice_steps(largest, step):
    assert nice_step(largest) == step


def test_bars_are_stacked_in_proportion():
    chart = stacked_bars(["1月", "2月"], [Series("mlit", "登録車", [10, 0]),
                                         Series("kei", "軽自動車", [5, 0])])
    mlit, kei = chart.bars
    assert mlit.height == pytest.approx(2 * kei.height, abs=0.02)
    assert kei.y + kei.height == pytest.approx(mlit.y, abs=0.02)  # kei sits on top of mlit
    assert [t.text for t in chart.ticks] == ["0", "5", "10", "15"]
    assert len(chart.labels) == 2
