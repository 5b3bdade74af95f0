"""Bar charts as inline SVG drawn on the server: no script, no CDN, colours from CSS classes (no style="")."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from markupsafe import Markup, escape

from ..money import format_number

ROW_HEIGHT = 22
LABEL_WIDTH = 230
BAR_WIDTH = 360
VALUE_WIDTH = 110


#: the numbers of one chart: whole đồng and counts, or shares
_N = TypeVar("_N", int, float)


def _plain(n: float) -> str:
    return format_number(int(n))


def hbar_chart(title: str, rows: Sequence[tuple[str, Sequence[_N]]], series: Sequence[str],
               fmt: Callable[[_N], str] = _plain, highlight: set[int] | None = None) -> Markup:
    """Horizontal bars, one group per row and one bar per series (e.g. "before" and "during")."""
    highlight = highlight or set()
    n_series = max(1, len(series))
    top = 28 + (18 if n_series > 1 else 0)
    group_h = ROW_HEIGHT * n_series + 8
    height = top + max(1, len(rows)) * group_h + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    peak = max((v for _, values in rows for v in values), default=0) or 1
    out = [f'<svg class="promo-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           f'<text class="promo-chart-title" x="0" y="16">{escape(title)}</text>']
    if n_series > 1:
        x = LABEL_WIDTH
        for i, name in enumerate(series):
            out.append(f'<rect class="promo-bar promo-bar-{i}" x="{x}" y="24" width="12" height="12"/>')
            out.append(f'<text class="promo-chart-legend" x="{x + 16}" y="34">{escape(name)}</text>')
            x += 16 + 8 * len(name) + 24
    if not rows:
        out.append(f'<text class="promo-chart-label" x="0" y="{top + 16}">—</text>')
    for r, (label, values) in enumerate(rows):
        y0 = top + r * group_h
        short = label if len(label) <= 34 else label[:33] + "…"
        cls = "promo-chart-label promo-chart-strong" if r in highlight else "promo-chart-label"
        out.append(f'<text class="{cls}" x="0" y="{y0 + ROW_HEIGHT * n_series / 2 + 5:.0f}">{escape(short)}</text>')
        for i, value in enumerate(values):
            y = y0 + i * ROW_HEIGHT
            w = 0 if value <= 0 else max(1.0, BAR_WIDTH * value / peak)
            out.append(f'<rect class="promo-bar promo-bar-{i}" x="{LABEL_WIDTH}" y="{y + 3}" width="{w:.1f}" height="{ROW_HEIGHT - 6}">'
                       f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>")
            out.append(f'<text class="promo-chart-value" x="{LABEL_WIDTH + w + 4:.1f}" y="{y + ROW_HEIGHT - 7}">'
                       f"{escape(fmt(value))}</text>")
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text above went through escape()
