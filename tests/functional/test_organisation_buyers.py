"""Buyers who order by the case (issue 17): organisation accounts, tiered prices priced on the server, lines beyond a
person's 99 for organisations only, scheduled delivery dates. Bad input is a message in the user's language, and
nothing of it is kept."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ocop_market.accounts import organisations
from ocop_market.accounts.models import Organisation
from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.orders.models import CartLine, Order, OrderLine
from ocop_market.timeutil import local_today
from tests.conftest import csrf_from, make_producer, make_product, make_user

ORG = {"kind": "school", "legal_name": "Trường Tiểu học Hợp Giang", "tax_code": "4800123456",
       "invoice_address": "Số 2 Phố Xuân Trường, Phường Thục Phán, Cao Bằng", "contact_name": "Cô Nông Thị Thu",
       "contact_phone": "0912 345 678"}


@pytest.fixture
def world(ctx):
    owner = make_user("hoa@ho.vn", role="producer")
    make_user("mai@khach.vn")
    make_user("bep@truong.vn")
    producer = make_producer(owner=owner)
    product = make_product(producer, name="Miến dong Phja Đén", price=50_000, stock=1000, stars=0)
    product.price_tiers = [[50, 42_000], [200, 39_000]]
    db.session.commit()
    return {"product": product, "producer": producer}


def _save_org(client, **over):
    page = client.get("/tai-khoan/to-chuc")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), **ORG, **over}
    return client.post("/tai-khoan/to-chuc", data=data)


def _add(client, product_id, quantity):
    page = client.get("/gio-hang")
    return client.post(f"/gio-hang/them/{product_id}", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                             "quantity": str(quantity)})


def _checkout(client, **over):
    page = client.get("/thanh-toan")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "contact_name": "Cô Thu", "phone": "0912345678",
            "address_line": "Số 2 Phố Xuân Trường", "commune": "Phường Thục Phán",
            "province_id": str(db.session.scalar(select(Product.id)) and _province_id()), "payment_method": "cod"}
    data.update(over)
    return client.post("/thanh-toan", data=data)


def _province_id() -> int:
    from ocop_market.places import Province
    return db.session.scalar(select(Province.id).where(Province.code == "CB"))


def test_a_buyer_registers_as_an_organisation_shown_on_the_account_page(client, auth, world):
    page = client.get("/tai-khoan/dang-ky").get_data(as_text=True)
    resp = client.post("/tai-khoan/dang-ky", data={
        "csrf_token": csrf_from(page), "display_name": "Bếp ăn Trường Hợp Giang", "login": "thu@truong.vn",
        "password": "mat-khau-dai-1", "confirm": "mat-khau-dai-1", "is_organisation": "y"})
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/tai-khoan/to-chuc")
    assert _save_org(client).status_code == 302
    org = db.session.scalar(select(Organisation))
    assert (org.kind, org.tax_code, org.contact_phone) == ("school", "4800123456", "+84912345678")
    account = client.get("/tai-khoan/doi-mat-khau").get_data(as_text=True)
    assert "Trường Tiểu học Hợp Giang" in account and "4800123456" in account
    # An existing buyer turns their account into an organisation's; a branch's 10-3 code is kept as such.
    auth.logout()
    auth.login("mai@khach.vn")
    assert _save_org(client, kind="company", legal_name="Công ty TNHH Quà Tết Việt",
                     tax_code="0101234567 001").status_code == 302
    assert db.session.scalar(select(Organisation.tax_code).where(Organisation.legal_name.startswith("Công ty"))) \
        == "0101234567-001"


@pytest.mark.parametrize("tax_code", ["12345", "01012345678", "0101234567-01", "abcdefghij", "0101234567-0011"])
def test_bad_tax_codes_are_refused_in_vietnamese_and_nothing_is_kept(client, auth, world, tax_code):
    auth.login("bep@truong.vn")
    resp = _save_org(client, tax_code=tax_code)
    assert resp.status_code == 400
    assert "Mã số thuế gồm 10 chữ số" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Organisation)) is None


def test_other_bad_details_are_refused_and_a_producer_cannot_be_an_organisation(client, auth, world):
    auth.login("bep@truong.vn")
    assert _save_org(client, kind="embassy").status_code == 400
    assert _save_org(client, legal_name="").status_code == 400
    assert _save_org(client, contact_phone="12345").status_code == 400
    assert db.session.scalar(select(Organisation)) is None
    auth.logout()
    auth.login("hoa@ho.vn")
    assert client.get("/tai-khoan/to-chuc").status_code == 403


def test_the_vat_request_is_prefilled_from_the_organisation(client, auth, world):
    auth.login("bep@truong.vn")
    _save_org(client)
    _add(client, world["product"].id, 3)
    assert _checkout(client).status_code == 302
    order = db.session.scalar(select(Order))
    po = order.producer_orders[0]
    form = client.get(f"/don-hang/{order.code}/hoa-don-gtgt/{po.id}").get_data(as_text=True)
    assert 'value="4800123456"' in form and 'value="Trường Tiểu học Hợp Giang"' in form


def test_the_product_page_shows_the_tiers_to_everybody(client, auth, world):
    page = client.get(f"/san-pham/{world['product'].slug}").get_data(as_text=True)
    assert "Giá sỉ" in page and "42.000" in page and "39.000" in page and "Yêu cầu báo giá" in page
    auth.login("mai@khach.vn")
    assert "42.000" in client.get(f"/san-pham/{world['product'].slug}").get_data(as_text=True)


def test_tiers_are_priced_on_the_server_and_a_tampered_price_is_ignored(client, auth, world):
    auth.login("mai@khach.vn")
    _add(client, world["product"].id, 60)
    cart = client.get("/gio-hang").get_data(as_text=True)
    assert "42.000" in cart and "2.520.000" in cart  # 60 × 42.000
    resp = _checkout(client, unit_price_vnd="1", price_vnd="1", total_vnd="1", subtotal_vnd="1")
    assert resp.status_code == 302
    line = db.session.scalar(select(OrderLine))
    assert (line.quantity, line.unit_price_vnd, line.line_total_vnd) == (60, 42_000, 2_520_000)
    # Below the first tier, the list price.
    _add(client, world["product"].id, 10)
    _checkout(client)
    assert db.session.scalars(select(OrderLine.unit_price_vnd).order_by(OrderLine.id)).all() == [42_000, 50_000]


def test_300_packs_for_an_organisation_refused_for_a_person_with_a_clear_message(client, auth, world):
    pid = world["product"].id
    auth.login("mai@khach.vn")
    resp = _add(client, pid, 300)
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert "từ 1 đến 99" in text and "tài khoản tổ chức" in text
    assert db.session.scalar(select(CartLine)) is None
    auth.logout()

    auth.login("bep@truong.vn")
    _save_org(client)
    assert _add(client, pid, 300).status_code == 302
    assert _add(client, pid, 10_000).status_code == 400  # never above stock (1000), nor above 10,000
    assert _checkout(client, delivery_date=(local_today() + dt.timedelta(days=20)).isoformat()).status_code == 302
    line = db.session.scalar(select(OrderLine))
    assert (line.quantity, line.unit_price_vnd) == (300, 39_000)
    db.session.expire_all()
    assert db.session.get(Product, pid).stock == 700
    order = db.session.scalar(select(Order))
    assert order.delivery_date == local_today() + dt.timedelta(days=20)


def test_a_person_cannot_pass_99_through_checkout_either(ctx, world):
    from ocop_market.errors import InvalidInput
    from ocop_market.orders import services

    buyer = db.session.scalar(select(type(world["producer"].owner)).where(type(world["producer"].owner).email
                                                                          == "mai@khach.vn"))
    with pytest.raises(InvalidInput):
        services.place_order(buyer, {world["product"].id: 300}, services.CheckoutData(
            "Chị Mai", "0987654321", "Số 1", "Phường Thục Phán", _province_id(), "cod"))
    db.session.rollback()
    assert db.session.get(Product, world["product"].id).stock == 1000


@pytest.mark.parametrize("days", [-1, 91])
def test_a_delivery_date_in_the_past_or_too_far_is_refused(client, auth, world, days):
    auth.login("mai@khach.vn")
    _add(client, world["product"].id, 2)
    resp = _checkout(client, delivery_date=(local_today() + dt.timedelta(days=days)).isoformat())
    assert resp.status_code == 400
    assert "Ngày giao" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Order)) is None


def test_the_producer_sees_the_delivery_date_in_the_list_and_on_the_order(client, auth, world):
    auth.login("mai@khach.vn")
    _add(client, world["product"].id, 2)
    day = local_today() + dt.timedelta(days=5)
    assert _checkout(client, delivery_date=day.isoformat()).status_code == 302
    po = db.session.scalar(select(Order)).producer_orders[0]
    auth.logout()
    auth.login("hoa@ho.vn")
    shown = day.strftime("%d/%m/%Y")
    assert shown in client.get("/gian-hang/don-hang/").get_data(as_text=True)
    assert shown in client.get(f"/gian-hang/don-hang/{po.id}").get_data(as_text=True)


def test_the_producer_sets_tiers_on_the_listing_form_and_bad_tiers_are_refused(client, auth, world):
    product = world["product"]
    auth.login("hoa@ho.vn")
    url = f"/gian-hang/san-pham/{product.id}/sua"
    page = client.get(url).get_data(as_text=True)
    assert 'value="42000"' in page or 'value="42.000"' in page
    base = {"csrf_token": csrf_from(page), "name": product.name, "group_id": str(product.group_id),
            "unit": product.unit, "price_vnd": "50000", "stock": "1000", "description": product.description}
    bad = [
        {"tier_1_quantity": "50", "tier_1_price": "60000"},                      # above the list price
        {"tier_1_quantity": "50", "tier_1_price": "42000", "tier_2_quantity": "40", "tier_2_price": "39000"},
        {"tier_1_quantity": "50", "tier_1_price": "42000", "tier_2_quantity": "200", "tier_2_price": "45000"},
        {"tier_1_quantity": "50"},                                               # half a row
        {"tier_1_quantity": "1", "tier_1_price": "42000"},
        {"tier_1_quantity": "20000", "tier_1_price": "42000"},
        {"tier_1_quantity": "50", "tier_1_price": "4,5"},
        {"case_min_quantity": "0"},
    ]
    for rows in bad:
        resp = client.post(url, data={**base, **rows})
        assert resp.status_code in (400, 409), rows
        assert "giá" in resp.get_data(as_text=True).lower()
    db.session.expire_all()
    assert db.session.get(Product, product.id).price_tiers == [[50, 42_000], [200, 39_000]]
    resp = client.post(url, data={**base, "tier_1_quantity": "100", "tier_1_price": "40.000",
                                  "tier_2_quantity": "500", "tier_2_price": "36000", "case_min_quantity": "100"})
    assert resp.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Product, product.id)
    assert (saved.price_tiers, saved.case_min_quantity) == ([[100, 40_000], [500, 36_000]], 100)


def test_staff_see_the_organisation_accounts(client, auth, world):
    make_user("canbo@tinh.vn", role="staff")
    buyer = db.session.scalar(select(type(world["producer"].owner)).where(type(world["producer"].owner).email
                                                                          == "bep@truong.vn"))
    organisations.save(buyer, organisations.OrganisationData(**{k: v for k, v in ORG.items()}))
    db.session.commit()
    auth.login("canbo@tinh.vn")
    page = client.get("/quan-tri/to-chuc-mua/").get_data(as_text=True)
    assert "Trường Tiểu học Hợp Giang" in page and "4800123456" in page
    assert "Hợp Giang" in client.get("/quan-tri/to-chuc-mua/?q=4800").get_data(as_text=True)
    auth.logout()
    auth.login("bep@truong.vn")
    assert client.get("/quan-tri/to-chuc-mua/").status_code == 403
