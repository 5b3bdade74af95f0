"""Message journey (issue 12 §2): a buyer orders → the household's SMS arrives at the (loopback) SMS gateway and its
e-mail with the one-tap link at the (loopback) SMTP server → the producer confirms through the link without logging
in → the buyer's e-mail arrives. A second order is confirmed by an `OK <code>` reply from the household's phone."""
from __future__ import annotations

import json
import re
import urllib.request

from playwright.sync_api import expect

from tests.loopback import wait_for

from .conftest import BUYER, add_to_cart, checkout_cash_on_delivery, empty_cart, login

PRODUCT = "Hạt dẻ Trùng Khánh"
HOUSEHOLD_PHONE = "+84987000111"  # the demo household's own phone (ocop_market/demo.py)
BUYER_EMAIL = BUYER[0]


def _order(page) -> str:
    page.goto("/tim-kiem?q=hat+de")
    page.locator("main").get_by_role("link", name=PRODUCT).first.click()
    page.wait_for_url(re.compile(r"/san-pham/"))
    add_to_cart(page, 1)
    return checkout_cash_on_delivery(page)


def _sms_for(sms_inbox, code):
    return [m.text for m in sms_inbox.messages if m.to == HOUSEHOLD_PHONE and code in m.text]


def test_an_order_reaches_the_household_by_sms_and_is_confirmed_by_its_link(new_page, journey, mailbox, sms_inbox):
    j = journey("messages")
    buyer = new_page()

    with j.step("the demo buyer orders the chestnuts, cash on delivery", buyer):
        login(buyer, *BUYER)
        empty_cart(buyer)
        code = _order(buyer)

    with j.step("the household's SMS arrives at the gateway, in one unaccented segment", buyer):
        assert wait_for(lambda: _sms_for(sms_inbox, code), timeout=30), "no SMS reached the gateway"
        [text] = _sms_for(sms_inbox, code)
        assert len(text) <= 160 and text.isascii() and text.startswith(f"Cho OCOP: don moi {code}")
        assert f"OK {code}" in text or f"OK/HUY {code}" in text

    with j.step("its e-mail carries the one-tap link", buyer):
        def link():
            for mail in mailbox.mails:
                if mail.rcpt_tos == ["nhasanxuat@ocop.local"] and code in mail.subject:
                    return next((w for w in mail.text.split() if "/d/" in w), None)
            return None
        assert wait_for(lambda: link() is not None, timeout=30), "no e-mail with a link reached the producer"
        url = link()

    producer = new_page()  # a fresh browser: no session, no login
    with j.step("the producer opens the link without logging in", producer):
        producer.goto(url)
        expect(producer.locator("main h1")).to_contain_text(code)
        expect(producer.locator("main")).to_contain_text(PRODUCT)

    with j.step("and confirms the order", producer):
        producer.get_by_role("button", name="Xác nhận đơn").click()
        expect(producer.locator(".flash").first).to_contain_text("Đã xác nhận")

    with j.step("the buyer's e-mail arrives", buyer):
        assert wait_for(lambda: any(m.rcpt_tos == [BUYER_EMAIL] and m.subject == f"Chợ OCOP: đơn {code} đã được xác nhận"
                                    for m in mailbox.mails), timeout=30), "the buyer heard nothing"
        buyer.goto(f"/don-hang/{code}")
        expect(buyer.locator("main")).to_contain_text("Đã xác nhận")

    with j.step("a second order, confirmed by an OK reply from the household's phone", buyer):
        second = _order(buyer)
        assert wait_for(lambda: _sms_for(sms_inbox, second), timeout=30)
        base = buyer.url.split("/don-hang/")[0]
        request = urllib.request.Request(
            base + "/sms/inbound", method="POST", data=json.dumps({"from": HOUSEHOLD_PHONE, "text": f"ok {second}"}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {sms_inbox.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own loopback server
            assert json.loads(response.read()) == {"status": "confirmed", "order": second}
        assert wait_for(lambda: any(f"da nhan don {second}" in t for t in _sms_for(sms_inbox, second)), timeout=30)
        buyer.goto(f"/don-hang/{second}")
        expect(buyer.locator("main")).to_contain_text("Đã xác nhận")
