"""Bar charts for inline SVG drawn on the server: no script, no library, no style="", colours from CSS classes.

The numbers are laid out here as plain geometry (testable without a page) and one macro draws every chart,
templates/_chart.html `svg_chart(chart, id)`: a figure with the title as its caption, the bars, each with its
label and value in a <title>, and a legend when there are several series. Two layouts of the one chart:
`columns` (labels along the bottom: months, funding sources, household categories) and `rows` (one labelled
row each, for long names: listings, placements, producers).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .money import format_number

#: columns: the whole chart, and the room around the bars (the value above, the label below)
COLUMNS_WIDTH, COLUMNS_HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 8, 8, 20, 40
#: rows: each row's height per series, and the columns of label, bar and value
ROW_HEIGHT, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 22, 230, 360, 110
LABEL_CHARS = 34  # a longer row label is cut (its bar's <title> keeps it whole)

Format = Callable[[int], str]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    css: str  #: "chart-bar" in a chart of one series, else "chart-bar-0", "chart-bar-1"…
    tip: str  #: "label: value", the bar's <title>


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    css: str = "chart-label"  #: or "chart-value", "chart-label chart-strong"
    anchor: str = "start"


@dataclass
class Chart:
    title: str
    width: int
    height: int
    series: list[str]
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    axis_y: float | None = None  #: the baseline of a column chart

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def legend(self) -> list[tuple[str, str]]:
        return [(name, _css(i, len(self.series))) for i, name in enumerate(self.series)] if len(self.series) > 1 else []


def _css(series: int, n_series: int) -> str:
    return "chart-bar" if n_series == 1 else f"chart-bar-{series}"


def _peak(items: Sequence[tuple[str, Sequence[int]]]) -> int:
    return max((v for _, values in items for v in values), default=0) or 1


def columns(title: str, items: Sequence[tuple[str, Sequence[int]]], series: Sequence[str] = ("",),
            fmt: Format = format_number) -> Chart:
    """One group of columns per item (label, one value per series), scaled to the largest value."""
    baseline = COLUMNS_HEIGHT - PAD_BOTTOM
    chart = Chart(title, COLUMNS_WIDTH, COLUMNS_HEIGHT, list(series), axis_y=baseline)
    if not items:
        return chart
    n = max(1, len(series))
    top = _peak(items)
    inner_w = COLUMNS_WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = COLUMNS_HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = inner_w / len(items)
    w = slot * 0.7 / n
    for i, (label, values) in enumerate(items):
        for j, value in enumerate(values):
            h = inner_h * value / top
            x = PAD_LEFT + i * slot + slot * 0.15 + j * w
            y = PAD_TOP + inner_h - h
            chart.bars.append(Bar(x=round(x, 1), y=round(y, 1), w=round(w, 1), h=round(h, 1), css=_css(j, n),
                                  tip=f"{label}: {fmt(value)}"))
            chart.labels.append(Label(round(x + w / 2, 1), round(y - 4, 1), fmt(value), "chart-value", "middle"))
        chart.labels.append(Label(round(PAD_LEFT + i * slot + slot / 2, 1), baseline + 16, label,
                                  anchor="middle"))
    return chart


def rows(title: str, items: Sequence[tuple[str, Sequence[int]]], series: Sequence[str] = ("",),
         fmt: Format = format_number, strong: set[int] | None = None) -> Chart:
    """One row per item (label, one bar per series), scaled to the largest value; rows in `strong` (their
    indexes) have a bold label."""
    n = max(1, len(series))
    group_h = ROW_HEIGHT * n + 8
    chart = Chart(title, LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH, max(1, len(items)) * group_h + 8, list(series))
    peak = _peak(items)
    for r, (label, values) in enumerate(items):
        y0 = 4 + r * group_h
        short = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"
        css = "chart-label chart-strong" if strong and r in strong else "chart-label"
        chart.labels.append(Label(0, round(y0 + ROW_HEIGHT * n / 2 + 5), short, css))
        for i, value in enumerate(values):
            y = y0 + i * ROW_HEIGHT
            w = 0.0 if value <= 0 else max(1.0, BAR_WIDTH * value / peak)
            chart.bars.append(Bar(x=LABEL_WIDTH, y=y + 3, w=round(w, 1), h=ROW_HEIGHT - 6, css=_css(i, n),
                                  tip=f"{label}: {fmt(value)}"))
            chart.labels.append(Label(round(LABEL_WIDTH + w + 4, 1), y + ROW_HEIGHT - 7, fmt(value), "chart-value"))
    return chart
