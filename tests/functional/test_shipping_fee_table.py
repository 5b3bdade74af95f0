"""Shipping that matches the parcel (issue 17): staff edit a fee table by zone and weight band; the product page shows
"phí giao dự kiến", the cart prices each household's parcel to the province the buyer names, checkout to the address
typed ("Tính phí giao hàng" quotes it first), and the order keeps the fee, weight and zone it was priced on. Without a
table every parcel costs the flat fee, as before."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ocop_market.audit import AuditEntry
from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.orders import fees
from ocop_market.orders.models import Order, ShippingRate
from ocop_market.places import Province
from tests.conftest import Auth, csrf_from, make_producer, make_product, make_user

ADDRESS = {"contact_name": "Nông Thị Mai", "phone": "0912 345 678", "address_line": "Số 5, bản Pác Bó",
           "payment_method": "cod"}


def _province(code: str) -> int:
    return db.session.scalar(select(Province.id).where(Province.code == code))


def _table_form(page: str, **cells) -> dict:
    """The staff form as shown (every input's value), with `cells` changed."""
    data = dict(re.findall(r'<input[^>]*?name="([a-z_0-9]+)"[^>]*?value="([^"]*)"', page))
    data.update({k: str(v) for k, v in cells.items()})
    data["csrf_token"] = csrf_from(page)
    return data


@pytest.fixture
def shop(ctx):
    staff = make_user("canbo@example.vn", role="staff")
    make_user("mua@khach.vn")
    household = make_producer(name="Hộ bà Lục Thị Hoa", commune="Xã Trùng Khánh")  # Cao Bằng, the north
    nuts = make_product(household, name="Hạt dẻ Trùng Khánh", price=100_000, stock=50)
    nuts.weight_grams = 550
    db.session.commit()
    return {"staff": staff, "household": household, "nuts": nuts}


def _save_default_table(app, shop):
    with app.test_request_context():
        fees.save_table(fees.default_input(), shop["staff"])
        db.session.commit()


def _add(client, product, quantity="1"):
    token = csrf_from(client.get(f"/san-pham/{product.slug}").get_data(as_text=True))
    assert client.post(f"/gio-hang/them/{product.id}", data={"quantity": quantity, "csrf_token": token}).status_code == 302


def _fees_shown(html: str) -> list[str]:
    return re.findall(r'class="muted shipment-fee" data-fee-vnd="(\d+)"', html)


# ---------------------------------------------------------------- staff edit the table
def test_staff_save_the_table_from_the_suggested_one_and_the_audit_names_them(app, client, shop):
    Auth(client).login("canbo@example.vn")
    page = client.get("/quan-tri/phi-giao-hang/").get_data(as_text=True)
    assert "Chưa có bảng phí" in page and 'value="16500"' in page  # the suggestion, not yet in use
    resp = client.post("/quan-tri/phi-giao-hang/", data=_table_form(page, fee_province_0="18000"))
    assert resp.status_code == 302
    assert fees.current_input().fees["province"][0] == 18_000
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shipping_fees.save"))
    assert entry.actor_id == shop["staff"].id
    page = client.get("/quan-tri/phi-giao-hang/").get_data(as_text=True)
    assert "Chưa có bảng phí" not in page and 'value="18000"' in page


@pytest.mark.parametrize("cells, message", [
    ({"band_1": "400"}, "tăng dần"),
    ({"fee_region_2": ""}, "cả bốn vùng cho mức 3"),
    ({"fee_commune_0": "mười lăm nghìn"}, None),
    ({"fee_nationwide_1": "9000000"}, None),
    ({"band_5": "", "fee_commune_5": "5000"}, "chưa có khối lượng"),
    ({"extra_region": "-5"}, None),
])
def test_a_refused_table_says_why_in_vietnamese_and_keeps_the_saved_one(app, client, shop, cells, message):
    _save_default_table(app, shop)
    Auth(client).login("canbo@example.vn")
    page = client.get("/quan-tri/phi-giao-hang/").get_data(as_text=True)
    before = db.session.scalar(select(func.count(ShippingRate.id)))
    resp = client.post("/quan-tri/phi-giao-hang/", data=_table_form(page, **cells))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'class="errors"' in html or "flash-error" in html
    if message:
        assert message in html
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ShippingRate.id))) == before
    assert fees.current_input() == fees.default_input()


def test_buyers_cannot_open_the_table(client, shop):
    Auth(client).login("mua@khach.vn")
    assert client.get("/quan-tri/phi-giao-hang/").status_code == 403


# ---------------------------------------------------------------- shown to buyers
def test_the_product_page_shows_the_fee_by_zone_and_a_new_table_shows_on_the_cached_page(app, shop):
    visitor = app.test_client()
    url = f"/san-pham/{shop['nuts'].slug}"
    page = visitor.get(url).get_data(as_text=True)
    assert "Phí giao dự kiến" in page and "30.000\u00a0₫ cho mỗi hộ sản xuất" in page  # no table: the flat fee
    _save_default_table(app, shop)
    page = visitor.get(url).get_data(as_text=True)
    assert "Một túi 500g (550 g) gửi từ Cao Bằng" in page
    for label, fee in (("Cùng xã/phường", "17.000"), ("Trong tỉnh", "19.000"), ("Cùng miền", "29.000"),
                       ("Liên miền", "38.000")):
        assert f"<li>{label}: <strong>{fee}\u00a0₫</strong></li>" in page, label
    assert "16.500" not in page  # 550 g is in the 1 kg band, not the 500 g one


def test_the_cart_prices_each_parcel_to_the_province_the_buyer_names(app, shop):
    _save_default_table(app, shop)
    buyer = app.test_client()
    _add(buyer, shop["nuts"], "2")  # 2 × 550 g = 1,1 kg: the 2 kg band
    cart = buyer.get("/gio-hang").get_data(as_text=True)
    assert _fees_shown(cart) == ["47000"] and "vùng xa nhất" in cart  # not chosen yet: the most it can cost
    assert "Liên miền, 1,1 kg" in cart
    for code, commune, fee, zone in (("CB", "Trùng Khánh", "20000", "Cùng xã/phường"), ("CB", "", "23000", "Trong tỉnh"),
                                     ("HN", "", "35000", "Cùng miền"), ("HCM", "Phường Bến Thành", "47000", "Liên miền")):
        token = csrf_from(cart)
        resp = buyer.post("/gio-hang/phi-giao", data={"tinh": str(_province(code)), "xa": commune, "csrf_token": token})
        assert resp.status_code == 302
        cart = buyer.get("/gio-hang").get_data(as_text=True)
        assert _fees_shown(cart) == [fee] and f"{zone}, 1,1 kg" in cart, code
        assert f'<dd id="shipping-total">{int(fee):,}\u00a0₫</dd>'.replace(",", ".") in cart
    refused = buyer.post("/gio-hang/phi-giao", data={"tinh": "", "csrf_token": csrf_from(cart)})
    assert refused.status_code == 400 and "Vui lòng chọn tỉnh/thành phố." in refused.get_data(as_text=True)


def test_checkout_prices_to_the_address_typed_quotes_it_and_never_charges_more_than_shown(app, client, shop):
    _save_default_table(app, shop)
    Auth(client).login("mua@khach.vn")
    _add(client, shop["nuts"], "1")  # 550 g: the 1 kg band
    page = client.get("/thanh-toan").get_data(as_text=True)
    near = dict(ADDRESS, province_id=str(_province("CB")), commune="Xã Trùng Khánh", csrf_token=csrf_from(page))
    # "Tính phí giao hàng" to the household's own commune: nothing is placed; 550 g is in the 1 kg band
    quoted = client.post("/thanh-toan", data=dict(near, action="quote"))
    assert quoted.status_code == 200
    html = quoted.get_data(as_text=True)
    assert _fees_shown(html) == ["17000"] and "Cùng xã/phường, 550 g" in html
    shown = re.search(r'name="shown_total_vnd" type="hidden" value="(\d+)"', html).group(1)
    assert shown == "117000" and db.session.scalar(select(func.count(Order.id))) == 0
    # The buyer then changes the address to Hồ Chí Minh City and confirms without quoting: 38.000, more than shown.
    far = dict(near, province_id=str(_province("HCM")), commune="Phường Bến Thành", shown_total_vnd=shown,
               action="place")
    refused = client.post("/thanh-toan", data=far)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "Tổng tiền đã thay đổi thành 138.000" in html and _fees_shown(html) == ["38000"]
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert db.session.get(Product, shop["nuts"].id).stock == 50  # nothing taken
    # Confirmed at the total now shown: the order keeps the fee, the parcel's weight and the zone.
    new_shown = re.search(r'name="shown_total_vnd" type="hidden" value="(\d+)"', html).group(1)
    placed = client.post("/thanh-toan", data=dict(far, shown_total_vnd=new_shown, csrf_token=csrf_from(html)))
    assert placed.status_code == 302, placed.get_data(as_text=True)
    order = db.session.scalar(select(Order))
    [part] = order.producer_orders
    assert (order.total_vnd, part.shipping_vnd, part.parcel_weight_grams, part.shipping_zone) == \
        (138_000, 38_000, 550, "nationwide")


def test_a_listing_says_its_packed_weight_and_an_impossible_one_is_refused(app, client, shop):
    from tests.conftest import make_user as _mk

    owner = _mk("ho.hoa@example.vn", role="producer")
    shop["household"].owner_id = owner.id
    db.session.commit()
    Auth(client).login("ho.hoa@example.vn")
    edit = f"/gian-hang/san-pham/{shop['nuts'].id}/sua"
    page = client.get(edit)
    if page.status_code == 404:
        pytest.fail("the producer's listing form moved: " + edit)
    html = page.get_data(as_text=True)
    assert "Khối lượng đóng gói một đơn vị (gam)" in html and 'value="550"' in html
    form = dict(re.findall(r'<input[^>]*?name="([a-z_0-9\-]+)"[^>]*?value="([^"]*)"', html))
    form.update({"name": "Hạt dẻ Trùng Khánh", "unit": "túi 500g", "description": "Hạt dẻ rang, thơm bùi.",
                 "group_id": str(shop["nuts"].group_id), "csrf_token": csrf_from(html)})
    for bad in ("0", "60000", "nửa cân"):
        resp = client.post(edit, data=dict(form, weight_grams=bad))
        assert resp.status_code == 400, bad
        assert "weight_grams-errors" in resp.get_data(as_text=True), bad
        db.session.expire_all()
        assert db.session.get(Product, shop["nuts"].id).weight_grams == 550
    resp = client.post(edit, data=dict(form, weight_grams="1200"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Product, shop["nuts"].id).weight_grams == 1_200


def test_an_order_from_a_quote_is_priced_to_its_address_and_never_charged_more_than_shown(app, client, shop):
    import datetime as dt

    from ocop_market.orders import wholesale
    from ocop_market.orders.models import Quote
    from ocop_market.timeutil import local_today
    from tests.functional.test_quotes import _org, _user

    _save_default_table(app, shop)
    app.config["SHIPPING_FREE_ABOVE_VND"] = 0  # so a case order pays its parcel's fee
    make_user("quatet@congty.vn")
    _org("quatet@congty.vn", "Công ty TNHH Quà Tết Việt")
    quote = wholesale.ask(_user("quatet@congty.vn"), shop["nuts"].id, wholesale.QuoteAsk("50", _province("CB")))
    owner = make_user("hoa@ho.vn", role="producer")
    shop["household"].owner_id = owner.id
    wholesale.answer(quote, owner, "producer", wholesale.QuoteAnswer(
        90_000, local_today() + dt.timedelta(days=20), local_today() + dt.timedelta(days=10)))
    db.session.commit()
    Auth(client).login("quatet@congty.vn")
    url = f"/bao-gia/{quote.id}/dat-hang"
    page = client.get(url).get_data(as_text=True)
    # 50 × 550 g = 27,5 kg in the province: 33.000 for 5 kg and 45 further 500 g at 2.500
    assert '<dd id="shipping-total">145.500\u00a0₫ (Trong tỉnh, 27,5 kg)</dd>' in page
    shown = re.search(r'name="shown_total_vnd" type="hidden" value="(\d+)"', page).group(1)
    assert shown == str(50 * 90_000 + 145_500)
    far = {"csrf_token": csrf_from(page), "contact_name": "Anh Minh", "phone": "0912345678",
           "address_line": "Số 5 Lê Lợi", "commune": "Phường Bến Thành", "province_id": str(_province("HCM")),
           "payment_method": "cod", "shown_total_vnd": shown, "shown_subsidy_vnd": "0", "action": "place"}
    refused = client.post(url, data=far)
    assert refused.status_code == 409 and "Tổng tiền đã thay đổi thành 4.887.000" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == "quoted" and db.session.scalar(select(func.count(Order.id))) == 0
    quoted = client.post(url, data=dict(far, action="quote"))
    html = quoted.get_data(as_text=True)
    assert quoted.status_code == 200 and "387.000\u00a0₫ (Liên miền, 27,5 kg)" in html  # 72.000 + 45 × 7.000
    new_shown = re.search(r'name="shown_total_vnd" type="hidden" value="(\d+)"', html).group(1)
    placed = client.post(url, data=dict(far, shown_total_vnd=new_shown, csrf_token=csrf_from(html)))
    assert placed.status_code == 302, placed.get_data(as_text=True)[:3000]
    [part] = db.session.scalar(select(Order)).producer_orders
    assert (part.shipping_vnd, part.parcel_weight_grams, part.shipping_zone, part.total_vnd) == \
        (387_000, 27_500, "nationwide", 4_500_000 + 387_000)
