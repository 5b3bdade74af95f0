"""Hub journey (issue 12 §3), on a phone-sized screen: the demo cooperative's member signs in, sees the waiting
order of a household it sells for, confirms it on the household's behalf; the step names the hub on the order's
timeline, and the buyer hears of it (e-mail at the loopback SMTP server)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.loopback import wait_for

from .conftest import fits_the_screen, login

HUB_MEMBER = ("diemban@ocop.local", "ocop-hub-2026")  # ocop_market/demo.py
HUB = "HTX Nông sản Quảng Uyên"
HOUSEHOLDS = ("Hộ ông Nông Văn Phúc", "Hộ ông Thào Seo Dìn")
BUYER_EMAIL = "nguoimua@ocop.local"
PHONE = {"width": 360, "height": 740}




def test_a_hub_member_confirms_an_order_for_a_linked_household(new_page, journey, mailbox):
    j = journey("hub")
    page = new_page()
    page.set_viewport_size(PHONE)

    with j.step("sign in as the demo hub member", page):
        login(page, *HUB_MEMBER)
        expect(page.locator("header").get_by_role("link", name="Điểm bán", exact=True)).to_have_count(1)

    with j.step("the hub area lists its households' orders with a count of new ones", page):
        page.goto("/trung-tam/")
        expect(page.locator("main h1")).to_contain_text("Đơn hàng của các hộ")
        expect(page.locator("main h1 .count-badge")).to_have_text(re.compile(r"^[1-9]\d*$"))
        waiting = page.locator("main tr.row-warning").first
        expect(waiting).to_be_visible()
        household = next(name for name in HOUSEHOLDS if name in waiting.inner_text())
        code = waiting.get_by_role("link").first.inner_text().strip()
        assert re.fullmatch(r"DH\d{6}[A-Z0-9]{5}", code), code
        assert fits_the_screen(page)

    with j.step("open the order of the linked household", page):
        waiting.get_by_role("link", name=code).click()
        page.wait_for_url(re.compile(r"/trung-tam/don-hang/\d+$"))
        expect(page.locator("main h1")).to_contain_text(code)
        expect(page.locator("main")).to_contain_text(f"{HUB} thay hộ {household}")
        assert fits_the_screen(page)

    with j.step("confirm it on the household's behalf", page):
        page.locator("main").get_by_role("button", name="Xác nhận đơn").click()
        page.wait_for_url(re.compile(r"/trung-tam/don-hang/\d+$"))
        expect(page.locator(".flash").first).to_contain_text(f"Đơn {code}: Đã xác nhận.")
        expect(page.locator("main h1 .badge")).to_have_text("Đã xác nhận")
        # the step is recorded as "hub X for household Y"
        expect(page.locator("main ol.timeline li").last).to_contain_text(f"Đã xác nhận · {HUB} thay hộ {household}")
        assert fits_the_screen(page)

    with j.step("the buyer hears that the order is confirmed", page):
        assert wait_for(lambda: [m for m in mailbox.mails if m.rcpt_tos == [BUYER_EMAIL] and code in m.subject],
                        timeout=30), "no e-mail reached the buyer"

    with j.step("the order no longer waits in the hub area", page):
        page.goto("/trung-tam/?status=placed")
        expect(page.locator("main")).not_to_contain_text(code)
