"""Issue 14 on a 360-pixel phone, as a first-time buyer: sign up and stay signed in; search with the filters behind
"Lọc", a price typed as "100k" and one that cannot be read; "Bán chạy" and "Đã bán"; checkout with the province
blank until chosen; the VietQR box (bank by name, copy buttons, the PNG to save); cancelling asks first; the next
checkout fills the address in from the address book, where deleting one asks first. Screenshots: test-artifacts/e2e/phone-buyer/."""
from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from .conftest import add_to_cart, fits_the_screen

PHONE = {"width": 360, "height": 740}
ADDRESS = "Số 12, tổ 3"




def test_a_first_time_buyer_on_a_phone(new_page, journey):
    j = journey("phone-buyer")
    page = new_page()
    page.set_viewport_size(PHONE)
    email = f"lan-{secrets.token_hex(4)}@example.vn"

    with j.step("sign up: a new account ends signed in", page):
        page.goto("/tai-khoan/dang-ky")
        expect(page.locator("main")).to_contain_text("Xong là bạn đăng nhập luôn")
        page.locator("main #display_name").fill("Nông Thị Lan")
        page.locator("main #login").fill(email)
        page.locator("main #password").fill("mat-khau-cua-lan")
        page.locator("main #confirm").fill("mat-khau-cua-lan")
        page.get_by_role("button", name="Tạo tài khoản").click()
        page.wait_for_load_state()
        expect(page.locator(".flash").first).to_contain_text("bạn đã đăng nhập")
        expect(page.locator("header")).to_contain_text("Đăng xuất")

    with j.step("search: results first, the filters behind one Lọc button", page):
        page.goto("/tim-kiem?q=hat")
        summary = page.locator("details.search-filters > summary")
        expect(summary).to_have_text(re.compile(r"^\s*Lọc"))
        expect(page.locator("#min_price")).to_be_hidden()
        expect(page.locator("main .product-card").first).to_be_visible()
        assert fits_the_screen(page)

    with j.step("a price typed as 100k is understood", page):
        page.locator("details.search-filters > summary").click()
        page.locator("#min_price").fill("100k")
        page.locator("form.search-filter-form").get_by_role("button", name="Áp dụng").click()
        page.wait_for_url(re.compile(r"min_price=100k"))
        expect(page.locator(".active-filters")).to_contain_text("Giá từ 100.000")
        expect(page.locator("#min_price")).to_have_value("100.000")

    with j.step("a price that cannot be read is said beside the field", page):
        if not page.locator("#min_price").is_visible():
            page.locator("details.search-filters > summary").click()
        page.locator("#min_price").fill("một trăm")
        with page.expect_navigation() as nav:
            page.locator("form.search-filter-form").get_by_role("button", name="Áp dụng").click()
        assert nav.value.status == 400
        expect(page.locator("#price-errors")).to_contain_text("Chưa hiểu giá “một trăm”")
        expect(page.locator("#min_price")).to_be_visible()
        expect(page.locator("main .product-card").first).to_be_visible()

    with j.step("the sort applies as soon as it is chosen", page):
        page.goto("/tim-kiem?q=hat")
        page.locator("#sort").select_option("price_asc")
        page.wait_for_url(re.compile(r"sort=price_asc"))
        expect(page.locator(".sort-form").get_by_role("button", name="Xếp")).to_be_hidden()

    with j.step("Bán chạy: the best-selling products first, each saying how many were sold", page):
        page.goto("/san-pham")
        page.locator("#sort").select_option("best_selling")
        page.wait_for_url(re.compile(r"sort=best_selling"))
        expect(page.locator("main .product-card .sold-count").first).to_have_text(re.compile(r"^Đã bán \d"))

    with j.step("the product page says how many were sold", page):
        page.locator("main .product-card h3 a").first.click()
        page.wait_for_url(re.compile(r"/san-pham/"))
        expect(page.locator("main .sold-count")).to_have_text(re.compile(r"^Đã bán \d"))
        product_url = page.url
        add_to_cart(page, 1)

    with j.step("checkout: the province is blank until chosen", page):
        page.goto("/thanh-toan")
        form = page.locator("main form.form")
        expect(form.locator("#province_id")).to_have_value("")
        form.locator("#contact_name").fill("Nông Thị Lan")
        form.locator("#phone").fill("0912345678")
        form.locator("#province_id").select_option(label="Cao Bằng")
        form.locator("#commune").fill("Phường Thục Phán")
        form.locator("#address_line").fill(ADDRESS)
        form.get_by_label(re.compile("Chuyển khoản ngân hàng")).check()
        assert fits_the_screen(page)

    with j.step("the VietQR box names the bank and offers copy buttons and the picture", page):
        page.get_by_role("button", name="Xác nhận đặt hàng").click()
        page.wait_for_url(re.compile(r"/don-hang/[^/]+$"))
        box = page.locator("section.vietqr")
        expect(box).to_contain_text("Agribank")
        expect(box).not_to_contain_text("970405")
        expect(box.locator(".copy-btn")).to_have_count(3)
        expect(box.locator(".copy-btn").first).to_be_visible()
        save = box.get_by_role("link", name="Lưu ảnh QR")
        png = page.request.get(save.get_attribute("href"))
        assert png.status == 200 and png.headers["content-type"] == "image/png"
        assert png.body()[:8] == b"\x89PNG\r\n\x1a\n"
        box.scroll_into_view_if_needed()
        order_url = page.url

    with j.step("cancelling asks first, in a dialog (the confirm page's own form)", page):
        page.get_by_role("link", name="Hủy phần đơn này").first.click()
        dialog = page.locator("dialog.confirm-dialog")
        expect(dialog.locator("h1")).to_have_text("Hủy phần đơn này?")
        expect(dialog).to_contain_text("Việc này không hoàn tác được.")
        assert page.url == order_url  # the page stays where it was

    with j.step("'Không, quay lại' closes the dialog and changes nothing", page):
        dialog.get_by_role("link", name="Không, quay lại").click()
        expect(page.locator("dialog.confirm-dialog")).to_have_count(0)
        expect(page.get_by_role("link", name="Hủy phần đơn này").first).to_be_visible()

    with j.step("without JavaScript the same link is the confirm page", page):
        href = page.get_by_role("link", name="Hủy phần đơn này").first.get_attribute("href")
        page.goto(href)
        expect(page.locator("main h1")).to_have_text("Hủy phần đơn này?")
        page.get_by_role("link", name="Không, quay lại").click()
        page.wait_for_url(order_url)

    with j.step("yes in the dialog cancels the part", page):
        page.get_by_role("link", name="Hủy phần đơn này").first.click()
        page.locator("dialog.confirm-dialog").get_by_role("button", name="Có, hủy phần đơn").click()
        page.wait_for_url(order_url)
        expect(page.locator(".flash").first).to_contain_text("Đã hủy phần đơn.")

    with j.step("the next checkout fills in the address used", page):
        page.goto(product_url)
        add_to_cart(page, 1)
        page.goto("/thanh-toan")
        form = page.locator("main form.form")
        expect(form.locator("#address_line")).to_have_value(ADDRESS)
        expect(form.locator("#province_id option:checked")).to_have_text("Cao Bằng")
        expect(form.locator("#commune")).to_have_value("Phường Thục Phán")

    with j.step("the address book keeps it as the default", page):
        page.goto("/tai-khoan/dia-chi")
        first = page.locator("main .address-list li").first
        expect(first).to_contain_text(ADDRESS)
        expect(first).to_contain_text("Mặc định")
        assert fits_the_screen(page)

    with j.step("deleting a saved address asks first", page):
        first.get_by_role("link", name="Xoá").click()
        dialog = page.locator("dialog.confirm-dialog")
        expect(dialog.locator("h1")).to_have_text("Xoá địa chỉ này?")
        expect(dialog.locator(".facts")).to_contain_text(ADDRESS)
        expect(dialog.get_by_role("button", name="Có, xoá địa chỉ")).to_be_visible()
        assert fits_the_screen(page)

    with j.step("'Không, quay lại' keeps the address", page):
        dialog.get_by_role("link", name="Không, quay lại").click()
        expect(page.locator("dialog.confirm-dialog")).to_have_count(0)
        expect(page.locator("main .address-list li")).to_have_count(1)
