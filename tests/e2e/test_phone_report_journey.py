"""Issue 14 on a 360-pixel phone: staff reports write their figures the Vietnamese way ('1.234', '1.300.000 ₫',
'72,59 %', '0,50'), a chart's labels never overlap one another nor leave the chart, the exports offer the file for
Excel first and the machine variant beside it; a buyer's card with both badges, "OCOP 4★" and "Hỗ trợ miễn phí",
holds them inside its 160 px. Screenshots: test-artifacts/e2e/phone-report/."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import BUYER, STAFF, login

PHONE = {"width": 360, "height": 740}

#: figures as Vietnamese write them: thousands dots, a decimal comma, a space before '%' and '₫'
VN_RATE = re.compile(r"^(\d{1,3}(\.\d{3})*,\d{2} %|—)$")
VN_MONEY = re.compile(r"^-?\d{1,3}(\.\d{3})*\u00a0₫$")
VN_COUNT = re.compile(r"^\d{1,3}(\.\d{3})*$")
#: a raw float or a whole number of four digits or more without its dots ('0.5012', '1300000')
RAW = re.compile(r"(?<![\w.,/:-])(?:0\.\d+|\d+\.(?:\d{1,2}|\d{4,})(?![\d.])|[1-9]\d{3,})(?![\w.,/:-])")

#: every <text> of every chart: its box on the screen, the chart's box, and the text, for the overlap check
LABEL_BOXES = """() => [...document.querySelectorAll('main svg.chart-svg')].map(svg => {
  const s = svg.getBoundingClientRect();
  return {chart: {left: s.left, top: s.top, right: s.right, bottom: s.bottom},
          labels: [...svg.querySelectorAll('text')].map(t => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom};
          })};
})"""


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _raw_figures(page) -> list[str]:
    text = page.locator("main").inner_text()
    return [m for m in RAW.findall(text) if not re.fullmatch(r"20\d\d", m)]  # a year is no figure


def _overlaps(charts) -> list[str]:
    found = []
    for chart in charts:
        c, labels = chart["chart"], chart["labels"]
        for t in labels:
            if t["left"] < c["left"] - 0.5 or t["right"] > c["right"] + 0.5 or t["top"] < c["top"] - 0.5 \
                    or t["bottom"] > c["bottom"] + 0.5:
                found.append(f"“{t['text']}” leaves its chart")
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                if a["left"] < b["right"] - 0.5 and b["left"] < a["right"] - 0.5 \
                        and a["top"] < b["bottom"] - 0.5 and b["top"] < a["bottom"] - 0.5:
                    found.append(f"“{a['text']}” overlaps “{b['text']}”")
    return found


def test_reports_charts_exports_and_badges_on_a_phone(new_page, journey):
    j = journey("phone-report")
    staff = new_page()
    staff.set_viewport_size(PHONE)

    with j.step("staff: the outcome report's figures in Vietnamese format", staff):
        login(staff, *STAFF)
        staff.goto("/quan-tri/du-an/ket-qua?period=2025&group_by=project")
        expect(staff.locator("main h1")).to_contain_text("Kết quả sinh kế")
        rates = staff.locator("main td[data-col=central_rate], main td[data-col=local_rate]").all_inner_texts()
        assert rates and all(VN_RATE.match(r) for r in rates), rates
        money = staff.locator("main td[data-col=revenue_vnd]").all_inner_texts()
        assert money and all(VN_MONEY.match(m) for m in money), money
        counts = staff.locator("main td[data-col=households], main td[data-col=orders]").all_inner_texts()
        assert counts and all(VN_COUNT.match(n) for n in counts), counts
        assert any(r != "—" for r in rates), "the demo programme has no disbursement rate to show"
        assert _raw_figures(staff) == []
        assert _fits_the_screen(staff)

    with j.step("staff: a chart whose labels do not overlap", staff):
        charts = staff.evaluate(LABEL_BOXES)
        assert len(charts) == 3 and all(c["labels"] for c in charts), "the dashboard's three charts are drawn"
        assert _overlaps(charts) == []
        staff.locator("main svg.chart-svg").last.scroll_into_view_if_needed()
        # the promotion report's row charts: long product and producer names, cut with their whole name kept
        staff.goto("/quan-tri/quang-ba/bao-cao?weeks=8")
        charts = staff.evaluate(LABEL_BOXES)
        assert charts, "the promotion report draws its charts"
        assert _overlaps(charts) == []
        assert re.fullmatch(r"\d,\d{2}", staff.locator("#stat-gini").inner_text())  # '0,50', not '0.50'
        assert VN_RATE.match(staff.locator("#stat-poor-share").inner_text())
        assert _raw_figures(staff) == []
        staff.locator("main svg.chart-svg").first.scroll_into_view_if_needed()

    with j.step("staff: the exports offer the Excel file first and the machine variant", staff):
        staff.goto("/quan-tri/du-an/ket-qua?period=2025&group_by=project")
        exports = staff.locator("main p.actions a[download]")
        first, second = exports.nth(0), exports.nth(1)
        expect(first).to_contain_text("Excel")
        expect(second).to_contain_text("máy đọc")
        excel_href, machine_href = first.get_attribute("href"), second.get_attribute("href")
        assert "outcomes.csv" in excel_href and "dang=may" not in excel_href
        assert "outcomes.csv" in machine_href and "dang=may" in machine_href
        excel = staff.request.get(excel_href).body()
        machine = staff.request.get(machine_href).body()
        assert excel.startswith(b"\xef\xbb\xbf") and b";" in excel.split(b"\n")[0]  # BOM, ';' for vi-VN Excel
        assert not machine.startswith(b"\xef\xbb\xbf") and b"," in machine.split(b"\n")[0]
        first.scroll_into_view_if_needed()
        assert _fits_the_screen(staff)

    buyer = new_page()
    buyer.set_viewport_size(PHONE)
    with j.step("buyer: the badges OCOP 4★ and Hỗ trợ miễn phí fit a 160-px card", buyer):
        login(buyer, *BUYER)
        buyer.goto("/")
        cards = buyer.locator("main .product-card").filter(has=buyer.locator(".badge-promo")) \
            .filter(has=buyer.locator(".star-badge"))
        assert cards.count(), "the demo home page has no promoted card with an OCOP star badge"
        card = cards.first
        card.scroll_into_view_if_needed()
        expect(card.locator(".badge-promo .badge-short")).to_have_text("Hỗ trợ miễn phí")
        expect(card.locator(".badge-promo")).to_have_attribute("title", "Sản phẩm được hỗ trợ quảng bá miễn phí")
        expect(card.locator(".star-badge [aria-hidden=true]")).to_have_text(re.compile(r"^OCOP [3-5]★$"))
        box = card.bounding_box()
        assert box and box["width"] <= 200, f"a card on a 360-px phone is {box}"
        for badge in (card.locator(".badge-promo"), card.locator(".star-badge")):
            b = badge.bounding_box()
            assert b and b["x"] >= box["x"] - 0.5 and b["x"] + b["width"] <= box["x"] + box["width"] + 0.5, \
                f"{badge.inner_text()!r} leaves its card: {b} in {box}"
            assert b["y"] >= box["y"] - 0.5 and b["y"] + b["height"] <= box["y"] + box["height"] + 0.5
            widths = badge.evaluate("el => [el.scrollWidth, el.clientWidth]")
            assert widths[0] <= widths[1], f"the badge's text is cut off ({widths})"
        assert _fits_the_screen(buyer)
