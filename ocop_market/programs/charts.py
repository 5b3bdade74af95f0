"""Bar charts as plain geometry for server-rendered inline SVG (templates/programs/_charts.html).
No JavaScript and no external library: the numbers are laid out here and drawn by the template."""
from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 8, 8, 20, 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value_text: str
    css: str = "bar"
    label_x: float = 0.0

    @property
    def value_x(self) -> float:
        return round(self.x + self.w / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass
class Chart:
    title: str
    bars: list[Bar] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    baseline_y: float = HEIGHT - PAD_BOTTOM
    legend: list[tuple[str, str]] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _short(amount: int) -> str:
    """Compact VND for a bar label: 1.250.000 -> '1,3 tr', 391.000.000 -> '391 tr', 2.5e9 -> '2,5 tỷ'."""
    if amount >= 1_000_000_000:
        return f"{amount / 1_000_000_000:.1f} tỷ".replace(".", ",")
    if amount >= 1_000_000:
        value = amount / 1_000_000
        return (f"{value:.1f}" if value < 10 else f"{value:.0f}").replace(".", ",") + " tr"
    if amount >= 1_000:
        return f"{amount // 1000} n"
    return str(amount)


def bar_chart(title: str, items: list[tuple[str, int]], money: bool = True) -> Chart:
    """One bar per item, scaled to the largest."""
    chart = Chart(title)
    if not items:
        return chart
    top = max(v for _, v in items) or 1
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = inner_w / len(items)
    w = slot * 0.7
    for i, (label, value) in enumerate(items):
        h = inner_h * value / top
        chart.bars.append(Bar(x=round(PAD_LEFT + i * slot + (slot - w) / 2, 1), y=round(PAD_TOP + inner_h - h, 1),
                              w=round(w, 1), h=round(h, 1), label=label,
                              value_text=_short(value) if money else str(value),
                              label_x=round(PAD_LEFT + i * slot + slot / 2, 1)))
    return chart


def paired_chart(title: str, items: list[tuple[str, int, int]], legend: tuple[str, str], money: bool = True) -> Chart:
    """Two bars per item (e.g. plan and disbursed; at joining and latest), scaled to the largest."""
    chart = Chart(title, legend=[(legend[0], "bar-a"), (legend[1], "bar-b")])
    if not items:
        return chart
    top = max(max(a, b) for _, a, b in items) or 1
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = inner_w / len(items)
    w = slot * 0.35
    for i, (label, a, b) in enumerate(items):
        for j, (value, css) in enumerate(((a, "bar-a"), (b, "bar-b"))):
            h = inner_h * value / top
            chart.bars.append(Bar(x=round(PAD_LEFT + i * slot + slot * 0.15 + j * w, 1),
                                  y=round(PAD_TOP + inner_h - h, 1), w=round(w, 1), h=round(h, 1),
                                  label=label if j == 0 else "",
                                  value_text=_short(value) if money else str(value), css=css,
                                  label_x=round(PAD_LEFT + i * slot + slot / 2, 1)))
    return chart
