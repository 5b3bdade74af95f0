"""Issue 14, producers: what a household (and the hub acting for it) sees on its order pages.

The buttons say what they do ("Xác nhận đơn"), not the state they lead to ("Đã xác nhận"); the household's and
the hub's pages share one list, one body and one set of buttons; declining asks first on both."""
from __future__ import annotations

import re

from ocop_market.extensions import db
from ocop_market.orders import rules, services
from ocop_market.orders.models import OrderStatus, ProducerOrder
from tests.conftest import csrf_from, make_product
from tests.functional.test_confirm_undo import confirm_form
from tests.functional.test_hubs import _hub, world  # noqa: F401  (the fixture)
from tests.functional.test_hubs import _place as place_for_hub
from tests.functional.test_orders import _place, shop  # noqa: F401  (the fixture)


def buttons(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", b).strip() for b in re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)]


def main_of(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def status_of(po_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ProducerOrder, po_id).status


def test_every_step_a_producer_or_staff_may_take_has_a_verb_not_a_state():
    states = {str(label) for label in services.STATUS_LABELS.values()}
    for frm, to in rules.TRANSITIONS:
        label = services.action_label(frm, to)
        assert label and label not in states, (frm, to, label)
        # "Đã …" (done) is how a state reads, even when it is not one of the labels: "Đã giao xong" was a button
        assert not label.startswith("Đã "), (frm, to, label)


def test_the_producer_steps_read_as_verbs_at_every_step(client, auth, shop):  # noqa: F811
    order = _place(client, auth, shop)
    po = next(p for p in order.producer_orders if p.producer_id == shop["pa"].id)
    auth.login("a@ho.vn")
    url = f"/gian-hang/don-hang/{po.id}"
    html = main_of(client.get(url).get_data(as_text=True))
    assert buttons(html) == ["Xác nhận đơn"]
    assert f'href="{url}/huy" data-confirm-dialog>Từ chối đơn</a>' in html
    token = csrf_from(html)
    done = client.post(f"{url}/xac-nhan", data={"csrf_token": token}, follow_redirects=True)
    html = main_of(done.get_data(as_text=True))
    assert buttons(html) == ["Gửi hàng"]
    # once confirmed, the same link cancels rather than declines, and still asks first
    assert f'href="{url}/huy" data-confirm-dialog>Hủy đơn</a>' in html
    html = main_of(client.post(f"{url}/giao-hang", data={"csrf_token": token}, follow_redirects=True)
                   .get_data(as_text=True))
    assert buttons(html) == ["Báo đã giao hàng"] and "data-confirm-dialog" not in html
    html = main_of(client.post(f"{url}/da-giao", data={"csrf_token": token}, follow_redirects=True)
                   .get_data(as_text=True))
    assert buttons(html) == []
    assert status_of(po.id) == OrderStatus.DELIVERED


def test_the_hub_reads_the_same_verbs_and_its_decline_link_asks_first(client, auth, world):  # noqa: F811
    _hub(world)
    order = place_for_hub(world, make_product(world["linked"], stock=5))
    po = order.producer_orders[0]
    auth.login("htx@ocop.vn")
    url = f"/trung-tam/don-hang/{po.id}"
    html = main_of(client.get(url).get_data(as_text=True))
    assert buttons(html) == ["Xác nhận đơn"]  # was "Đã xác nhận" and a red "Đã hủy" button
    assert f'href="{url}/huy" data-confirm-dialog>Từ chối đơn</a>' in html
    ask = client.get(f"{url}/huy")
    page = ask.get_data(as_text=True)
    assert ask.status_code == 200 and f"Từ chối đơn {order.code}?" in page and "Hạt dẻ Trùng Khánh × 2" in page
    assert status_of(po.id) == OrderStatus.PLACED
    form = confirm_form(page)
    assert form["action"] == f"{url}/huy"
    done = client.post(form["action"], data={**form["fields"], "note": "Hộ hết hàng"})
    assert done.status_code == 302 and done.headers["Location"] == url
    assert status_of(po.id) == OrderStatus.CANCELLED
    events = db.session.get(ProducerOrder, po.id).events
    assert events[-1].note == "Hộ hết hàng" and events[-1].hub_id is not None


def test_the_order_lists_name_state_and_value_in_each_row_for_a_phone(client, auth, shop, world):  # noqa: F811
    order = _place(client, auth, shop)
    auth.login("a@ho.vn")
    html = main_of(client.get("/gian-hang/don-hang/").get_data(as_text=True))
    row = re.search(rf"<tr[^>]*>\s*<th[^>]*>.*?{order.code}.*?</tr>", html, re.S).group(0)
    # code, state and value first, each cell named by its column: the stacked card on a narrow screen
    assert re.search(r'data-label="Mã đơn".*data-label="Trạng thái">\s*<span class="badge[^"]*">Đã đặt</span>'
                     r'.*data-label="Giá trị" class="part-value">330.000\xa0₫', row, re.S), row
    assert '<table class="part-rows">' in html
    auth.logout()
    _hub(world)
    hub_order = place_for_hub(world, make_product(world["linked"], stock=5))
    auth.login("htx@ocop.vn")
    html = main_of(client.get("/trung-tam/").get_data(as_text=True))
    assert '<table class="part-rows">' in html and f'data-label="Hộ">{world["linked"].name}</td>' in html
    assert hub_order.code in html


def test_the_stacked_order_list_is_styled_for_narrow_screens(client):
    css = client.get("/static/css/main.css").get_data(as_text=True)
    narrow = css[css.index("@media (max-width: 639px)"):]
    assert ".part-rows tr" in narrow and "content: attr(data-label)" in narrow


def test_the_dashboard_opens_with_new_orders_and_their_count(client, auth, shop):  # noqa: F811
    auth.login("a@ho.vn")
    html = main_of(client.get("/gian-hang/").get_data(as_text=True))
    assert "Không có đơn nào đang chờ." in html and 'class="count-badge"' not in html
    auth.logout()
    parts = []
    for _ in range(3):
        order = services.place_order(shop["buyer"], {shop["chestnut"].id: 1, shop["noodles"].id: 1},
                                     services.CheckoutData(contact_name="Chị Mai", phone="0987654321",
                                                           address_line="Số 1", commune="Phường Thục Phán",
                                                           province_id=shop["pa"].province_id, payment_method="cod"))
        db.session.commit()
        parts.append(next(p.id for p in order.producer_orders if p.producer_id == shop["pa"].id))
    auth.login("a@ho.vn")
    token = csrf_from(client.get(f"/gian-hang/don-hang/{parts[0]}").get_data(as_text=True))
    client.post(f"/gian-hang/don-hang/{parts[0]}/xac-nhan", data={"csrf_token": token})
    html = main_of(client.get("/gian-hang/").get_data(as_text=True))
    # first on the page, before the profile card: "Đơn mới 2" (the confirmed one is no longer new)
    assert html.index("Đơn mới") < html.index("Trạng thái hồ sơ")
    assert '<h2 id="new-orders-h">Đơn mới <span class="count-badge">2</span></h2>' in html
    assert "2 đơn đang chờ bạn xác nhận hoặc từ chối." in html
    assert f'href="/gian-hang/don-hang/{parts[1]}"' in html and f'href="/gian-hang/don-hang/{parts[2]}"' in html
    assert f'href="/gian-hang/don-hang/{parts[0]}"' not in html
    # the other household's orders are theirs: three new ones
    auth.logout()
    auth.login("b@ho.vn")
    html = main_of(client.get("/gian-hang/").get_data(as_text=True))
    assert '<span class="count-badge">3</span>' in html


#: words a household should not have to know to fill in its own forms (issue 14: "Văn bản thường, không dùng HTML")
JARGON = ("HTML", "Văn bản thường", "văn bản thường", "Số nguyên", "số nguyên", "JPEG", "GPS", "phân loại hộ")


def test_the_producer_forms_speak_plainly(client, auth, shop):  # noqa: F811
    from tests.conftest import make_user

    make_user("moi@ho.vn", role="producer")
    db.session.commit()
    auth.login("moi@ho.vn")
    onboarding = main_of(client.get("/gian-hang/dang-ky-co-so").get_data(as_text=True))
    assert "Viết như khi kể cho người mua nghe; chỗ bạn xuống dòng sẽ được giữ nguyên." in onboarding
    assert "Ngày xã công nhận" in onboarding
    auth.logout()
    auth.login("a@ho.vn")
    pages = {path: main_of(client.get(path).get_data(as_text=True)) for path in (
        "/gian-hang/ho-so", "/gian-hang/san-pham/moi", f"/gian-hang/san-pham/{shop['chestnut'].id}/sua",
        f"/gian-hang/san-pham/{shop['chestnut'].id}/anh")}
    pages["/gian-hang/dang-ky-co-so"] = onboarding
    for path, html in pages.items():
        for word in JARGON:
            assert word not in html, (path, word)
    form = pages["/gian-hang/san-pham/moi"]
    assert "Mô tả sản phẩm" in form and "sản phẩm làm từ gì, làm thế nào" in form
    assert "Giá của một đơn vị bán, tính bằng đồng; chỉ ghi chữ số" in form
    assert "Bạn còn bao nhiêu đơn vị để bán; ghi 0 nếu tạm hết hàng." in form
    # a price typed with a decimal comma gets a message in the same plain words
    token = csrf_from(form)
    resp = client.post("/gian-hang/san-pham/moi", data={"csrf_token": token, "name": "Miến", "group_id": "1",
                                                         "unit": "gói", "price_vnd": "12,5", "stock": "3"})
    assert resp.status_code == 400
    assert "Vui lòng chỉ ghi chữ số, không có dấu phẩy hay chữ cái (ví dụ 125000 hoặc 125.000)." in \
        resp.get_data(as_text=True)
