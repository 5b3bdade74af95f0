"""Issue 14 on a 360-pixel phone: the producer's "Từ chối đơn" (in a dialog, with JavaScript), staff refusing a listing
and a payout each stop on a confirm page first (no JavaScript needed); here each page is shown and left with "Không, quay lại", so nothing
changes for the other journeys. Also at 360 px: the producer's dashboard (new orders first, with their count) and the
staff audit log, whose table scrolls in its own labelled box. Screenshots: test-artifacts/e2e/phone-confirm/."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import PRODUCER, STAFF, fits_the_screen, login

PHONE = {"width": 360, "height": 740}




def test_undoing_asks_first_for_producers_and_staff(new_page, journey):
    j = journey("phone-confirm")
    producer = new_page()
    producer.set_viewport_size(PHONE)

    with j.step("producer: on a phone the dashboard opens with the new orders and their count", producer):
        login(producer, *PRODUCER)
        producer.goto("/gian-hang/")
        new_orders = producer.locator("main section.new-orders")
        expect(new_orders.locator("h2")).to_contain_text("Đơn mới")
        badge = new_orders.locator("h2 .count-badge")
        if badge.count():
            expect(badge).to_have_text(re.compile(r"^[1-9]\d*$"))
            expect(new_orders.locator("table.part-rows tbody tr").first).to_be_visible()
        assert producer.evaluate("document.querySelector('main section.new-orders').getBoundingClientRect().top"
                                 " < document.querySelector('main .card:not(.new-orders)').getBoundingClientRect().top")
        assert fits_the_screen(producer)

    with j.step("producer: 'Từ chối đơn' opens a confirm page with a reason to give", producer):
        link = None
        for status in ("placed", "confirmed"):
            producer.goto(f"/gian-hang/don-hang/?status={status}")
            rows = producer.locator("main table a[href*='/gian-hang/don-hang/']")
            if rows.count():
                link = rows.first
                break
        assert link is not None, "the demo producer has no order it could still decline"
        link.click()
        detail_url = producer.url
        producer.locator("main a.btn-danger").click()
        dialog = producer.locator("dialog.confirm-dialog")
        expect(dialog.locator("h1")).to_have_text(re.compile(r"^(Từ chối|Hủy) đơn DH"))
        expect(dialog).to_contain_text("Việc này không hoàn tác được.")
        expect(dialog.locator("#note")).to_be_visible()
        assert fits_the_screen(producer)

    with j.step("producer: 'Không, quay lại' closes it and leaves the order as it was", producer):
        dialog.get_by_role("link", name="Không, quay lại").click()
        expect(producer.locator("dialog.confirm-dialog")).to_have_count(0)
        assert producer.url == detail_url
        expect(producer.locator("main a.btn-danger")).to_be_visible()

    staff = new_page()
    staff.set_viewport_size(PHONE)
    with j.step("staff: refusing a listing shows the reason typed before anything happens", staff):
        login(staff, *STAFF)
        staff.goto("/quan-tri/san-pham/cho-duyet")
        staff.locator("main h2 a").first.click()
        staff.locator("main #reason").fill("Ảnh chưa rõ nhãn OCOP")
        staff.locator("form.reject-form").get_by_role("button", name="Từ chối").click()
        staff.wait_for_url(re.compile(r"/tu-choi$"))
        expect(staff.locator("main h1")).to_have_text(re.compile(r"^Từ chối sản phẩm “.+”\?$"))
        expect(staff.locator("main #reason")).to_have_value("Ảnh chưa rõ nhãn OCOP")

    with j.step("staff: back from the confirm page, the listing is still waiting", staff):
        staff.get_by_role("link", name="Không, quay lại").click()
        expect(staff.locator("form.reject-form")).to_be_visible()

    with j.step("staff: a payout shows the amount and what stays owed before it is recorded", staff):
        staff.goto("/quan-tri/don-hang/cong-no")
        staff.locator("main table a").first.click()
        staff.locator("main #amount").fill("1.000")
        staff.locator("main #reference").fill("UNC-THU")
        staff.get_by_role("button", name="Ghi nhận", exact=True).click()
        expect(staff.locator("main h1")).to_have_text(re.compile(r"^Ghi nhận chi trả cho “.+”\?$"))
        expect(staff.locator("main .facts")).to_contain_text("Còn nợ sau chi trả")
        expect(staff.locator("main .facts")).to_contain_text("1.000")
        assert fits_the_screen(staff)
        assert staff.evaluate("Math.max(...[...document.querySelectorAll('main .facts dd')]"
                              ".map(e => e.getBoundingClientRect().right)) <= window.innerWidth")

    with j.step("staff: back from the payout's confirm page, nothing is recorded", staff):
        staff.get_by_role("link", name="Không, quay lại").click()
        expect(staff.locator("main h1")).to_contain_text("Công nợ")

    with j.step("staff: the audit log on a phone, its table in a labelled box that scrolls sideways", staff):
        staff.goto("/quan-tri/nhat-ky")
        expect(staff.locator("main h1")).to_have_text("Nhật ký thao tác")
        region = staff.locator("main div.table-wrap[role=region]").first
        expect(region).to_have_attribute("aria-label", "Nhật ký thao tác")
        expect(region).to_have_attribute("tabindex", "0")
        assert fits_the_screen(staff)  # the page itself does not scroll sideways, the table's box does
        assert region.evaluate("el => el.scrollWidth > el.clientWidth"), "the audit table fits 360 px: nothing to show"

    with j.step("a table on a phone: the keyboard reaches and scrolls it, the shade shows more columns", staff):
        region.focus()
        expect(region).to_be_focused()
        for _ in range(4):
            staff.keyboard.press("ArrowRight")
        staff.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())
        region.scroll_into_view_if_needed()
