"""申請データ統計検索: figures against hand-computed expectations, charts, CSV, who may see it."""

import csv
import io
import re
from datetime import datetime
from datetime import timedelta

import pytest

from portal.models import ApplicationState as S
from portal.stats import charts
from portal.stats import figures
from tests.applications.filed import filed
from tests.applications.helpers import body
from tests.conftest import login


def at(day: str, hours: float = 0) -> datetime:
    return datetime.fromisoformat(day) + timedelta(hours=hours)


@pytest.fixture
def db_app(app, any_app):
    return any_app


@pytest.fixture
def world(db_app, tenants, make_user):
    """Six sent applications of agent a (one a request of r), a draft, and one of agent b."""
    s1, s2 = tenants["a_staff"], make_user(tenants["a"], display_name="佐藤担当")
    sent = [
        (s1, "iten", S.COMPLETED, "手続完了", at("2026-01-10"), 2, 50, None),
        (s1, "iten", S.COMPLETED, "手続完了", at("2026-01-20"), 4, 30, None),
        (s2, "henko", S.UNDER_REVIEW, "審査中", at("2026-01-31T16:00"), 1, None, None),  # 2/1 JST
        (s2, "keizoku", S.COMPLETED, "手続完了", at("2026-02-15"), 3, 10, None),
        (tenants["r_staff"], "iten", S.REJECTED, "却下", at("2026-02-20"), 6, None, tenants["a"]),
        (s1, "iten", S.SENDING, "", at("2026-03-01"), None, None, None),
    ]
    for user, code, state, oss, sent_at, accept, complete, agent in sent:
        filed(user, code, state, agent=agent, oss_status=oss, submitted_at=sent_at,
              accepted_at=sent_at + timedelta(hours=accept) if accept else None,
              completed_at=sent_at + timedelta(hours=complete) if complete else None)
    filed(s1, "henko", S.DRAFT)
    filed(tenants["b_staff"], "iten", S.COMPLETED, oss_status="手続完了",
          submitted_at=at("2026-01-15"), accepted_at=at("2026-01-15", 1))
    return {"s1": s1, "s2": s2}


def counts(html: str, section: str) -> list[tuple[str, int]]:
    table = re.search(rf'<table class="list counts" id="counts-{section}">.*?</table>', html,
                      re.S).group(0)
    return [(label, int(n.replace(",", ""))) for label, n in
            re.findall(r'<tr><td>([^<]*)</td><td class="num">([\d,]+)</td></tr>', table)]


def leads(html: str) -> list[tuple]:
    table = re.search(r'<table class="list" id="lead-times">.*?</table>', html, re.S).group(0)
    return [(g, k, int(n), float(m), float(p)) for g, k, n, m, p in re.findall(
        r'<tr><td>([^<]+)</td><td>([^<]+)</td><td class="num">(\d+)</td>'
        r'<td class="num">([\d.]+)</td><td class="num">([\d.]+)</td></tr>', table)]


@pytest.fixture
def admin(db_app, tenants):
    client = db_app.test_client()
    login(client, tenants["a_admin"])
    return client


def test_counts_by_procedure_state_month_staff_and_requester(admin, world, tenants):
    html = body(admin.get("/admin/stats"))
    assert "送信した申請: <strong>6件</strong>" in html
    assert counts(html, "procedure") == [("移転登録", 4), ("変更登録", 1), ("継続検査", 1)]
    assert counts(html, "state") == [("送信中", 1), ("審査中", 1), ("手続完了", 3), ("却下", 1)]
    assert counts(html, "oss-status") == [("手続完了", 3), ("(なし)", 1), ("却下", 1),
                                          ("審査中", 1)]
    # Months in Japan time: 2026-01-31 16:00 UTC is 2026-02-01 01:00 JST.
    assert counts(html, "month") == [("2026-01", 2), ("2026-02", 3), ("2026-03", 1)]
    assert counts(html, "staff") == [(world["s1"].display_name, 3), ("佐藤担当", 2),
                                     ("依頼人側の利用者", 1)]
    assert counts(html, "requester") == [("(自社の申請)", 5), ("丙モータース", 1)]


def test_lead_times_median_and_p90(admin, world):
    # 送信→受付 hours: 2, 4, 1, 3, 6 → sorted 1 2 3 4 6: median 3, p90 (nearest rank 5) 6.
    # 送信→完了 hours: 50, 30, 10 → median 30, p90 (rank 3) 50.
    # 移転登録: accept 2, 4, 6 → 4 / 6; complete 50, 30 → median 40, p90 (rank 2) 50.
    assert leads(body(admin.get("/admin/stats"))) == [
        ("全体", "送信→受付", 5, 3.0, 6.0), ("全体", "送信→完了", 3, 30.0, 50.0),
        ("移転登録", "送信→受付", 3, 4.0, 6.0), ("移転登録", "送信→完了", 2, 40.0, 50.0),
        ("変更登録", "送信→受付", 1, 1.0, 1.0),
        ("継続検査", "送信→受付", 1, 3.0, 3.0), ("継続検査", "送信→完了", 1, 10.0, 10.0),
    ]


@pytest.mark.parametrize("query,total,months", [
    ("?date_from=2026-02-01", 4, [("2026-02", 3), ("2026-03", 1)]),
    ("?date_to=2026-01-31", 2, [("2026-01", 2)]),
    ("?date_from=2026-02-01&date_to=2026-02-28&procedure=iten", 1, [("2026-02", 1)]),
    ("?backend=kei", 0, None),
])
def test_period_and_filters(admin, world, query, total, months):
    html = body(admin.get("/admin/stats" + query))
    assert f"送信した申請: <strong>{total}件</strong>" in html
    if months is not None:
        assert counts(html, "month") == months


def test_charts_are_inline_svg_without_style_or_script(admin, world):
    html = body(admin.get("/admin/stats"))
    assert "style=" not in html and "<script>" not in html
    svg = re.search(r'<svg class="chart chart-rows"[^>]*id="chart-procedure">.*?</svg>', html,
                    re.S).group(0)
    widths = [float(w) for w in re.findall(r'<rect class="bar bar-0" x="[\d.]+" y="[\d.]+" '
                                           r'width="([\d.]+)"', svg)]
    assert widths == [420.0, 105.0, 105.0]  # 4 : 1 : 1 on a 420-wide plot
    assert '<title id="chart-month-title">送信月別の件数</title>' in html
    assert 'id="chart-lead"' in html and 'class="bar bar-1"' in html

    lead = re.search(r'<svg[^>]*id="chart-lead">.*?</svg>', html, re.S).group(0)
    assert ">3.0時間<" in lead and ">6.0時間<" in lead  # 送信→受付: median and p90


def test_lead_times_under_an_hour_read_in_minutes():
    assert [charts.duration_text(h) for h in (0.25, 0.999, 1.0, 30.04)] == [
        "15分", "1.0時間", "1.0時間", "30.0時間"]


def test_csv_export(admin, world):
    resp = admin.get("/admin/stats.csv?date_from=2026-02-01")
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["区分", "項目", "件数"] and rows[1] == ["合計", "送信した申請", "4"]
    assert ["送信月", "2026-02", "3"] in rows and ["手続", "移転登録", "2"] in rows
    assert ["送信→受付", "全体", "3", "3.00", "6.00"] in rows  # 1, 3, 6 hours


def test_only_admins_and_only_their_organisation(db_app, tenants, world):
    staff = db_app.test_client()
    login(staff, tenants["a_staff"])
    assert staff.get("/admin/stats").status_code == 403
    assert staff.get("/admin/stats.csv").status_code == 403
    other = db_app.test_client()
    login(other, tenants["b_admin"])
    html = body(other.get("/admin/stats"))
    assert "送信した申請: <strong>1件</strong>" in html
    assert leads(html) == [("全体", "送信→受付", 1, 1.0, 1.0),
                           ("移転登録", "送信→受付", 1, 1.0, 1.0)]
    requester = db_app.test_client()
    login(requester, tenants["r_admin"])
    html = body(requester.get("/admin/stats"))
    assert "送信した申請: <strong>1件</strong>" in html
    assert counts(html, "requester") == [("丙モータース", 1)]


def test_nearest_rank_percentile_and_median():
    assert figures.p90([5.0]) == 5.0
    assert figures.p90([float(i) for i in range(1, 11)]) == 9.0    # rank ceil(9.0) = 9
    assert figures.p90([float(i) for i in range(1, 12)]) == 10.0   # rank ceil(9.9) = 10
    assert [figures.p90_rank(n) for n in (1, 9, 10, 11, 19, 20, 70)] == [1, 9, 9, 10, 18, 18, 63]
    assert figures.median([1.0, 2.0, 10.0, 20.0]) == 6.0
    assert figures.median([]) is None and figures.p90([]) is None


def test_lead_hours_are_exact_and_never_count_backwards(admin, tenants):
    """Hours are computed by the database: 90 minutes is 1.5; an end before the start (a
    clock set wrong at OSS) is left out rather than counted as a negative lead time."""
    staff = tenants["a_staff"]
    filed(staff, "iten", S.COMPLETED, oss_status="手続完了", submitted_at=at("2026-01-01"),
          accepted_at=at("2026-01-01", 1.5), completed_at=at("2025-12-31"))
    filed(staff, "iten", S.UNDER_REVIEW, oss_status="審査中", submitted_at=at("2026-01-02"),
          accepted_at=at("2026-01-01"))
    assert leads(body(admin.get("/admin/stats"))) == [
        ("全体", "送信→受付", 1, 1.5, 1.5), ("移転登録", "送信→受付", 1, 1.5, 1.5)]
