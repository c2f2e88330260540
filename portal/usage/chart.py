"""A stacked bar chart laid out on the server, drawn as inline SVG by a template.

The CSP allows no inline script or style attribute, so the chart is plain SVG
elements with presentation attributes and CSS classes.
"""

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


@dataclass(frozen=True)
class Series:
    key: str  # CSS class suffix
    label: str
    values: list[int]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    key: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    bars: list[Bar]
    ticks: list[Label]  # y is the grid line's height
    labels: list[Label]
    series: list[Series]


def nice_step(largest: int, target: int = 5) -> int:
    """A 1-2-5 step giving about ``target`` grid lines up to ``largest``."""
    if largest <= target:
        return 1
    raw = largest / target
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def stacked_bars(categories: list[str], series: list[Series],
                 names: list[str] | None = None) -> Chart:
    """Bars per category, one segment per series (bottom first); ``names`` title the bars."""
    names = names or categories
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    step = nice_step(max(totals, default=0))
    top = max(step, math.ceil(max(totals, default=0) / step) * step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(categories), 1)

    def y_of(value: float) -> float:
        return round(TOP + plot_h - value / top * plot_h, 2)

    bars = []
    for i in range(len(categories)):
        x, base = round(LEFT + slot * i + slot * 0.2, 2), 0
        for s in series:
            value = s.values[i]
            if value:
                bars.append(Bar(x=x, y=y_of(base + value), width=round(slot * 0.6, 2),
                                height=round(value / top * plot_h, 2), key=s.key,
                                title=f"{names[i]} {s.label} {value:,}件"))
            base += value
    ticks = [Label(x=LEFT - 6, y=y_of(v), text=f"{v:,}") for v in range(0, top + 1, step)]
    labels = [Label(x=round(LEFT + slot * (i + 0.5), 2), y=HEIGHT - BOTTOM + 18, text=c)
              for i, c in enumerate(categories)]
    return Chart(width=WIDTH, height=HEIGHT, left=LEFT, right=WIDTH - RIGHT, bars=bars,
                 ticks=ticks, labels=labels, series=series)
