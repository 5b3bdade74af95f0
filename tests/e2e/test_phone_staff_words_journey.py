"""Issue 14 on a 360-pixel phone, staff: words instead of codes. The audit log names each action ("Duyệt sản phẩm",
not `product.approve`), shows amounts as `1.300.000 ₫` and keeps stored file names (hashes) behind "chi tiết"; the
support projects' rates read `72,59 %`; household categories read "Hộ nghèo"; the staff order page's buttons are
verbs ("Xác nhận đơn"), never the state they lead to. Read only: nothing is changed for the other journeys.
Screenshots: test-artifacts/e2e/phone-staff-words/."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from ocop_market.admin.audit_labels import ACTION_LABELS

from .conftest import STAFF, login

PHONE = {"width": 360, "height": 740}
#: what an action code, a detail key or a household category code looks like when it leaks onto the page
CODE = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, ACTION_LABELS)) + r")(?![\w.])"
                  r"|\b[a-z_]+_vnd\b|\b(near_poor|poor|escaped)\b")


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _visible_text(page, selector: str) -> str:
    """The text a reader sees in the element: closed <details> (and their summaries' content) left out."""
    return page.evaluate(
        """sel => { const el = document.querySelector(sel).cloneNode(true);
                    el.querySelectorAll('details, script, style').forEach(d => d.remove());
                    el.querySelectorAll('td, th, li, p, span, h1, h2, dd, dt, option').forEach(
                        e => e.append(' '));
                    return el.textContent.replace(/\\s+/g, ' '); }""", selector)


def test_staff_pages_read_in_words(new_page, journey):
    j = journey("phone-staff-words")
    staff = new_page()
    staff.set_viewport_size(PHONE)

    with j.step("staff: the audit log reads in words, amounts and rates formatted, hashes behind chi tiết", staff):
        login(staff, *STAFF)
        staff.goto("/quan-tri/du-an")  # a project's disbursement rates, per budget source
        staff.locator("main table a[href*='/quan-tri/du-an/']").first.click()
        rates = staff.locator("main td[data-budget-source]")
        expect(rates.first).to_have_text(re.compile(r"^(\d{1,3},\d{2} %|—)$"))
        texts = [t.strip() for t in rates.all_text_contents()]
        assert any(re.fullmatch(r"\d{1,3},\d{2} %", t) for t in texts), texts

        staff.goto("/quan-tri/nhat-ky")
        expect(staff.locator("main h1")).to_have_text("Nhật ký thao tác")
        table = staff.locator("main div.table-wrap[role=region] table").first
        expect(table).to_be_visible()
        shown = _visible_text(staff, "main div.table-wrap[role=region] table tbody")
        assert re.search(r"Gắn hộ với điểm bán|Gắn sản phẩm với dự án|Duyệt sản phẩm|Tạo sản phẩm", shown), shown[:400]
        assert not CODE.search(shown), f"a code on the audit log: {CODE.search(shown).group()}"
        # amounts as money
        staff.goto("/quan-tri/nhat-ky?action=project.disburse")
        shown = _visible_text(staff, "main div.table-wrap[role=region] table tbody")
        assert re.search(r"Số tiền: \d{1,3}(\.\d{3})+\s₫", shown), shown[:400]
        assert "amount_vnd" not in shown and not CODE.search(shown)
        assert re.search(r"Ngày giải ngân: \d{2}/\d{2}/\d{4}", shown)
        # a photo's stored name (a hash) only behind "chi tiết"
        staff.goto("/quan-tri/nhat-ky?action=product.photo_add")
        first = staff.locator("main table tbody tr").first
        more = first.locator("details")
        expect(more.locator("summary")).to_have_text("chi tiết")
        hidden = more.locator("code").first
        expect(hidden).to_be_hidden()
        more.locator("summary").click()
        expect(hidden).to_be_visible()
        expect(hidden).to_have_text(re.compile(r"^image: [0-9a-f]{16,}"))
        expect(first.locator("td").nth(2)).to_have_text("Thêm ảnh sản phẩm")
        assert _fits_the_screen(staff)

    with j.step("staff: household categories in words", staff):
        staff.goto("/quan-tri/nhat-ky?action=household.assess")
        shown = _visible_text(staff, "main div.table-wrap[role=region] table tbody")
        assert re.search(r"Phân loại hộ: (Hộ nghèo|Hộ cận nghèo|Hộ mới thoát nghèo|Không thuộc diện)", shown), \
            shown[:400]
        assert not CODE.search(shown), f"a code: {CODE.search(shown).group()}"
        staff.goto("/quan-tri/co-so")
        listing = _visible_text(staff, "main")
        assert "Hộ nghèo" in listing or "Hộ cận nghèo" in listing
        assert not re.search(r"\b(near_poor|poor|escaped)\b", listing)
        assert _fits_the_screen(staff)

    with j.step("staff: the order page's buttons are verbs", staff):
        staff.goto("/quan-tri/don-hang/?status=placed")
        staff.locator("main table a[href*='/quan-tri/don-hang/DH']").first.click()
        buttons = staff.locator("main section.card form.inline-form button")
        expect(buttons.first).to_be_visible()
        labels = buttons.all_inner_texts()
        assert "Xác nhận đơn" in labels, labels
        states = {"Đã đặt", "Đã xác nhận", "Đang giao", "Đã giao", "Hoàn tất", "Đã hủy"}
        assert not states & set(labels), labels
        expect(staff.locator("main a.btn-danger").first).to_have_text("Từ chối đơn")
        payments = _visible_text(staff, "main")
        assert not re.search(r"\b(pending|succeeded|failed|expired|bank_transfer|cod)\b", payments)
        assert _fits_the_screen(staff)
