"""Staff journey: allocate a promotion week, put a project household's listing on the home page, and see a
buyer's order of it, once the producer has delivered it, in the outcome dashboard."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import BUYER, PRODUCER, STAFF, add_to_cart, checkout_cash_on_delivery, empty_cart, login, vnd

# Listings of the demo producer (Hộ bà Lục Thị Hoa, a poor household) tied to this demo support project
# (ocop_market/programs/demo.py). The week's draw gives a producer at most one place, so one of the two is free.
PROJECT = "CB-DA2-2024-01"
CANDIDATES = ("Hạt dẻ sấy nứt vỏ", "Hạt dẻ Trùng Khánh")
PROMO_LABEL = "Hỗ trợ miễn phí"  # the card's short form; the long one is its title and its screen-reader text
PROMO_TITLE = "Sản phẩm được hỗ trợ quảng bá miễn phí"
HOME_PLACEMENT = "Trang chủ"


def active_rows(page):
    return page.locator("main table.promo-table tr[id^='allocation-']:not(.promo-removed)")


def outcome_row(page):
    page.goto("/quan-tri/du-an/ket-qua")
    row = page.locator(f"main table.outcomes-table tr[data-key='{PROJECT}']")
    expect(row).to_have_count(1)
    cells = row.locator("td")
    return vnd(cells.nth(4).inner_text()), int(cells.nth(5).inner_text().strip())


def test_staff_promote_a_week_and_see_the_delivered_order_in_outcomes(new_page, journey):
    j = journey("staff")
    staff = new_page()

    with j.step("staff sign in and open the promotion desk", staff):
        login(staff, *STAFF)
        staff.goto("/quan-tri/quang-ba/")
        expect(staff.locator("main h1")).to_have_text("Phân bổ quảng bá miễn phí")

    with j.step("open next week, whose requests wait for the draw", staff):
        staff.locator("main .promo-week-pager a[rel=next]").click()
        next_week = re.search(r"week=(\d{4}-W\d{2})", staff.url).group(1)
        expect(staff.locator("main")).to_contain_text("Tuần này chưa phân bổ")
        expect(staff.locator("main").get_by_text("Đang chờ phân bổ").first).to_be_visible()

    with j.step(f"allocate week {next_week}", staff):
        staff.get_by_role("button", name=f"Phân bổ tuần {next_week}").click()
        expect(staff.locator(".flash").first).to_contain_text(f"Đã phân bổ tuần {next_week}")
        assert active_rows(staff).count() > 0, "the draw allocated no position"
        expect(staff.locator("main").get_by_text("Đang chờ phân bổ")).to_have_count(0)
        expect(staff.locator("main")).to_contain_text("Chạy lại không thay đổi gì")

    with j.step("this week: pick a project household's listing not promoted yet", staff):
        staff.goto("/quan-tri/quang-ba/")
        taken = " ".join(active_rows(staff).all_inner_texts())
        free = [name for name in CANDIDATES if name not in taken]
        assert free, f"every candidate listing already has a place this week: {CANDIDATES}"
        product_name = free[0]
        staff.goto("/quan-tri/san-pham")
        href = staff.locator("main").get_by_role("link", name=product_name, exact=True).first.get_attribute("href")
        product_id = int(re.search(r"/san-pham/(\d+)", href).group(1))

    with j.step("free a home position if the draw filled them all", staff):
        staff.goto("/quan-tri/quang-ba/")
        option = staff.locator("main #placement_id option", has_text=HOME_PLACEMENT)
        capacity = int(re.search(r"\((\d+)\)", option.inner_text()).group(1))
        home_rows = active_rows(staff).filter(has_text=HOME_PLACEMENT)
        if home_rows.count() >= capacity:
            last = home_rows.last
            last.locator("input[name=reason]").fill("Nhường chỗ cho hộ nghèo trong dự án hỗ trợ (kiểm thử)")
            last.get_by_role("button", name="Gỡ").click()
            expect(staff.locator(".flash").first).to_contain_text("Đã gỡ sản phẩm khỏi vị trí")
        assert active_rows(staff).filter(has_text=HOME_PLACEMENT).count() < capacity

    with j.step("pin the listing to the home page for this week", staff):
        pin = staff.locator("main form", has=staff.locator("#product_id"))
        pin.locator("#placement_id").select_option(value=option.get_attribute("value"))
        pin.locator("#product_id").fill(str(product_id))
        pin.locator("#reason").fill("Hộ nghèo trong dự án CB-DA2-2024-01, chưa được quảng bá tuần này")
        pin.get_by_role("button", name="Ghim").click()
        expect(staff.locator(".flash").first).to_contain_text("Đã ghim sản phẩm vào vị trí")
        expect(active_rows(staff).filter(has_text=HOME_PLACEMENT).filter(has_text=product_name)).to_have_count(1)

    with j.step("read the outcome dashboard before the sale", staff):
        revenue_before, orders_before = outcome_row(staff)

    buyer = new_page()
    with j.step("the home page shows the listing labelled as programme promotion", buyer):
        login(buyer, *BUYER)
        empty_cart(buyer)
        buyer.goto("/")
        card = buyer.locator("section[aria-labelledby=featured-h] .product-card").filter(has_text=product_name)
        expect(card).to_have_count(1)
        badge = card.locator(".badge-promo")
        expect(badge.locator(".badge-short")).to_have_text(PROMO_LABEL)
        expect(badge).to_have_attribute("title", PROMO_TITLE)
        widths = badge.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert widths[0] <= widths[1], f"the label is cut off (text {widths[0]} px in a {widths[1]} px badge)"

    with j.step("the buyer follows the promotion to the listing", buyer):
        card.get_by_role("link", name=product_name).click()
        buyer.wait_for_url(re.compile(r"/san-pham/"))
        expect(buyer.locator("main h1")).to_have_text(product_name)
        price = vnd(buyer.locator("main .price").first.inner_text().split("/")[0])

    with j.step("the buyer orders one, cash on delivery", buyer):
        add_to_cart(buyer, 1)
        code = checkout_cash_on_delivery(buyer)
        expect(buyer.locator("main")).to_contain_text(product_name)

    producer = new_page()
    with j.step("the producer finds the order", producer):
        login(producer, *PRODUCER)
        producer.goto("/gian-hang/don-hang/")
        producer.locator("main").get_by_role("link", name=code).click()
        expect(producer.locator("main h1")).to_contain_text(code)

    # the buttons say what they do (issue 14); the flash names the state the order reached
    for button, label in (("Xác nhận đơn", "Đã xác nhận"), ("Gửi hàng", "Đang giao"), ("Báo đã giao hàng", "Đã giao")):
        with j.step(f"the producer marks it {label}", producer):
            producer.locator("main").get_by_role("button", name=button, exact=True).click()
            expect(producer.locator(".flash").first).to_contain_text(f"{code}: {label}")

    with j.step("the buyer sees the order delivered", buyer):
        buyer.goto(f"/don-hang/{code}")
        expect(buyer.locator("main section.card h2").filter(has_text="Hộ bà Lục Thị Hoa")).to_contain_text("Đã giao")

    with j.step("the outcome dashboard counts the delivered order", staff):
        revenue_after, orders_after = outcome_row(staff)
        assert orders_after == orders_before + 1, f"orders {orders_before} -> {orders_after}"
        assert revenue_after - revenue_before == price, \
            f"revenue {revenue_before} -> {revenue_after}, expected + {price}"
