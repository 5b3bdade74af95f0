"""Issue 14 on a 360-pixel phone, as a producer and then as a buyer: the order list shows each order's value and state
without anything cut off; the order's buttons are deeds ("Xác nhận đơn", "Từ chối đơn"), never states; the listing
form's hints are plain words; promotion weeks read as dates, never as ISO week codes; the category bar shows that it
scrolls; the "OCOP 4★" and "Hỗ trợ miễn phí" badges fit their cards. Only a new order of the buyer's is added. Screenshots: test-artifacts/e2e/phone-producer/."""
from __future__ import annotations

import io
import re

from playwright.sync_api import expect

from .conftest import BUYER, PRODUCER, add_to_cart, checkout_cash_on_delivery, empty_cart, login

PHONE = {"width": 360, "height": 740}
OWN_SHOP = "Hộ bà Lục Thị Hoa"  # the demo producer's household
ISO_WEEK = re.compile(r"\b\d{4}-W\d{2}\b")
VND = re.compile(r"^\d{1,3}(\.\d{3})*\u00a0₫$")  # a no-break space keeps ₫ with its number


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


# Each row of the order list: its code, the value and state texts, and whether their boxes lie inside the viewport.
_ROWS = """() => [...document.querySelectorAll('main table.part-rows tbody tr')].map(tr => {
  const inside = el => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth + 0.5 && el.scrollWidth <= el.clientWidth + 1; };
  const value = tr.querySelector('.part-value'), state = tr.querySelector('.order-status');
  return {code: tr.querySelector('th').innerText, value: value.innerText.trim(), state: state.innerText.trim(),
          inside: inside(value) && inside(state)};
})"""


def _edge_shades(page, nav) -> tuple[float, float]:
    """How much darker than the bar's own middle its left and right edges are, the links' text made transparent for
    the picture (so only the bar's background is measured), in mean 0-255 grey levels."""
    from PIL import Image

    links = nav.locator("a")
    links.evaluate_all("els => els.forEach(a => a.style.color = 'transparent')")
    try:
        picture = Image.open(io.BytesIO(nav.screenshot(animations="disabled"))).convert("L")
    finally:
        links.evaluate_all("els => els.forEach(a => a.style.color = '')")
    width, height = picture.size
    band = range(height // 4, 3 * height // 4)

    def grey(x: int) -> float:
        return sum(picture.getpixel((x, y)) for y in band) / len(band)

    middle = grey(width // 2)
    return middle - grey(1), middle - grey(width - 2)


def test_a_producer_and_a_buyer_on_a_phone(new_page, journey):
    j = journey("phone-producer")
    producer = new_page()
    producer.set_viewport_size(PHONE)

    with j.step("producer: the order list shows value and state on a 360-px screen", producer):
        login(producer, *PRODUCER)
        producer.goto("/gian-hang/don-hang/")
        expect(producer.locator("main table.part-rows tbody tr").first).to_be_visible()
        states = {t.strip() for t in producer.locator("#status option").all_inner_texts()} - {"Tất cả"}
        rows = producer.evaluate(_ROWS)
        assert len(rows) >= 3, f"the demo producer has only {len(rows)} orders"
        for row in rows:
            assert VND.match(row["value"]), f"order {row['code']}: its value reads {row['value']!r}"
            assert row["state"] in states, f"order {row['code']}: its state reads {row['state']!r}"
            assert row["inside"], f"order {row['code']}: its value or state is cut off at 360 px"
        assert len({r["state"] for r in rows}) >= 2, "the demo orders are all in one state"
        assert _fits_the_screen(producer)

    with j.step("producer: order actions read as verbs", producer):
        # a new order of the producer's own, so the step does not depend on the demo's orders still being new
        buyer = new_page()
        buyer.set_viewport_size(PHONE)
        login(buyer, *BUYER)
        empty_cart(buyer)
        buyer.goto("/tim-kiem?q=hat+de+trung+khanh")
        buyer.locator("main .product-card").filter(has_text=OWN_SHOP).locator("h3 a").first.click()
        add_to_cart(buyer, 1)
        code = checkout_cash_on_delivery(buyer)
        buttons: dict[str, list[str]] = {}
        for status in ("placed", "confirmed", "shipped"):
            producer.goto(f"/gian-hang/don-hang/?status={status}")
            first = producer.locator("main table.part-rows tbody th a").first
            if not first.count():
                continue
            first.click()
            producer.wait_for_url(re.compile(r"/gian-hang/don-hang/[^/?]+$"))
            actions = producer.locator("main section.card").filter(has=producer.locator("h2", has_text="Cập nhật đơn"))
            buttons[status] = [t.strip() for t in actions.locator("button, a.btn").all_inner_texts()]
        assert buttons.get("placed") == ["Xác nhận đơn", "Từ chối đơn"], buttons
        for status, labels in buttons.items():
            for label in labels:
                assert label not in states, f"a {status} order's button says a state: {label!r}"
                assert not label.startswith("Đã "), f"a {status} order's button reads as a state: {label!r}"
        # the screenshot shows the new order's buttons
        producer.goto("/gian-hang/don-hang/?status=placed")
        producer.locator("main").get_by_role("link", name=code).click()
        producer.wait_for_url(re.compile(r"/gian-hang/don-hang/[^/?]+$"))
        expect(producer.get_by_role("button", name="Xác nhận đơn")).to_be_visible()
        expect(producer.locator("main a.btn-danger")).to_have_text("Từ chối đơn")
        assert _fits_the_screen(producer)

    with j.step("producer: the listing form's hints are plain words", producer):
        producer.goto("/gian-hang/san-pham/moi")
        hint = producer.locator("main #description").locator("xpath=..").locator(".hint")
        expect(hint).to_contain_text("Kể cho người mua")
        hints = producer.locator("main form .hint").all_inner_texts()
        assert hints, "the listing form has no hints"
        for text in hints:
            assert not re.search(r"\bHTML\b|<\w+>|markdown", text, re.IGNORECASE), f"a hint speaks jargon: {text!r}"
        assert _fits_the_screen(producer)

    with j.step("producer: promotion weeks shown as dates", producer):
        producer.goto("/gian-hang/")
        weeks = producer.locator("#promotion-weeks tbody th")
        expect(weeks.first).to_have_text(re.compile(r"^\d{2}/\d{2}( – |/\d{4} – )\d{2}/\d{2}/\d{4}$"))
        assert not ISO_WEEK.search(producer.locator("main").inner_text())
        producer.goto("/gian-hang/quang-ba/")
        choices = producer.locator("main .promo-week-list label")
        expect(choices.first).to_have_text(re.compile(r"\d{2}/\d{2}/\d{4}$"))
        assert not ISO_WEEK.search(producer.locator("main").inner_text())
        assert _fits_the_screen(producer)

    with j.step("buyer: the category bar shows that it scrolls", buyer):
        buyer.goto("/")
        nav = buyer.locator("header nav.main-nav")
        expect(nav).to_be_visible()
        assert nav.evaluate("el => el.scrollWidth > el.clientWidth + 8"), "the category bar fits 360 px: nothing to cue"
        left, right = _edge_shades(buyer, nav)
        assert right >= 8 and left < 3, f"at the start only the right edge is shaded (left {left:.1f}, right {right:.1f})"
        nav.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        left, right = _edge_shades(buyer, nav)
        assert left >= 8 and right < 3, f"at the end only the left edge is shaded (left {left:.1f}, right {right:.1f})"
        nav.evaluate("el => { el.scrollLeft = 0; }")
        assert _fits_the_screen(buyer)

    with j.step("buyer: the OCOP 4★ badge fits the card", buyer):
        buyer.goto("/san-pham")
        badges = buyer.locator("main .product-card .star-badge")
        expect(badges.first).to_be_visible()
        expect(buyer.locator("main .product-card .star-badge", has_text="OCOP 4★").first).to_be_visible()
        fits = buyer.evaluate("""() => [...document.querySelectorAll('main .product-card .star-badge')].map(b => {
          const card = b.closest('.product-card').getBoundingClientRect(), r = b.getBoundingClientRect();
          return {text: b.innerText.trim(), card: card.width, badge: r.width,
                  inside: r.left >= card.left && r.right <= card.right && b.scrollWidth <= b.clientWidth + 1};
        })""")
        for f in fits:
            assert f["card"] <= 170, f"a card is {f['card']:.0f} px wide at 360 px"
            assert f["inside"], f"badge {f['text']!r} ({f['badge']:.0f} px) overflows its {f['card']:.0f}-px card"
        assert _fits_the_screen(buyer)

    with j.step("buyer: the free-promotion badge fits the card", buyer):
        buyer.goto("/")
        expect(buyer.locator("main .product-card .badge-promo").first).to_be_visible()
        fits = buyer.evaluate("""() => [...document.querySelectorAll('main .product-card .badge-promo')].map(b => {
          const card = b.closest('.product-card').getBoundingClientRect(), r = b.getBoundingClientRect();
          const shown = b.querySelector('[aria-hidden=true]'), words = document.createRange();
          words.selectNodeContents(shown);  // one client rect per line the words take
          const lines = new Set([...words.getClientRects()].map(l => Math.round(l.top))).size;
          return {text: shown.innerText.trim(), card: card.width, lines,
                  inside: r.left >= card.left && r.right <= card.right};
        })""")
        for f in fits:
            assert f["text"] == "Hỗ trợ miễn phí", f"the card's badge reads {f['text']!r}"
            assert f["inside"] and f["lines"] == 1, f"the badge takes {f['lines']} lines in a {f['card']:.0f}-px card"
        assert _fits_the_screen(buyer)
