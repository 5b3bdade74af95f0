"""Cart, checkout, producer and staff order pages, through the test client."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.orders.models import Order, OrderEvent, OrderStatus, ProducerOrder
from ocop_market.payments.models import LedgerKind, ProducerLedgerEntry
from tests.conftest import csrf_from, make_producer, make_product, make_user

CHECKOUT = {
    "contact_name": "Nông Thị Mai",
    "phone": "0912 345 678",
    "address_line": "Số 5, bản Pác Bó",
    "commune": "Xã Trường Hà",
    "note": "Gọi trước khi giao",
    "payment_method": "cod",
}


def province_id(code="CB"):
    from ocop_market.places import Province

    return db.session.scalar(select(Province.id).where(Province.code == code))


def add(client, product, quantity="1"):
    token = csrf_from(client.get(f"/san-pham/{product.slug}").get_data(as_text=True))
    return client.post(f"/gio-hang/them/{product.id}", data={"quantity": quantity, "csrf_token": token})


def checkout(client, **overrides):
    page = client.get("/thanh-toan")
    assert page.status_code == 200, page.status_code
    data = dict(CHECKOUT, province_id=str(province_id()), csrf_token=csrf_from(page.get_data(as_text=True)))
    data.update(overrides)
    return client.post("/thanh-toan", data=data)


@pytest.fixture
def shop(ctx):
    owner_a = make_user("a@ho.vn", role="producer")
    owner_b = make_user("b@ho.vn", role="producer")
    pa = make_producer(owner=owner_a, name="Hộ bà Hoa")
    pb = make_producer(owner=owner_b, name="HTX Miến dong Nguyên Bình", commune="Xã Nguyên Bình")
    chestnut = make_product(pa, price=150_000, stock=10)
    noodles = make_product(pb, name="Miến dong Nguyên Bình", price=60_000, stock=3)
    buyer = make_user("mua@khach.vn")
    return {"pa": pa, "pb": pb, "chestnut": chestnut, "noodles": noodles, "buyer": buyer,
            "owner_a": owner_a, "owner_b": owner_b}


def test_guest_cart_survives_login_and_cod_order_with_two_producers(client, auth, shop, app):
    assert add(client, shop["chestnut"], "2").status_code == 302
    assert add(client, shop["noodles"], "1").status_code == 302
    cart = client.get("/gio-hang").get_data(as_text=True)
    assert "Hạt dẻ Trùng Khánh" in cart and "Miến dong" in cart
    # 300.000 + 30.000 shipping and 60.000 + 30.000 shipping
    assert "420.000\u00a0₫" in cart
    # Checkout needs an account; the cart waits in the session and joins the saved cart at login.
    assert client.get("/thanh-toan").status_code == 302
    auth.login("mua@khach.vn")
    resp = checkout(client)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    order = db.session.scalar(select(Order))
    assert order.total_vnd == 420_000 and order.shipping_vnd == 60_000
    assert order.phone == "+84912345678"
    assert sorted(po.status for po in order.producer_orders) == ["placed", "placed"]
    assert resp.headers["Location"].endswith(f"/don-hang/{order.code}")
    db.session.expire_all()
    assert db.session.get(Product, shop["chestnut"].id).stock == 8
    assert db.session.get(Product, shop["noodles"].id).stock == 2
    detail = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert order.code in detail and "Đã đặt" in detail
    assert "Giỏ hàng của bạn đang trống" in client.get("/gio-hang").get_data(as_text=True)
    assert order.code in client.get("/don-hang").get_data(as_text=True)


def test_client_sent_prices_are_ignored(client, auth, shop):
    auth.login("mua@khach.vn")
    add(client, shop["chestnut"], "1")
    checkout(client, price_vnd="1", total_vnd="1", subtotal_vnd="1", shipping_vnd="0")
    order = db.session.scalar(select(Order))
    assert order.total_vnd == 180_000


@pytest.mark.parametrize("bad", ["0", "-1", "1.5", "abc", str(10**20), "", "1e3", "100"])
def test_bad_quantities_are_form_errors_never_500(client, shop, bad):
    resp = add(client, shop["chestnut"], bad)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Số lượng" in html
    assert client.get("/gio-hang").get_data(as_text=True).count("cart-line") == 0


def test_quantity_cannot_exceed_stock_in_cart(client, shop):
    assert add(client, shop["noodles"], "3").status_code == 302
    resp = add(client, shop["noodles"], "1")
    assert resp.status_code == 400
    assert "tối đa" in resp.get_data(as_text=True)
    token = csrf_from(client.get("/gio-hang").get_data(as_text=True))
    assert client.post(f"/gio-hang/cap-nhat/{shop['noodles'].id}", data={"quantity": "4", "csrf_token": token}).status_code == 400
    assert client.post(f"/gio-hang/cap-nhat/{shop['noodles'].id}", data={"quantity": "2", "csrf_token": token}).status_code == 302


def test_out_of_stock_at_checkout_keeps_nothing(client, auth, shop):
    auth.login("mua@khach.vn")
    add(client, shop["chestnut"], "1")
    add(client, shop["noodles"], "3")
    Product.query.filter_by(id=shop["noodles"].id).update({"stock": 1})
    db.session.commit()
    resp = checkout(client)
    assert resp.status_code == 409
    assert "không còn đủ hàng" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert db.session.get(Product, shop["chestnut"].id).stock == 10


def test_invalid_phone_is_a_form_error(client, auth, shop):
    auth.login("mua@khach.vn")
    add(client, shop["chestnut"])
    resp = checkout(client, phone="12345")
    assert resp.status_code == 400
    assert "Số điện thoại" in resp.get_data(as_text=True)


def test_card_is_offered_only_when_stripe_is_configured(client, auth, shop, app):
    auth.login("mua@khach.vn")
    add(client, shop["chestnut"])
    assert 'value="card"' not in client.get("/thanh-toan").get_data(as_text=True)
    assert checkout(client, payment_method="card").status_code == 400
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    assert 'value="card"' in client.get("/thanh-toan").get_data(as_text=True)


def _place(client, auth, shop, method="cod"):
    auth.login("mua@khach.vn")
    add(client, shop["chestnut"], "2")
    add(client, shop["noodles"], "1")
    checkout(client, payment_method=method)
    auth.logout()
    return db.session.scalar(select(Order))


def test_each_producer_sees_only_their_part_and_moves_it_forward(client, auth, shop, app):
    order = _place(client, auth, shop)
    po_a = next(po for po in order.producer_orders if po.producer_id == shop["pa"].id)
    po_b = next(po for po in order.producer_orders if po.producer_id == shop["pb"].id)
    auth.login("a@ho.vn")
    listing = client.get("/gian-hang/don-hang/").get_data(as_text=True)
    assert order.code in listing and "Hạt dẻ" in listing and "Miến dong" not in listing
    assert client.get(f"/gian-hang/don-hang/{po_b.id}").status_code == 404
    page = client.get(f"/gian-hang/don-hang/{po_a.id}").get_data(as_text=True)
    token = csrf_from(page)
    # B's part cannot be moved by A
    assert client.post(f"/gian-hang/don-hang/{po_b.id}/xac-nhan", data={"csrf_token": token}).status_code == 404
    # Skipping a step is a conflict
    assert client.post(f"/gian-hang/don-hang/{po_a.id}/da-giao", data={"csrf_token": token}).status_code == 409
    for action in ("xac-nhan", "giao-hang", "da-giao"):
        assert client.post(f"/gian-hang/don-hang/{po_a.id}/{action}", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    po_a = db.session.get(ProducerOrder, po_a.id)
    assert po_a.status == OrderStatus.DELIVERED
    assert [e.to_status for e in po_a.events] == ["placed", "confirmed", "shipped", "delivered"]
    kinds = {e.kind: e.amount_vnd for e in db.session.scalars(select(ProducerLedgerEntry))}
    # cash on delivery: owed 330.000, collected 330.000 in cash -> balance 0
    assert kinds == {LedgerKind.EARNING: 330_000, LedgerKind.COD_COLLECTED: -330_000}
    # Shipped orders cannot be cancelled
    assert client.post(f"/gian-hang/don-hang/{po_a.id}/huy", data={"csrf_token": token}).status_code == 409
    # Buyers and other roles are kept out of the producer area
    auth.logout()
    auth.login("mua@khach.vn")
    assert client.get("/gian-hang/don-hang/").status_code == 403


def test_buyer_cancels_before_shipping_and_stock_comes_back(client, auth, shop):
    order = _place(client, auth, shop)
    auth.login("mua@khach.vn")
    po = order.producer_orders[0]
    page = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    token = csrf_from(page)
    # The order page links to the confirm page; the tap alone cancels nothing.
    assert f'href="/don-hang/{order.code}/huy/{po.id}"' in page
    ask = client.get(f"/don-hang/{order.code}/huy/{po.id}")
    assert ask.status_code == 200 and "Hủy phần đơn này?" in ask.get_data(as_text=True)
    assert client.post(f"/don-hang/{order.code}/huy/{po.id}", data={"csrf_token": token}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Product, shop["chestnut"].id).stock == 8
    assert client.post(f"/don-hang/{order.code}/huy/{po.id}",
                       data={"csrf_token": csrf_from(ask.get_data(as_text=True)), "confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, shop["chestnut"].id).stock == 10
    # Cancelling twice is a conflict, not a second stock return
    assert client.post(f"/don-hang/{order.code}/huy/{po.id}",
                       data={"csrf_token": token, "confirmed": "1"}).status_code == 409
    db.session.expire_all()
    assert db.session.get(Product, shop["chestnut"].id).stock == 10
    events = db.session.scalars(select(OrderEvent).where(OrderEvent.producer_order_id == po.id)
                                .order_by(OrderEvent.id)).all()
    assert [(e.from_status, e.to_status) for e in events] == [(None, "placed"), ("placed", "cancelled")]


def test_other_buyers_cannot_see_an_order(client, auth, shop):
    order = _place(client, auth, shop)
    make_user("khac@khach.vn")
    auth.login("khac@khach.vn")
    assert client.get(f"/don-hang/{order.code}").status_code == 404


def test_bank_transfer_shows_vietqr_and_staff_marks_it_received(client, auth, shop, app):
    app.config.update(VIETQR_BANK_BIN="970436", VIETQR_ACCOUNT_NO="0123456789", VIETQR_ACCOUNT_NAME="HTX CHO OCOP")
    order = _place(client, auth, shop, method="bank_transfer")
    assert {po.status for po in order.producer_orders} == {"awaiting_payment"}
    auth.login("mua@khach.vn")
    html = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert "0123456789" in html and order.code in html
    svg = client.get(f"/don-hang/{order.code}/vietqr.svg")
    assert svg.headers["Content-Type"] == "image/svg+xml" and b"<svg" in svg.data
    auth.logout()
    # A producer cannot confirm an unpaid order
    auth.login("a@ho.vn")
    po_a = next(po for po in order.producer_orders if po.producer_id == shop["pa"].id)
    token = csrf_from(client.get(f"/gian-hang/don-hang/{po_a.id}").get_data(as_text=True))
    assert client.post(f"/gian-hang/don-hang/{po_a.id}/xac-nhan", data={"csrf_token": token}).status_code == 409
    auth.logout()
    make_user("canbo@tinh.vn", role="staff")
    auth.login("canbo@tinh.vn")
    listing = client.get("/quan-tri/don-hang/?method=bank_transfer&payment=unpaid").get_data(as_text=True)
    assert order.code in listing
    assert client.get("/quan-tri/don-hang/?status=nonsense").status_code == 400
    token = csrf_from(client.get(f"/quan-tri/don-hang/{order.code}").get_data(as_text=True))
    assert client.post(f"/quan-tri/don-hang/{order.code}/da-nhan-chuyen-khoan",
                       data={"csrf_token": token, "note": "FT123"}).status_code == 302
    assert client.post(f"/quan-tri/don-hang/{order.code}/da-nhan-chuyen-khoan",
                       data={"csrf_token": token}).status_code == 409
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.payment_status == "paid"
    assert {po.status for po in order.producer_orders} == {"placed"}


def test_staff_area_refuses_buyers_and_producers(client, auth, shop):
    for login in ("mua@khach.vn", "a@ho.vn"):
        auth.login(login)
        assert client.get("/quan-tri/don-hang/").status_code == 403
        assert client.get("/quan-tri/don-hang/cong-no").status_code == 403
        auth.logout()
    assert client.get("/quan-tri/don-hang/").status_code == 302


def test_staff_records_a_payout_within_the_balance(client, auth, shop, app):
    app.config.update(VIETQR_BANK_BIN="970436", VIETQR_ACCOUNT_NO="0123456789")
    order = _place(client, auth, shop, method="bank_transfer")
    staff = make_user("canbo@tinh.vn", role="staff")
    from ocop_market.orders import fulfilment, services

    fulfilment.mark_transfer_received(order, staff)
    po_a = next(po for po in order.producer_orders if po.producer_id == shop["pa"].id)
    for to in ("confirmed", "shipped", "delivered"):
        services.move(po_a, to, staff, "staff")
    db.session.commit()
    auth.login("canbo@tinh.vn")
    url = f"/quan-tri/don-hang/cong-no/{shop['pa'].id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    assert "330.000" in client.get("/quan-tri/don-hang/cong-no").get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token, "amount": "400.000"}).status_code == 400
    assert client.post(url, data={"csrf_token": token, "amount": "-5"}).status_code == 400
    ask = client.post(url, data={"csrf_token": token, "amount": "300.000", "reference": "UNC 42"})
    assert ask.status_code == 200
    assert "Còn nợ sau chi trả" in ask.get_data(as_text=True) and "30.000" in ask.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token, "amount": "300000", "reference": "UNC 42",
                                  "confirmed": "1"}).status_code == 302
    from ocop_market.payments import ledger

    assert ledger.balance(shop["pa"].id) == 30_000
    auth.logout()
    auth.login("a@ho.vn")
    assert "30.000" in client.get("/gian-hang/don-hang/so-du").get_data(as_text=True)


def test_product_page_has_an_add_to_cart_form(client, shop):
    html = client.get(f"/san-pham/{shop['chestnut'].slug}").get_data(as_text=True)
    assert re.search(r'action="/gio-hang/them/\d+"', html)
    assert "Thêm vào giỏ" in html
