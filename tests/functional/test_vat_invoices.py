"""VAT invoice requests (issue 17, invoices): the buyer gives a tax code (10 digits, or 10-3 for a branch), company
name and address on a part of their order; the seller is told through the outbox and sees it on its order page, then
records the invoice's number (requested → issued) and the buyer is told. Bad input gets a message and a 400."""
from __future__ import annotations

import flask_babel
import pytest
from sqlalchemy import select

from ocop_market.extensions import db
from ocop_market.messaging.models import OutboundMessage
from ocop_market.orders import services as orders
from ocop_market.orders import vat
from ocop_market.orders.models import VatInvoiceRequest
from tests.conftest import csrf_from, make_producer, make_product, make_user


@pytest.fixture
def world(ctx):
    owner = make_user("hoa@ho.vn", role="producer")
    make_user("sang@ho.vn", role="producer")
    buyer = make_user("mai@khach.vn")
    make_user("lan@khach.vn")
    producer = make_producer(owner=owner, name="Hộ bà Lục Thị Hoa")
    make_producer(owner=db.session.scalar(select(type(owner)).where(type(owner).email == "sang@ho.vn")),
                  name="Hộ ông Nông Văn Sáng")
    product = make_product(producer, price=650_000)
    order = orders.place_order(buyer, {product.id: 2}, orders.CheckoutData(
        contact_name="Chị Mai", phone="0987654321", address_line="Số 12 Hoàng Đình Giong", commune="Phường Thục Phán",
        province_id=producer.province_id, payment_method="cod"))
    db.session.commit()
    return {"order": order, "po": order.producer_orders[0]}


def _ask(client, world, **over):
    order, po = world["order"], world["po"]
    page = client.get(f"/don-hang/{order.code}/hoa-don-gtgt/{po.id}")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "tax_code": "0101234567-001",
            "company_name": "Công ty TNHH Quà Tết Việt", "company_address": "Số 5 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội",
            "email": "KeToan@QuaTet.vn"}
    data.update(over)
    return client.post(f"/don-hang/{order.code}/hoa-don-gtgt/{po.id}", data=data)


def _messages(template):
    return db.session.scalars(select(OutboundMessage).where(OutboundMessage.template == template)).all()


def test_the_buyer_asks_the_producer_is_told_and_sees_it_then_records_the_number(client, auth, world):
    order, po = world["order"], world["po"]
    auth.login("mai@khach.vn")
    assert f"/don-hang/{order.code}/hoa-don-gtgt/{po.id}" in client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert _ask(client, world).status_code == 302
    request = db.session.scalar(select(VatInvoiceRequest))
    assert (request.tax_code, request.status, request.email) == ("0101234567-001", "requested", "ketoan@quatet.vn")
    assert "0101234567-001" in client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    told = _messages("vat_invoice_requested")
    assert {m.recipient for m in told if m.channel == "email"} == {"hoa@ho.vn"}
    assert told[0].params["tax_code"] == "0101234567-001" and told[0].params["company"] == "Công ty TNHH Quà Tết Việt"
    auth.logout()

    auth.login("hoa@ho.vn")
    page = client.get(f"/gian-hang/don-hang/{po.id}").get_data(as_text=True)
    assert "0101234567-001" in page and "Công ty TNHH Quà Tết Việt" in page and "Số 5 Tràng Tiền" in page
    form = client.get(f"/gian-hang/don-hang/{po.id}/hoa-don-gtgt")
    token = csrf_from(form.get_data(as_text=True))
    for bad in ("", "số 12", "X" * 41):
        resp = client.post(f"/gian-hang/don-hang/{po.id}/hoa-don-gtgt", data={"csrf_token": token, "invoice_number": bad})
        assert resp.status_code == 400, bad
    assert db.session.scalar(select(VatInvoiceRequest.status)) == "requested"
    resp = client.post(f"/gian-hang/don-hang/{po.id}/hoa-don-gtgt",
                       data={"csrf_token": token, "invoice_number": "1C25TAA-00000123"})
    assert resp.status_code == 302
    db.session.expire_all()
    request = db.session.scalar(select(VatInvoiceRequest))
    assert (request.status, request.invoice_number) == ("issued", "1C25TAA-00000123") and request.issued_at
    assert {m.recipient for m in _messages("vat_invoice_issued") if m.channel == "email"} == {"mai@khach.vn"}
    again = client.post(f"/gian-hang/don-hang/{po.id}/hoa-don-gtgt",
                        data={"csrf_token": token, "invoice_number": "1C25TAA-00000999"})
    assert again.status_code == 409
    auth.logout()
    auth.login("mai@khach.vn")
    assert "1C25TAA-00000123" in client.get(f"/don-hang/{order.code}").get_data(as_text=True)


@pytest.mark.parametrize("raw, stored", [("0101234567", "0101234567"), ("0101234567-001", "0101234567-001"),
                                         ("0101234567001", "0101234567-001"), (" 0101 234 567 ", "0101234567")])
def test_tax_codes_of_10_or_13_digits_are_accepted(raw, stored):
    assert vat.normalise_tax_code(raw) == stored


@pytest.mark.parametrize("raw", ["", "12345", "01012345678", "0101234567-01", "0101234567-0012", "abcdefghij",
                                 "0101234567_001", "０１０１２３４５６７"])
def test_other_tax_codes_are_refused(raw):
    with pytest.raises(ValueError):
        vat.normalise_tax_code(raw)


@pytest.mark.parametrize("over, message", [
    ({"tax_code": "01012345"}, "Mã số thuế gồm 10 chữ số, hoặc 13 chữ số viết 10-3"),
    ({"tax_code": ""}, "Vui lòng nhập mã số thuế."),
    ({"company_name": ""}, "Vui lòng nhập tên đơn vị."),
    ({"company_address": ""}, "Vui lòng nhập địa chỉ đơn vị."),
    ({"company_name": "C" * 201}, "Tối đa 200 ký tự."),
    ({"email": "ke toan@"}, "Địa chỉ e-mail nhận hóa đơn không hợp lệ."),
])
def test_a_bad_request_is_refused_with_a_message_and_nothing_is_sent(client, auth, world, over, message):
    auth.login("mai@khach.vn")
    resp = _ask(client, world, **over)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert db.session.scalar(select(VatInvoiceRequest)) is None and not _messages("vat_invoice_requested")


def test_the_refusal_speaks_english_to_an_english_reader(client, auth, world):
    auth.login("mai@khach.vn")
    client.get("/ngon-ngu/en")
    flask_babel.refresh()  # the `ctx` fixture's requests share one `g`, where Flask-Babel keeps its first locale
    resp = _ask(client, world, tax_code="123")
    assert resp.status_code == 400
    assert "A tax code has 10 digits" in resp.get_data(as_text=True)


def test_one_request_per_part_and_none_on_a_cancelled_part(client, auth, world):
    auth.login("mai@khach.vn")
    assert _ask(client, world).status_code == 302
    order, po = world["order"], world["po"]
    assert client.get(f"/don-hang/{order.code}/hoa-don-gtgt/{po.id}").status_code == 302  # back to the order
    with pytest.raises(vat.Conflict):
        vat.request_invoice(order.buyer, po, vat.VatInvoiceData("0101234567", "Công ty B", "Hà Nội"))
    db.session.rollback()
    assert len(db.session.scalars(select(VatInvoiceRequest)).all()) == 1
    po.status = "cancelled"
    db.session.commit()
    db.session.delete(po.vat_invoice)
    db.session.commit()
    with pytest.raises(vat.Conflict):
        vat.request_invoice(order.buyer, po, vat.VatInvoiceData("0101234567", "Công ty B", "Hà Nội"))


def test_nobody_else_asks_or_sees_the_request(client, auth, world):
    order, po = world["order"], world["po"]
    auth.login("lan@khach.vn")
    assert client.get(f"/don-hang/{order.code}/hoa-don-gtgt/{po.id}").status_code == 404
    auth.logout()
    auth.login("mai@khach.vn")
    _ask(client, world)
    auth.logout()
    auth.login("sang@ho.vn")
    assert client.get(f"/gian-hang/don-hang/{po.id}/hoa-don-gtgt").status_code == 404


def test_the_demo_household_has_a_request_waiting_for_its_number(app, runner):
    app.config["DEMO_PHOTO_SIZE"] = 160
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    with app.app_context():
        [request] = db.session.scalars(select(VatInvoiceRequest)).all()
        assert request.status == "requested" and request.tax_code == "0101234567-001"
        assert request.producer_order.producer.owner.email == "nhasanxuat@ocop.local"
    again = runner.invoke(args=["seed", "demo"])
    assert "không có gì thay đổi" in again.output
