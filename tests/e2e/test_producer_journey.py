"""Producer journey: a new listing with a photo, submitted; staff approve it; buyers find it by search."""
from __future__ import annotations

import re
import time

from PIL import Image
from playwright.sync_api import expect

from .conftest import PRODUCER, STAFF, login

NAME = "Bánh gai lá ngải Trùng Khánh"
SEARCH_WORDS = "banh gai la ngai"  # typed without diacritics, as on a phone keyboard without Telex
# The outbox applier indexes right after the commit; a busy index lock defers it to the next poll (30 s).
SEARCH_WAIT_S = 45


def make_png(path) -> None:
    img = Image.new("RGB", (640, 480), (120, 160, 60))
    for x in range(0, 640, 40):
        for y in range(0, 480, 40):
            if (x // 40 + y // 40) % 2:
                img.paste((200, 170, 90), (x, y, x + 40, y + 40))
    img.save(path, "PNG")


def assert_image_loads(page, img) -> None:
    """The <img> (lazy-loaded) is fetched and decoded: the served photo is a real image."""
    img.scroll_into_view_if_needed()
    page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=img.element_handle(), timeout=10_000)


def test_producer_lists_with_photo_staff_approve_buyers_find_it(new_page, journey, tmp_path):
    j = journey("producer")
    producer = new_page()
    photo = tmp_path / "banh-gai.png"
    make_png(photo)

    with j.step("sign in as the demo producer", producer):
        login(producer, *PRODUCER)
        producer.goto("/gian-hang/")
        expect(producer.locator("main")).to_contain_text("Hộ bà Lục Thị Hoa")

    with j.step("open the new listing form", producer):
        producer.locator("main").get_by_role("link", name="Thêm sản phẩm").click()
        producer.wait_for_url(re.compile(r"/gian-hang/san-pham/moi$"))
        expect(producer.locator("main h1")).to_have_text("Thêm sản phẩm")

    with j.step("fill and save the draft", producer):
        form = producer.locator("main form")
        form.locator("#name").fill(NAME)
        form.locator("#group_id").select_option(label="Thực phẩm")
        form.locator("#description").fill("Bánh gai nhân đỗ xanh, dừa và lạc, gói lá chuối khô.\nLàm tay mỗi sáng.")
        form.locator("#unit").fill("hộp 10 bánh")
        form.locator("#price_vnd").fill("95.000")
        form.locator("#stock").fill("40")
        form.get_by_role("button", name="Lưu").click()
        producer.wait_for_url(re.compile(r"/gian-hang/san-pham/\d+/anh$"))
        expect(producer.locator(".flash").first).to_contain_text("Đã lưu bản nháp")

    with j.step("upload a photo", producer):
        form = producer.locator("main form[enctype='multipart/form-data']")
        form.locator("#photos").set_input_files(str(photo))
        form.locator("#alt_text").fill("Hộp bánh gai mở nắp")
        form.get_by_role("button", name="Tải lên").click()
        expect(producer.locator(".flash").first).to_contain_text("Đã thêm 1 ảnh")
        thumb = producer.locator(".photo-grid img").first
        expect(thumb).to_be_visible()
        assert_image_loads(producer, thumb)

    with j.step("submit the listing for review", producer):
        producer.get_by_role("button", name="Gửi duyệt").click()
        producer.wait_for_url(re.compile(r"/gian-hang/$"))
        expect(producer.locator(".flash").first).to_contain_text("Đã gửi sản phẩm để cán bộ duyệt")
        expect(producer.locator("main")).to_contain_text(NAME)

    buyer = new_page()
    with j.step("while pending review it is not public", buyer):
        buyer.goto(f"/tim-kiem?q={SEARCH_WORDS.replace(' ', '+')}")
        expect(buyer.locator("main h1")).to_contain_text(SEARCH_WORDS)
        expect(buyer.locator("main").get_by_role("link", name=NAME)).to_have_count(0)

    staff = new_page()
    with j.step("staff sign in and open the review queue", staff):
        login(staff, *STAFF)
        staff.goto("/quan-tri/san-pham/cho-duyet")
        expect(staff.locator("main").get_by_role("link", name=NAME)).to_be_visible()

    with j.step("staff open the listing", staff):
        staff.locator("main").get_by_role("link", name=NAME).click()
        staff.wait_for_url(re.compile(r"/quan-tri/san-pham/\d+$"))
        expect(staff.locator("main h1")).to_contain_text(NAME)

    with j.step("staff approve it", staff):
        staff.get_by_role("button", name="Duyệt sản phẩm").click()
        expect(staff.locator(".flash").first).to_contain_text("đã hiển thị công khai")

    with j.step("a visitor finds it by searching without diacritics", buyer):
        deadline = time.monotonic() + SEARCH_WAIT_S
        link = buyer.locator("main").get_by_role("link", name=NAME).first
        while True:
            buyer.goto(f"/tim-kiem?q={SEARCH_WORDS.replace(' ', '+')}")
            if link.count() or time.monotonic() > deadline:
                break
            time.sleep(1)
        expect(link).to_be_visible()

    with j.step("the public listing shows the photo", buyer):
        link.click()
        expect(buyer.locator("main h1")).to_have_text(NAME)
        cover = buyer.locator("main .gallery img").first
        expect(cover).to_be_visible()
        assert_image_loads(buyer, cover)
        expect(buyer.locator("main")).to_contain_text("95.000")
