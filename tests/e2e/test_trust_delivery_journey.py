"""Trust and delivery (issue 17), in Chromium: a buyer orders, the producer ships it through GHN (the fake GHN API on
loopback), GHN's signed tracking callback moves the parcel to delivered, the buyer reviews what came, asks a return,
the producer accepts, and the refund is recorded; the buyer sees each step."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import (
    BUYER,
    CARRIER_WEBHOOK_SECRET,
    PRODUCER,
    STAFF,
    add_to_cart,
    checkout_cash_on_delivery,
    empty_cart,
    login,
    vnd,
)

PRODUCT = "Hạt dẻ Trùng Khánh"
SHOP = "Hộ bà Lục Thị Hoa"  # the demo producer's own household
SUBSIDY = "Đưa nông sản Trùng Khánh về xuôi"  # the demo's shipping subsidy, for that project's households


def open_own_product(page) -> None:
    page.goto("/tim-kiem?q=hat+de+trung+khanh")
    page.locator("main .product-card").filter(has_text=SHOP).locator("h3 a").first.click()
    page.wait_for_url(re.compile(r"/san-pham/"))
    expect(page.locator("main h1")).to_have_text(PRODUCT)


def producer_order_page(page, code: str) -> None:
    page.goto("/gian-hang/don-hang/")
    page.locator("main").get_by_role("link", name=code).first.click()
    expect(page.locator("main h1")).to_contain_text(code)


def test_order_ship_deliver_review_return_refund(new_page, journey, ghn, server):
    j = journey("trust-delivery")
    buyer = new_page()

    with j.step("the product page tells the expected shipping fee from the household, by zone", buyer):
        login(buyer, *BUYER)
        empty_cart(buyer)
        open_own_product(buyer)
        estimate = buyer.locator("main .shipping-estimate")
        expect(estimate.get_by_role("heading")).to_have_text("Phí giao dự kiến")
        expect(estimate).to_contain_text("gửi từ Cao Bằng")
        expect(estimate.locator(".fee-estimate li")).to_have_count(4)
        expect(estimate.locator(".fee-estimate li").first).to_contain_text("Cùng xã/phường")

    with j.step("the buyer puts two bags of the household's chestnuts in the cart", buyer):
        add_to_cart(buyer, 2)
        expect(buyer.locator(".cart-shipment h2")).to_have_text([SHOP])

    with j.step("the cart quotes the household's fee to the buyer's province and commune", buyer):
        fee_line = buyer.locator(".cart-shipment").filter(has_text=SHOP).locator(".shipment-fee")
        ship_to = buyer.locator("main form.ship-to")
        # (Before a choice the cart prices to the buyer's usual address, or else to the farthest zone.)
        ship_to.locator("#tinh").select_option(label="TP. Hồ Chí Minh")
        ship_to.locator("#xa").fill("Phường Bến Thành")
        ship_to.get_by_role("button", name="Tính phí giao hàng").click()
        buyer.wait_for_url(re.compile(r"/gio-hang$"))
        expect(fee_line).to_contain_text("Liên miền")  # from Cao Bằng to the south
        widest = int(fee_line.get_attribute("data-fee-vnd") or 0)
        ship_to.locator("#tinh").select_option(label="Cao Bằng")
        ship_to.locator("#xa").fill("Phường Thục Phán")
        ship_to.get_by_role("button", name="Tính phí giao hàng").click()
        buyer.wait_for_url(re.compile(r"/gio-hang$"))
        expect(fee_line).to_contain_text("Trong tỉnh")
        fee_vnd = int(fee_line.get_attribute("data-fee-vnd") or 0)
        assert 0 < fee_vnd < widest
        expect(buyer.locator("#shipping-total")).to_have_text(f"{fee_vnd:,} ₫".replace(",", "."))

    with j.step("the cart takes the programme's shipping subsidy off the household's fee", buyer):
        subsidy = buyer.locator(".cart-shipment").filter(has_text=SHOP).locator(".shipping-subsidy")
        expect(subsidy).to_contain_text(f"Hỗ trợ phí giao của chương trình “{SUBSIDY}”")
        subsidy_vnd = int(subsidy.get_attribute("data-subsidy-vnd") or 0)
        assert subsidy_vnd > 0
        expect(buyer.locator("#subsidy-total")).to_have_text(re.compile(rf"−{subsidy_vnd:,}".replace(",", ".")))
        cart_total = vnd(buyer.locator("#cart-total").inner_text())
        goods = vnd(buyer.locator(".cart-summary dd").first.inner_text())
        assert cart_total == goods + fee_vnd - subsidy_vnd  # the quoted fee, less the programme's part

    with j.step("the buyer orders, cash on delivery, and pays the total the cart showed", buyer):
        code = checkout_cash_on_delivery(buyer)
        part = buyer.locator("main section.card").filter(has_text=SHOP).first
        expect(part).to_contain_text(PRODUCT)
        expect(part.locator(".shipping-subsidy")).to_have_attribute("data-subsidy-vnd", str(subsidy_vnd))
        summary = buyer.locator("main section.card").filter(has_text="Giao đến")
        expect(summary).to_contain_text("Hỗ trợ phí giao của chương trình")
        expect(summary.locator("dd").last).to_have_text(f"{cart_total:,} ₫".replace(",", "."))

    producer = new_page()
    with j.step("the producer confirms the order", producer):
        login(producer, *PRODUCER)
        producer_order_page(producer, code)
        producer.get_by_role("button", name="Xác nhận đơn").click()
        expect(producer.locator(".flash").first).to_be_visible()
        expect(producer.get_by_role("button", name="Gửi hàng")).to_be_visible()

    with j.step("the producer sends the parcel through GHN", producer):
        ship = producer.locator("form.ship-form")
        ship.get_by_label("Giao Hàng Nhanh (GHN)").check()
        ship.get_by_role("button", name="Gửi hàng").click()
        expect(producer.locator(".flash").first).to_be_visible()
        tracking = producer.locator("main .shipment .tracking-code")
        expect(tracking).to_have_text(re.compile(r"^GHN"))
        tracking_code = tracking.inner_text().strip()
        assert ghn.orders[tracking_code]["cod_amount"] > 0  # cash on delivery: GHN collects it
        assert ghn.orders[tracking_code]["request"]["weight"] >= 2 * 500  # the parcel's weight the fee was priced on

    with j.step("the buyer sees the parcel and its GHN tracking code", buyer):
        buyer.goto(f"/don-hang/{code}")
        shipment = buyer.locator("main .shipment")
        expect(shipment).to_contain_text("Giao Hàng Nhanh (GHN)")
        expect(shipment.locator(".tracking-code")).to_have_text(tracking_code)

    with j.step("GHN's signed callbacks move the parcel to delivered", buyer):
        hook = f"{server}/carriers/ghn/webhook"
        for status in ("picking", "delivering", "delivered"):
            answer = ghn.send_webhook(hook, tracking_code, status, secret=CARRIER_WEBHOOK_SECRET)
            assert answer[0] == 200, answer
        forged = ghn.send_webhook(hook, tracking_code, "returned", secret="not-the-secret")
        assert forged[0] == 401, forged  # only the relay's signature moves a parcel
        buyer.goto(f"/don-hang/{code}")
        shipment = buyer.locator("main .shipment")
        expect(shipment).to_contain_text("Đã giao thành công")
        steps = shipment.locator(".tracking-events li")
        expect(steps.first).to_contain_text("Đã giao thành công")  # newest first
        assert steps.count() >= 3, steps.all_inner_texts()
        expect(buyer.locator("main section.card").filter(has_text=SHOP).first).to_contain_text("Đã giao")

    with j.step("the buyer reviews what came: five stars and a word", buyer):
        buyer.goto(f"/don-hang/{code}")
        buyer.locator("main").get_by_role("link", name="Viết đánh giá").first.click()
        expect(buyer.locator("main h1")).to_contain_text(PRODUCT)
        form = buyer.locator("main form.form")
        form.get_by_label("5", exact=True).check()
        form.locator("#body").fill("Hạt dẻ bùi, thơm, đóng gói cẩn thận.")
        form.get_by_role("button", name="Gửi đánh giá").click()
        buyer.wait_for_url(re.compile(rf"/don-hang/{code}$"))
        expect(buyer.locator(".flash").first).to_contain_text("Đã lưu đánh giá")

    with j.step("the review is on the product page for every visitor", buyer):
        visitor = new_page()
        open_own_product(visitor)
        reviews = visitor.locator("main #danh-gia")
        expect(reviews).to_contain_text("Hạt dẻ bùi, thơm, đóng gói cẩn thận.")
        expect(reviews).to_contain_text("Đã mua hàng")

    with j.step("the buyer asks to return one bag", buyer):
        buyer.goto(f"/don-hang/{code}")
        buyer.locator("main").get_by_role("link", name="Yêu cầu trả hàng / hoàn tiền").first.click()
        expect(buyer.locator("main h1")).to_have_text("Yêu cầu trả hàng")
        form = buyer.locator("main form.form")
        form.get_by_label(re.compile(PRODUCT)).fill("1")
        form.get_by_label("Hàng bị hỏng, vỡ hoặc hư khi nhận").check()
        form.locator("#description").fill("Một túi bị rách, hạt dẻ bị ẩm.")
        form.get_by_role("button", name="Gửi yêu cầu").click()
        expect(buyer.locator(".flash").first).to_be_visible()
        expect(buyer.locator("main")).to_contain_text("Chờ người bán trả lời")

    with j.step("the producer reads the request", producer):
        producer.goto("/gian-hang/tra-hang/")
        producer.locator("main").get_by_role("link", name=code).first.click()
        expect(producer.locator("main")).to_contain_text("Một túi bị rách, hạt dẻ bị ẩm.")

    with j.step("the producer accepts, after a confirm dialog", producer):
        producer.get_by_role("link", name="Chấp nhận, hoàn tiền").click()
        dialog = producer.locator("dialog.confirm-dialog")
        expect(dialog.locator("h1")).to_have_text(f"Chấp nhận trả hàng đơn {code}?")
        dialog.get_by_role("button", name="Có, chấp nhận và hoàn tiền").click()
        expect(producer.locator(".flash").first).to_contain_text("Đã chấp nhận trả hàng")

    staff = new_page()
    with j.step("staff record the cash refund sent", staff):
        login(staff, *STAFF)
        staff.goto(f"/quan-tri/don-hang/{code}")
        staff.get_by_role("button", name="Đã hoàn tiền").click()
        expect(staff.locator(".flash").first).to_be_visible()
        expect(staff.locator("main")).to_contain_text("đã hoàn")

    with j.step("the buyer sees the refund on the order", buyer):
        buyer.goto(f"/don-hang/{code}")
        expect(buyer.locator("main")).to_contain_text("Đã hoàn")


ORGANISATION = ("bepan@ocop.local", "ocop-org-2026")  # the demo's school canteen (an organisation account)
CASE = 300


def test_an_organisation_gets_a_quote_for_300_packs_and_orders_it(new_page, journey):
    j = journey("organisation-quote")
    org = new_page()

    with j.step("the school canteen asks the household for a quote for 300 bags", org):
        login(org, *ORGANISATION)
        open_own_product(org)
        org.locator("main").get_by_role("link", name="Yêu cầu báo giá").click()
        form = org.locator("main form")
        form.get_by_label("Số lượng cần mua").fill(str(CASE))
        form.get_by_label("Tỉnh/thành phố nhận hàng").select_option(label="Cao Bằng")
        form.get_by_label("Ghi chú cho người bán (quy cách đóng gói, hóa đơn…)").fill("Giao trước Tết, có hóa đơn.")
        form.get_by_role("button", name="Gửi yêu cầu báo giá").click()
        org.wait_for_url(re.compile(r"/bao-gia/\d+$"))
        expect(org.locator("main")).to_contain_text("Chờ người bán báo giá")
        quote_url = org.url
        quote_no = "BG" + quote_url.rsplit("/", 1)[1]

    producer = new_page()
    with j.step("the household answers with a case price and a date", producer):
        login(producer, *PRODUCER)
        producer.goto("/gian-hang/bao-gia/")
        producer.locator("main").get_by_role("link", name=quote_no, exact=True).click()
        expect(producer.locator("main")).to_contain_text("Giao trước Tết, có hóa đơn.")
        form = producer.locator("main form").filter(has=producer.get_by_role("button", name="Gửi báo giá"))
        form.get_by_label("Đơn giá báo (đồng / đơn vị)").fill("120000")
        soon = producer.evaluate("() => { const d = new Date(Date.now() + 10 * 864e5); return d.toISOString().slice(0, 10); }")
        form.get_by_label("Ngày giao hàng").fill(soon)
        form.get_by_label("Báo giá có hiệu lực đến hết ngày").fill(soon)
        form.get_by_role("button", name="Gửi báo giá").click()
        expect(producer.locator(".flash").first).to_be_visible()

    with j.step("the canteen accepts and orders the 300 bags at the quoted price", org):
        org.goto(quote_url)
        expect(org.locator("main")).to_contain_text("120.000")
        org.get_by_role("link", name="Đồng ý và đặt hàng").or_(org.get_by_role("button", name="Đồng ý và đặt hàng")).click()
        org.wait_for_url(re.compile(r"/bao-gia/\d+/dat-hang$"))
        form = org.locator("main form.form")
        form.locator("#contact_name").fill("Bếp ăn Trường Tiểu học Trùng Khánh")
        form.locator("#phone").fill("0912345678")
        form.locator("#address_line").fill("Số 5, đường Lê Lợi")
        form.locator("#commune").fill("Thị trấn Trùng Khánh")
        form.get_by_label("Thanh toán khi nhận hàng (COD)").check()
        org.get_by_role("button", name="Xác nhận đặt hàng").click()
        org.wait_for_url(re.compile(r"/don-hang/[^/]+$"))
        expect(org.locator(".flash").first).to_contain_text("Đặt hàng thành công")
        part = org.locator("main section.card").filter(has_text=SHOP).first
        expect(part).to_contain_text(PRODUCT)
        expect(part.locator("tbody tr").first).to_contain_text(str(CASE))
        expect(part.locator("tbody tr").first).to_contain_text(f"{120_000 * CASE:,} ₫".replace(",", "."))
        expect(org.locator("main")).to_contain_text("Ngày giao hẹn")
