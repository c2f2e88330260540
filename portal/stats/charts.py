"""Chart geometry for server-rendered SVG (no script, no style attributes: the CSP forbids both).

A chart is a list of bars with their coordinates and texts; the template
``stats/_chart.html`` draws them with SVG presentation attributes and CSS
classes from the site's stylesheet.
"""

from dataclasses import dataclass

LABEL_WIDTH = 190   # room for the category names left of horizontal bars
PLOT_WIDTH = 420
VALUE_WIDTH = 90
ROW_HEIGHT = 26
BAR_HEIGHT = 16
COLUMN_AREA = 220   # height of the plot of a column chart
COLUMN_WIDTH = 46


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    x: float
    y: float
    width: float
    height: float
    series: int = 0  # 0 or 1: the CSS class of the bar (two series side by side)


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    kind: str  # "rows" (horizontal bars) | "columns" (vertical, labels under)
    width: int
    height: int
    bars: list[Bar]
    legend: tuple[str, ...] = ()

    @property
    def label_x(self) -> int:
        return LABEL_WIDTH - 8

    @property
    def axis_y(self) -> int:
        return COLUMN_AREA + 10


def _scale(value: float, top: float, span: float) -> float:
    return round(span * value / top, 1) if top > 0 else 0.0


def horizontal(chart_id: str, title: str, rows: list[tuple[str, float]], unit: str = "件",
               fmt: str = "{:,.0f}") -> Chart:
    """One bar per (label, value), longest = full plot width."""
    top = max((v for _, v in rows), default=0)
    bars = [Bar(label, fmt.format(value) + unit, LABEL_WIDTH, i * ROW_HEIGHT + 5,
                _scale(value, top, PLOT_WIDTH), BAR_HEIGHT)
            for i, (label, value) in enumerate(rows)]
    return Chart(chart_id, title, "rows", LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
                 max(1, len(rows)) * ROW_HEIGHT + 10, bars)


def duration_text(hours: float) -> str:
    """A lead time as people say it: 「45分」 under an hour, else 「3.5時間」."""
    minutes = round(hours * 60)
    if minutes < 60:
        return f"{minutes}分"
    return f"{hours:,.1f}時間"


def paired(chart_id: str, title: str, rows: list[tuple[str, float, float]],
           legend: tuple[str, str], text=duration_text) -> Chart:
    """Two bars per label (e.g. median and p90), on one scale; ``text`` labels a value."""
    top = max((max(a, b) for _, a, b in rows), default=0)
    half = BAR_HEIGHT / 2 + 2
    bars = []
    for i, (label, first, second) in enumerate(rows):
        y = i * (ROW_HEIGHT + 10) + 4
        for series, value in ((0, first), (1, second)):
            bars.append(Bar(label if series == 0 else "", text(value), LABEL_WIDTH,
                            y + series * half, _scale(value, top, PLOT_WIDTH), half - 2, series))
    return Chart(chart_id, title, "rows", LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
                 max(1, len(rows)) * (ROW_HEIGHT + 10) + 10, bars, legend)


def columns(chart_id: str, title: str, rows: list[tuple[str, float]], unit: str = "件") -> Chart:
    """One column per (label, value), e.g. months left to right."""
    top = max((v for _, v in rows), default=0)
    bars = []
    for i, (label, value) in enumerate(rows):
        height = _scale(value, top, COLUMN_AREA - 20)
        bars.append(Bar(label, f"{value:,.0f}{unit}", 10 + i * (COLUMN_WIDTH + 8),
                        COLUMN_AREA - height + 10, COLUMN_WIDTH, height))
    return Chart(chart_id, title, "columns", max(300, 20 + len(rows) * (COLUMN_WIDTH + 8)),
                 COLUMN_AREA + 40, bars)
