"""申請データ統計検索 page and its CSV (admins: their organisation's filings, read-only)."""

import csv
import io

from flask import Response
from flask import render_template
from flask import request

from portal.access import policy
from portal.applications.exports import safe_text
from portal.models.base import utcnow
from portal.stats import bp
from portal.stats import charts
from portal.stats import forms
from portal.stats import services
from portal.templating import jst


@bp.get("/admin/stats")
@policy("admin")
def index():
    form, period = forms.bind(request.args)
    stats = services.compute(period)
    return render_template("stats/index.html", form=form, stats=stats,
                           charts=_charts(stats), query=request.args.to_dict())


@bp.get("/admin/stats.csv")
@policy("admin")
def export():
    _, period = forms.bind(request.args)
    stamp = jst(utcnow(), "%Y%m%d-%H%M")
    return Response(_csv(services.compute(period)), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=stats-{stamp}.csv"})


def _charts(stats: services.Stats) -> list[charts.Chart]:
    overall = [(lead.label, lead.median, lead.p90) for lead in stats.leads
               if lead.group == "全体"]
    per_procedure = [(lead.group, lead.median, lead.p90) for lead in stats.leads
                     if lead.group != "全体" and lead.kind == "complete"]
    return [
        charts.columns("chart-month", "送信月別の件数", stats.by_month),
        charts.horizontal("chart-procedure", "手続別の件数", stats.by_procedure),
        charts.horizontal("chart-state", "状態別の件数", stats.by_state),
        charts.horizontal("chart-staff", "担当者(作成者)別の件数", stats.by_staff),
        charts.horizontal("chart-requester", "依頼人別の件数", stats.by_requester),
        charts.paired("chart-lead", "リードタイム(全体)", overall, ("中央値", "90%")),
        charts.paired("chart-lead-procedure", "送信→完了のリードタイム(手続別)", per_procedure,
                      ("中央値", "90%")),
    ]


def _csv(stats: services.Stats) -> bytes:
    """Counts as 区分/項目/件数 rows, then lead times, UTF-8 with BOM."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["区分", "項目", "件数"])
    writer.writerow(["合計", "送信した申請", stats.total])
    for section, rows in (("手続", stats.by_procedure), ("状態", stats.by_state),
                          ("OSS状況", stats.by_oss_status), ("送信月", stats.by_month),
                          ("担当者", stats.by_staff), ("依頼人", stats.by_requester)):
        writer.writerows([section, safe_text(label), count] for label, count in rows)
    writer.writerow([])
    writer.writerow(["リードタイム", "手続", "件数", "中央値(時間)", "90パーセンタイル(時間)"])
    writer.writerows([lead.label, lead.group, lead.count, f"{lead.median:.2f}", f"{lead.p90:.2f}"]
                     for lead in stats.leads)
    return out.getvalue().encode("utf-8")
