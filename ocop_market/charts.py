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
#: the type of static/css/main.css (.chart-label 11px, .chart-value 10px) and a generous width of one character
#: (0.6 em covers Vietnamese with its diacritics in the UI's sans-serif): labels are laid out so that their boxes,
#: estimated as characters × that width, never overlap and stay inside the viewBox
LABEL_FONT, VALUE_FONT, CHAR_EM = 11, 10, 0.6
LINE_HEIGHT = 12  #: a column label wraps onto a second line this far below the first
LABEL_GAP = 4  #: the least room between two labels side by side
MIN_LABEL_CHARS = 6  #: fewer characters than this under every column: label every k-th column instead

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
    lines: tuple[str, ...] = ()  #: a label on two lines (each a <tspan>); empty: `text` is the one line
    full: str = ""  #: the whole text as the label's <title> when it was cut or wrapped

    @property
    def font(self) -> int:
        return VALUE_FONT if self.css == "chart-value" else LABEL_FONT

    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) estimated from the font size and the number of characters."""
        lines = self.lines or (self.text,)
        w = max(text_width(line, self.font) for line in lines)
        left = self.x - w / 2 if self.anchor == "middle" else self.x - w if self.anchor == "end" else self.x
        top = self.y - self.font
        return left, top, left + w, self.y + (len(lines) - 1) * LINE_HEIGHT + self.font * 0.25


def text_width(text: str, font: int = LABEL_FONT) -> float:
    return len(text) * font * CHAR_EM


def fit_lines(text: str, max_chars: int, max_lines: int = 2) -> tuple[tuple[str, ...], bool]:
    """Wrap `text` at spaces into at most `max_lines` lines of at most `max_chars` characters; a word longer than
    a line is cut, and what does not fit ends in "…". Returns the lines and whether anything was cut."""
    max_chars = max(1, max_chars)
    if len(text) <= max_chars:
        return (text,), False
    lines: list[str] = []
    words = text.split()
    current = ""
    cut = False
    while words:
        word = words[0]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= max_chars:
            current = candidate
            words.pop(0)
            continue
        if not current:  # one word longer than a line: cut it there
            current, words[0] = word[:max_chars], word[max_chars:]
        lines.append(current)
        current = ""
        if len(lines) == max_lines:
            break
    if current and len(lines) < max_lines:
        lines.append(current)
    if words:
        cut = True
        last = lines[-1]
        lines[-1] = (last if len(last) < max_chars else last[:max_chars - 1]).rstrip() + "…"
    return tuple(lines), cut


@dataclass
class Chart:
    title: str
    width: int
    height: int
    series: list[str]
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    axis_y: float | None = None  #: the baseline of a column chart
    line_height: int = LINE_HEIGHT  #: between the lines of a wrapped label

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
    """One group of columns per item (label, one value per series), scaled to the largest value.

    Labels never overlap: each takes at most its column's width, on up to two lines, cut with "…" (its <title>
    and the bar's keep the whole text); when even six characters do not fit under a column, only every k-th column
    is labelled, the label starting at its column and taking the room of k columns. A value above its bar is drawn
    only when every value fits over its bar (the bar's <title> always has it)."""
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
    char_w = LABEL_FONT * CHAR_EM
    longest = max(len(label) for label, _ in items)
    want = min(longest, MIN_LABEL_CHARS) * char_w + LABEL_GAP
    step = 1
    while step * slot < want and step < len(items):
        step += 1
    # the least distance between the centres of two values side by side: a bar's width, or the column's
    value_room = (w if n > 1 else slot) - 2
    show_values = all(text_width(fmt(v), VALUE_FONT) <= value_room for _, values in items for v in values)
    for i, (label, values) in enumerate(items):
        for j, value in enumerate(values):
            h = inner_h * value / top
            x = PAD_LEFT + i * slot + slot * 0.15 + j * w
            y = PAD_TOP + inner_h - h
            chart.bars.append(Bar(x=round(x, 1), y=round(y, 1), w=round(w, 1), h=round(h, 1), css=_css(j, n),
                                  tip=f"{label}: {fmt(value)}"))
            if show_values:
                chart.labels.append(Label(round(x + w / 2, 1), round(y - 4, 1), fmt(value), "chart-value", "middle"))
        if i % step:
            continue
        room = min(step, len(items) - i) * slot - LABEL_GAP
        lines, cut = fit_lines(label, int(room // char_w))
        if step == 1:
            x, anchor = PAD_LEFT + i * slot + slot / 2, "middle"
        else:
            x, anchor = PAD_LEFT + i * slot + LABEL_GAP / 2, "start"
        chart.labels.append(Label(round(x, 1), baseline + 14, lines[0], anchor=anchor,
                                  lines=lines if len(lines) > 1 else (), full=label if cut or len(lines) > 1 else ""))
    return chart


def rows(title: str, items: Sequence[tuple[str, Sequence[int]]], series: Sequence[str] = ("",),
         fmt: Format = format_number, strong: set[int] | None = None) -> Chart:
    """One row per item (label, one bar per series), scaled to the largest value; rows in `strong` (their
    indexes) have a bold label."""
    n = max(1, len(series))
    group_h = ROW_HEIGHT * n + 8
    # the value after the longest bar must stay inside the viewBox: widen the value column for long amounts
    value_w = max([VALUE_WIDTH] + [text_width(fmt(v), VALUE_FONT) + 8 for _, values in items for v in values])
    chart = Chart(title, LABEL_WIDTH + BAR_WIDTH + int(value_w + 0.5), max(1, len(items)) * group_h + 8, list(series))
    peak = _peak(items)
    for r, (label, values) in enumerate(items):
        y0 = 4 + r * group_h
        short = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"
        css = "chart-label chart-strong" if strong and r in strong else "chart-label"
        chart.labels.append(Label(0, round(y0 + ROW_HEIGHT * n / 2 + 5), short, css,
                                  full=label if short != label else ""))
        for i, value in enumerate(values):
            y = y0 + i * ROW_HEIGHT
            w = 0.0 if value <= 0 else max(1.0, BAR_WIDTH * value / peak)
            chart.bars.append(Bar(x=LABEL_WIDTH, y=y + 3, w=round(w, 1), h=ROW_HEIGHT - 6, css=_css(i, n),
                                  tip=f"{label}: {fmt(value)}"))
            chart.labels.append(Label(round(LABEL_WIDTH + w + 4, 1), y + ROW_HEIGHT - 7, fmt(value), "chart-value"))
    return chart
