"""The one chart helper (ocop_market/charts.py): rows for long names (the promotion report), columns for
months and sources (programme outcomes), both drawn by templates/_chart.html."""
from __future__ import annotations

from ocop_market import charts
from ocop_market.money import format_vnd


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
