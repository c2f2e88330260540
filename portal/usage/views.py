"""/usage: the public 利用件数グラフ, and the same for an admin's own organisation."""

from flask import render_template
from flask import request
from flask_login import current_user

from portal import clock
from portal.access import PUBLIC
from portal.access import policy
from portal.billing import months
from portal.usage import bp
from portal.usage.chart import Series
from portal.usage.chart import stacked_bars
from portal.usage.counts import monthly_counts

MONTHS_SHOWN = 12


def _page(org_id: int | None) -> dict:
    current = months.month_of(clock.now())
    requested = request.args.get("end", "")
    end = requested if months.parse(requested) and requested <= current else current
    shown = months.window(end, MONTHS_SHOWN)
    counts = monthly_counts(shown, org_id)
    labels = [f"{int(m[5:])}月" if m[5:] != "01" and i else f"{m[:4]}年{int(m[5:])}月"
              for i, m in enumerate(shown)]
    chart = stacked_bars(labels, [Series("mlit", "登録車", [c.mlit for c in counts]),
                                  Series("kei", "軽自動車", [c.kei for c in counts])],
                         names=[months.label(m) for m in shown])
    return {"counts": counts, "chart": chart, "end": end, "current": current,
            "previous": months.shift(end, -MONTHS_SHOWN),
            "next": months.shift(end, MONTHS_SHOWN) if end < current else None}


@bp.get("")
@policy(PUBLIC)
def index():
    return render_template("usage/index.html", scope="all", **_page(None))


@bp.get("/organization")
@policy("admin", agent_only=True)
def organization():
    return render_template("usage/index.html", scope="org", **_page(current_user.org_id))
