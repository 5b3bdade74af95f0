"""Buyer journey: search without diacritics, open the listing, buy from two producers, cash on delivery."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import BUYER, add_to_cart, empty_cart, login

FIRST = ("Hạt dẻ Trùng Khánh", "Hộ bà Lục Thị Hoa")
SECOND = ("Miến dong Phia Đén", "HTX Miến dong Phia Đén")


def search_from_header(page, words: str) -> None:
    page.locator("header #q").fill(words)
    page.locator("header #q").press("Enter")
    page.wait_for_url(re.compile(r"/tim-kiem\?"))


def test_buyer_searches_buys_from_two_producers_cash_on_delivery(new_page, journey):
    j = journey("buyer")
    page = new_page()

    with j.step("sign in as the demo buyer", page):
        login(page, *BUYER)
        expect(page.locator("header")).to_contain_text("Đăng xuất")
        empty_cart(page)  # the saved cart of an earlier journey must not mix into this order

    with j.step("search hat de without diacritics", page):
        page.goto("/")
        search_from_header(page, "hat de")
        expect(page.locator("main h1")).to_contain_text("hat de")
        expect(page.locator("main").get_by_role("link", name=FIRST[0]).first).to_be_visible()

    with j.step("open the chestnut listing", page):
        page.locator("main").get_by_role("link", name=FIRST[0]).first.click()
        page.wait_for_url(re.compile(r"/san-pham/"))
        expect(page.locator("main h1")).to_have_text(FIRST[0])
        expect(page.locator("main .price").first).to_contain_text("₫")

    with j.step("add two bags to the cart", page):
        add_to_cart(page, 2)
        expect(page.locator(".cart-shipment h2")).to_have_text([FIRST[1]])

    with j.step("search a second producer's goods (mien dong)", page):
        search_from_header(page, "mien dong")
        page.locator("main").get_by_role("link", name=SECOND[0]).first.click()
        expect(page.locator("main h1")).to_have_text(SECOND[0])

    with j.step("add the second producer's goods", page):
        add_to_cart(page, 1)

    with j.step("the cart is split by producer", page):
        expect(page.locator(".cart-shipment h2")).to_have_count(2)
        names = page.locator(".cart-shipment h2").all_inner_texts()
        assert sorted(n.strip() for n in names) == sorted([FIRST[1], SECOND[1]]), names
        expect(page.locator(".cart-shipment").filter(has_text=FIRST[0]).locator("input[name=quantity]")) \
            .to_have_value("2")

    with j.step("checkout form", page):
        page.locator("main").get_by_role("link", name="Đặt hàng", exact=True).click()
        page.wait_for_url(re.compile(r"/thanh-toan$"))
        expect(page.locator("main h1")).to_have_text("Đặt hàng")

    with j.step("fill the address and choose cash on delivery", page):
        form = page.locator("main form.form")
        form.locator("#contact_name").fill("Nguyễn Minh Anh")
        form.locator("#phone").fill("0912345678")
        form.locator("#address_line").fill("Số 12, tổ 3")
        form.locator("#commune").fill("Phường Thục Phán")
        form.locator("#province_id").select_option(label="Cao Bằng")
        form.get_by_label("Thanh toán khi nhận hàng (COD)").check()
        expect(form.get_by_label("Thanh toán khi nhận hàng (COD)")).to_be_checked()

    with j.step("confirm the order", page):
        page.get_by_role("button", name="Xác nhận đặt hàng").click()
        page.wait_for_url(re.compile(r"/don-hang/[^/]+$"))
        expect(page.locator(".flash").first).to_contain_text("Đặt hàng thành công")

    code = page.url.rsplit("/", 1)[1]
    with j.step("the order shows both producers' goods, cash on delivery", page):
        expect(page.locator("main h1")).to_contain_text(code)
        main = page.locator("main")
        expect(main).to_contain_text("Thanh toán khi nhận hàng (COD)")
        for product, producer in (FIRST, SECOND):
            expect(main.locator("section.card h2").filter(has_text=producer)).to_have_count(1)
            expect(main).to_contain_text(product)

    with j.step("the order is in the buyer's history and the cart is empty", page):
        page.goto("/don-hang")
        expect(page.locator("main").get_by_role("link", name=code)).to_be_visible()
        page.goto("/gio-hang")
        expect(page.locator("main")).to_contain_text("Giỏ hàng của bạn đang trống")
