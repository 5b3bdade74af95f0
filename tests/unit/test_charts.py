"""The one chart helper (ocop_market/charts.py): rows for long names (the promotion report), columns for
months and sources (programme outcomes), both drawn by templates/_chart.html."""
from __future__ import annotations

import re

import pytest

from ocop_market import charts
from ocop_market.money import format_vnd, format_vnd_short


def test_rows_scale_to_the_largest_and_keep_long_names_in_the_tip():
    name = "Mật ong bạc hà Mèo Vạc, hũ thuỷ tinh 500 g (HTX Mèo Vạc)"
    chart = charts.rows("t", [(name, (200_000, 400_000)), ("Chè", (0, 100_000))], ("Trước", "Trong"),
                        fmt=format_vnd, strong={1})
    before, during, nothing, quarter = chart.bars
    assert during.w == charts.BAR_WIDTH and before.w == charts.BAR_WIDTH / 2 and nothing.w == 0
    assert quarter.w == charts.BAR_WIDTH / 4
    assert before.tip == f"{name}: {format_vnd(200_000)}"
    first, second = (t for t in chart.labels if t.css.startswith("chart-label"))
    assert len(first.text) == charts.LABEL_CHARS and first.text.endswith("…") and first.css == "chart-label"
    assert second.text == "Chè" and second.css == "chart-label chart-strong"
    assert chart.legend == [("Trước", "chart-bar-0"), ("Trong", "chart-bar-1")]
    assert all(b.y + b.h <= chart.height for b in chart.bars)


def test_an_empty_chart_has_no_bars():
    assert charts.rows("t", [], ("x",)).bars == [] and charts.columns("t", []).bars == []


# ---------------------------------------------------------------- labels that do not overlap (issue 14)
def _rendered_boxes(chart) -> tuple[list[tuple[float, float, float, float, str]], tuple[float, ...]]:
    """Draw the chart with the one macro and read each <text>'s box back from the SVG: x, y, anchor, class and its
    lines (tspans), the width estimated as characters × font size × charts.CHAR_EM."""
    import xml.etree.ElementTree as ET

    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader("ocop_market/templates"), autoescape=True,
                      extensions=["jinja2.ext.i18n"])
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    html = env.from_string('{% from "_chart.html" import svg_chart %}{{ svg_chart(c, "t") }}').render(c=chart)
    svg = ET.fromstring(re.search(r"<svg.*</svg>", html, re.S).group(0))
    ns = "{http://www.w3.org/2000/svg}"
    view = tuple(float(v) for v in svg.get("viewBox").split())
    boxes = []
    for t in svg.iter(f"{ns}text"):
        font = charts.VALUE_FONT if t.get("class") == "chart-value" else charts.LABEL_FONT
        spans = [s.text or "" for s in t.iter(f"{ns}tspan")] or [t.text or ""]
        dys = [float(s.get("dy")) for s in t.iter(f"{ns}tspan")] or [0.0]
        w = max(len(s) for s in spans) * font * charts.CHAR_EM
        x, y = float(t.get("x")), float(t.get("y"))
        left = {"middle": x - w / 2, "end": x - w}.get(t.get("text-anchor"), x)
        boxes.append((left, y - font, left + w, y + sum(dys) + font * 0.25, " / ".join(spans)))
    return boxes, view


def _overlapping(boxes):
    return [(a[4], b[4]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]


def _outside(boxes, view):
    x0, y0, w, h = view
    return [b[4] for b in boxes if b[0] < x0 or b[1] < y0 or b[2] > x0 + w or b[3] > y0 + h]


LONG = ["Hộ cận nghèo có thành viên khuyết tật", "Hộ nghèo dân tộc thiểu số vùng đặc biệt khó khăn",
        "Hợp tác xã nông nghiệp Mèo Vạc", "Tuần 2026-W49 (07/12 – 13/12/2026)", "Khác"]


@pytest.mark.parametrize("count", [3, 5, 12, 26, 52, 90])
@pytest.mark.parametrize("n_series", [1, 2])
def test_column_labels_never_overlap_and_stay_inside_the_view_box(count, n_series):
    items = [(f"{LONG[i % len(LONG)]} {i}", tuple(1_260_000 * (i + 1) + 391_000_000 * s for s in range(n_series)))
             for i in range(count)]
    chart = charts.columns("t", items, ("Kế hoạch", "Đã giải ngân")[:n_series], fmt=format_vnd_short)
    boxes, view = _rendered_boxes(chart)
    assert _overlapping(boxes) == []
    assert _outside(boxes, view) == []
    labels = [t for t in chart.labels if t.css == "chart-label"]
    assert labels, "some columns are labelled"
    # a cut or wrapped label keeps its whole text as its <title>; each bar's tip names its item in full
    assert all(t.full in dict(items) for t in labels if t.full)
    assert [b.tip.split(": ")[0] for b in chart.bars[::n_series]] == [label for label, _ in items]
    if count <= 12:
        assert len(labels) == count, "few columns: every one is labelled"


def test_few_short_labels_stay_whole_with_their_values():
    chart = charts.columns("t", [(f"{m:02d}/26", (m * 1_000_000,)) for m in range(1, 13)], fmt=format_vnd_short)
    assert [t.text for t in chart.labels if t.css == "chart-label"] == [f"{m:02d}/26" for m in range(1, 13)]
    assert not any(t.full for t in chart.labels)
    assert [t.text for t in chart.labels if t.css == "chart-value"][-1] == "12 tr"


def test_a_long_label_wraps_onto_two_lines_and_keeps_its_title():
    chart = charts.columns("t", [(LONG[1], (3,)), ("Khác", (1,)), ("Hộ mới", (2,)), ("Hộ khá", (5,)), ("x", (0,)),
                                 ("y", (0,)), ("z", (0,)), ("w", (0,))])
    first = chart.labels[1]
    assert first.css == "chart-label" and len(first.lines) == 2 and first.full == LONG[1]
    assert first.lines[-1].endswith("…")
    boxes, view = _rendered_boxes(chart)
    assert _overlapping(boxes) == [] and _outside(boxes, view) == []


def test_row_labels_and_long_amounts_stay_inside_the_view_box():
    items = [(f"{LONG[i % len(LONG)]} (HTX số {i})", (1_300_000_000 * i, 999_999_999_999)) for i in range(8)]
    chart = charts.rows("t", items, ("Trước", "Trong"), fmt=format_vnd)
    boxes, view = _rendered_boxes(chart)
    assert _overlapping(boxes) == [] and _outside(boxes, view) == []
    assert all(t.full == label for t, (label, _) in zip((t for t in chart.labels if t.css == "chart-label"),
                                                         items, strict=True) if len(label) > charts.LABEL_CHARS)
