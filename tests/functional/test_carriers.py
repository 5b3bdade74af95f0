"""Carriers (issue 17): "Gửi hàng" with GHN (through a fake GHN on loopback) or the post office, the label PDF, the
signed tracking webhook moving the part to delivered as the carrier (counted by outcomes like a producer's
"delivered"), the buyer's tracking, staff's Vận chuyển desk with COD reconciliation, and who may do what."""
from __future__ import annotations

import datetime as dt

import flask_babel
import pytest
from sqlalchemy import func, select

from ocop_market.audit import AuditEntry
from ocop_market.carriers.models import Shipment, TrackingEvent
from ocop_market.extensions import db
from ocop_market.orders.models import OrderEvent, OrderStatus, ProducerOrder
from ocop_market.timeutil import local_today
from tests.conftest import csrf_from, make_producer, make_product, make_user
from tests.fake_ghn import FakeGhn, sign, webhook_body

SECRET = "test-carrier-webhook-secret"


@pytest.fixture
def ghn():
    fake = FakeGhn().start()
    yield fake
    fake.stop()


@pytest.fixture
def app_config(request, ghn):
    return {**ghn.config(), "CARRIER_WEBHOOK_SECRET": SECRET, "GHN_TIMEOUT_SECONDS": 5,
            **(getattr(request, "param", None) or {})}


@pytest.fixture
def world(ctx):
    from ocop_market.orders import services as orders

    owner = make_user("hoa@ho.vn", role="producer")
    make_user("sang@ho.vn", role="producer")
    producer = make_producer(owner=owner, name="Hộ bà Lục Thị Hoa")
    other = make_producer(owner=db.session.scalar(select(type(owner)).where(type(owner).email == "sang@ho.vn")),
                          name="Hộ ông Nông Văn Sáng")
    product = make_product(producer, stock=20)
    buyer = make_user("mai@khach.vn")
    make_user("lan@khach.vn")
    staff = make_user("canbo@ocop.vn", role="staff")

    def place(quantity=2, method="cod"):
        order = orders.place_order(buyer, {product.id: quantity}, orders.CheckoutData(
            contact_name="Chị Mai", phone="0987654321", address_line="Số 1 Hoàng Đình Giong",
            commune="Phường Thục Phán", province_id=producer.province_id, payment_method=method))
        db.session.commit()
        po = order.producer_orders[0]
        orders.move(po, OrderStatus.CONFIRMED, owner, "producer")
        db.session.commit()
        return order, po

    return {"owner": owner, "producer": producer, "other": other, "product": product, "buyer": buyer,
            "staff": staff, "place": place}


def _ship(client, auth, po_id, **data):
    page = client.get(f"/gian-hang/don-hang/{po_id}")
    if page.status_code != 200:  # not signed in as the household yet
        auth.login("hoa@ho.vn")
        page = client.get(f"/gian-hang/don-hang/{po_id}")
    html = page.get_data(as_text=True)
    return client.post(f"/gian-hang/don-hang/{po_id}/gui-hang", data={"csrf_token": csrf_from(html), **data})


def _webhook(client, body: bytes, secret: str | None = SECRET, signature: str | None = None):
    headers = {"Content-Type": "application/json"}
    if signature is not None or secret is not None:
        headers["X-Ocop-Signature"] = signature if signature is not None else sign(body, secret or "")
    return client.post("/carriers/ghn/webhook", data=body, headers=headers)


def _status(po_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ProducerOrder, po_id).status


# ---------------------------------------------------------------- GHN: create, label, webhook, outcomes
def test_ghn_ships_prints_its_label_and_its_webhook_delivers_the_part(client, auth, world, ghn):
    order, po = world["place"]()
    auth.login("hoa@ho.vn")
    html = client.get(f"/gian-hang/don-hang/{po.id}").get_data(as_text=True)
    assert 'value="ghn"' in html and 'value="manual"' in html and "Giao Hàng Nhanh (GHN)" in html
    resp = client.post(f"/gian-hang/don-hang/{po.id}/gui-hang",
                       data={"csrf_token": csrf_from(html), "carrier": "ghn", "note": "Gọi trước khi giao"})
    assert resp.status_code == 302
    assert _status(po.id) == OrderStatus.SHIPPED
    [sent] = ghn.received("v2/shipping-order/create")
    assert sent.headers["Token"] == ghn.token and sent.headers["Shopid"] == ghn.shop_id
    assert sent.body["cod_amount"] == po.total_vnd == 330_000  # cash on delivery: the part's whole total
    assert (sent.body["to_name"], sent.body["to_phone"], sent.body["client_order_code"]) == (
        "Chị Mai", "+84987654321", f"{order.code}-{po.id}")
    assert sent.body["weight"] == 1000 and sent.body["note"] == "Gọi trước khi giao"
    shipment = db.session.scalar(select(Shipment))
    assert (shipment.carrier, shipment.tracking_code, shipment.cod_vnd, shipment.fee_vnd, shipment.status) == (
        "ghn", "GHNTEST1", 330_000, 32_000, "created")
    detail = client.get(f"/gian-hang/don-hang/{po.id}").get_data(as_text=True)
    assert "GHNTEST1" in detail and "In nhãn gửi hàng (PDF)" in detail
    label = client.get(f"/gian-hang/don-hang/{po.id}/nhan-gui-hang")
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    assert label.data.startswith(b"%PDF") and b"fake GHN A5 label" in label.data  # GHN's own, via gen-token
    assert ghn.received("v2/a5/gen-token")[0].body == {"order_codes": ["GHNTEST1"]}

    # GHN reports the parcel's way; the last says delivered
    t0 = dt.datetime(2026, 12, 3, 1, 0, tzinfo=dt.UTC)
    for i, status in enumerate(("picking", "picked", "transporting", "delivering")):
        assert _webhook(client, webhook_body("GHNTEST1", status, t0 + dt.timedelta(hours=i))).json["outcome"] \
            == "recorded"
    assert _status(po.id) == OrderStatus.SHIPPED
    ghn.progress("GHNTEST1", "delivered")  # what GHN's own API says: the webhook is acted on once it agrees
    resp = _webhook(client, webhook_body("GHNTEST1", "delivered", t0 + dt.timedelta(hours=5), "Giao thành công"))
    assert resp.status_code == 200 and resp.json["outcome"] == "delivered"
    assert _status(po.id) == OrderStatus.DELIVERED
    [moved] = db.session.scalars(select(OrderEvent).where(OrderEvent.producer_order_id == po.id,
                                                         OrderEvent.to_status == "delivered")).all()
    assert moved.actor_id is None and moved.from_status == "shipped" and "GHNTEST1" in moved.note
    # the buyer sees the carrier, the code and the steps in Vietnam's time, in words
    auth.logout()
    auth.login("mai@khach.vn")
    page = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert "Giao Hàng Nhanh (GHN)" in page and "GHNTEST1" in page
    assert "Đang giao đến người nhận" in page and "Đã giao thành công" in page and "(Giao thành công)" in page
    # GHN's "picking" leaves the parcel created, and reads as the courier on the way, not "created" a second time
    assert page.count("Đã tạo vận đơn") == 1 and "Nhân viên vận chuyển đang đến lấy hàng" in page
    assert "03/12/2026 13:00" in page or "03/12/2026, 13:00" in page or "13:00" in page  # 06:00 UTC = 13:00 in Hà Nội
    flask_babel.refresh()  # the test shares one `g` between requests, where Flask-Babel keeps the language
    english = client.get(f"/don-hang/{order.code}?lang=en").get_data(as_text=True)
    assert "Delivered" in english and "Out for delivery" in english


def test_a_carrier_delivered_part_counts_in_outcomes_exactly_like_a_producer_marked_one(client, auth, world, ghn):
    from ocop_market.orders import fulfilment
    from ocop_market.payments import ledger
    from ocop_market.programs import listings, outcomes, participation, projects
    from ocop_market.programs import rules as program_rules
    from ocop_market.timeutil import local_today

    admin = make_user("quantri@ocop.vn", role="admin")
    today = local_today()
    project = projects.create_project(admin, projects.ProjectData(
        code="cb-da2-09", name="Liên kết chuỗi hạt dẻ", form="value_chain", component="DA2",
        programme="CTMTQG giảm nghèo bền vững", period="2021–2025", province_id=world["producer"].province_id,
        commune="Xã Trùng Khánh", lead="HTX Hạt dẻ", start_on=today - dt.timedelta(days=60),
        end_on=today + dt.timedelta(days=300)))
    participation.join_project(admin, project, world["producer"], today - dt.timedelta(days=30), "poor", 1_000_000)
    listings.set_product_project(admin, world["product"], project)
    db.session.commit()
    _order_a, by_producer = world["place"](quantity=1)
    _order_b, by_carrier = world["place"](quantity=1)
    fulfilment.move_part(by_producer, OrderStatus.SHIPPED, world["owner"], "producer")
    fulfilment.move_part(by_producer, OrderStatus.DELIVERED, world["owner"], "producer")
    assert _ship(client, auth, by_carrier.id, carrier="ghn").status_code == 302
    ghn.progress("GHNTEST1", "delivered")
    assert _webhook(client, webhook_body("GHNTEST1", "delivered")).json["outcome"] == "delivered"
    db.session.expire_all()
    sales = sorted(outcomes.sales_of([project.id]), key=lambda s: s.producer_order_id)
    assert [(s.producer_order_id, s.amount_vnd, s.delivered_on) for s in sales] == [
        (by_producer.id, 150_000, today), (by_carrier.id, 150_000, today)]
    [row] = outcomes.household_rows(project, program_rules.parse_period(str(today.year)))
    assert row.revenue_vnd == 300_000
    credits = {e.producer_order_id: e.amount_vnd for e in ledger.entries(world["producer"].id)
               if e.producer_order_id in (by_producer.id, by_carrier.id) and e.amount_vnd > 0}
    assert credits[by_producer.id] == credits[by_carrier.id]
    db.session.refresh(world["product"])
    assert world["product"].sold_count == 2


# ---------------------------------------------------------------- the post office
def test_the_post_office_takes_the_typed_number_and_prints_our_own_label(client, auth, world):
    order, po = world["place"]()
    resp = _ship(client, auth, po.id, carrier="manual", tracking_code=" eb 123456789vn ")
    assert resp.status_code == 302 and _status(po.id) == OrderStatus.SHIPPED
    shipment = db.session.scalar(select(Shipment))
    assert (shipment.carrier, shipment.tracking_code, shipment.cod_vnd) == ("manual", "EB123456789VN", 330_000)
    label = client.get(f"/gian-hang/don-hang/{po.id}/nhan-gui-hang")
    assert label.status_code == 200 and label.data.startswith(b"%PDF") and b"fake GHN" not in label.data
    assert label.headers["Cache-Control"] == "private, no-store"
    shipped = db.session.scalar(select(OrderEvent).where(OrderEvent.producer_order_id == po.id,
                                                         OrderEvent.to_status == "shipped"))
    assert "Bưu điện · mã vận đơn EB123456789VN" in shipped.note
    # the producer still reports the delivery (the post office sends no webhook)
    assert "Báo đã giao hàng" in client.get(f"/gian-hang/don-hang/{po.id}").get_data(as_text=True)
    assert _webhook(client, webhook_body("EB123456789VN", "delivered")).json["outcome"] == "unknown"


def test_a_bad_post_office_number_is_a_vietnamese_form_error_and_keeps_nothing(client, auth, world):
    _order, po = world["place"]()
    for bad in ("", "ab", "EB12<script>", "x" * 41):
        resp = _ship(client, auth, po.id, carrier="manual", tracking_code=bad)
        assert resp.status_code == 400, bad
        assert "Mã vận đơn" in resp.get_data(as_text=True)
    assert _status(po.id) == OrderStatus.CONFIRMED and db.session.scalar(select(func.count(Shipment.id))) == 0
    resp = _ship(client, auth, po.id, carrier="dhl")
    assert resp.status_code == 400 and _status(po.id) == OrderStatus.CONFIRMED


def test_self_delivery_is_still_offered_and_moves_the_part_alone(client, auth, world):
    _order, po = world["place"]()
    assert _ship(client, auth, po.id, carrier="self").status_code == 302
    assert _status(po.id) == OrderStatus.SHIPPED and db.session.scalar(select(func.count(Shipment.id))) == 0


def test_ghn_refusing_keeps_nothing_and_says_why(client, auth, world, ghn):
    _order, po = world["place"]()
    ghn.fail_with = 503
    resp = _ship(client, auth, po.id, carrier="ghn")
    assert resp.status_code == 409
    assert "Giao Hàng Nhanh (GHN) chưa nhận vận đơn" in resp.get_data(as_text=True)
    assert _status(po.id) == OrderStatus.CONFIRMED and db.session.scalar(select(func.count(Shipment.id))) == 0


@pytest.mark.parametrize("app_config", [{"GHN_API_TOKEN": ""}], indirect=True)
def test_without_a_ghn_token_ghn_is_not_offered(client, auth, world):
    _order, po = world["place"]()
    auth.login("hoa@ho.vn")
    html = client.get(f"/gian-hang/don-hang/{po.id}").get_data(as_text=True)
    assert 'value="ghn"' not in html and 'value="manual"' in html
    assert _ship(client, auth, po.id, carrier="ghn").status_code == 400


# ---------------------------------------------------------------- the webhook's guards
@pytest.fixture
def shipped(client, auth, world, ghn):
    order, po = world["place"]()
    assert _ship(client, auth, po.id, carrier="ghn").status_code == 302
    auth.logout()
    return order, po


def test_a_bad_or_missing_signature_is_401_and_keeps_nothing(client, shipped):
    _order, po = shipped
    body = webhook_body("GHNTEST1", "delivered")
    before = db.session.scalar(select(func.count(TrackingEvent.id)))
    for resp in (_webhook(client, body, secret=None), _webhook(client, body, secret="wrong"),
                 _webhook(client, body, signature="sha256=" + "0" * 64),
                 _webhook(client, body.replace(b"delivered", b"delivering"), signature=sign(body, SECRET))):
        assert resp.status_code == 401
    assert db.session.scalar(select(func.count(TrackingEvent.id))) == before
    assert _status(po.id) == OrderStatus.SHIPPED


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"OrderCode": "GHNTEST1"}',
                                  b'{"OrderCode": "GHNTEST1", "Status": "teleported", "Time": "2026-12-03T01:00:00Z"}',
                                  b'{"OrderCode": "GHNTEST1", "Status": "delivered", "Time": "yesterday"}',
                                  b'{"OrderCode": 5, "Status": "delivered", "Time": "2026-12-03T01:00:00Z"}',
                                  b'{"OrderCode": "GHNTEST1", "Status": "delivered", "Time": "2026-12-03T01:00:00Z",'
                                  b' "CODAmount": -5}'])
def test_a_malformed_signed_body_is_400_and_keeps_nothing(client, shipped, body):
    _order, po = shipped
    resp = _webhook(client, body)
    assert resp.status_code == 400
    assert db.session.scalar(select(func.count(TrackingEvent.id))) == 1  # only the "created" step
    assert _status(po.id) == OrderStatus.SHIPPED


def test_an_unknown_tracking_code_is_200_and_ignored(client, shipped):
    resp = _webhook(client, webhook_body("NOSUCHCODE", "delivered"))
    assert resp.status_code == 200 and resp.json["outcome"] == "unknown"
    assert db.session.scalar(select(func.count(TrackingEvent.id))) == 1


def test_a_replay_changes_nothing_and_states_only_move_forward(client, shipped, ghn):
    order, po = shipped
    ghn.progress("GHNTEST1", "delivered")
    at = dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC)
    delivered = webhook_body("GHNTEST1", "delivered", at)
    assert _webhook(client, delivered).json["outcome"] == "delivered"
    ledger_rows = _ledger_rows(po.id)
    messages = _messages()
    assert _webhook(client, delivered).json["outcome"] == "duplicate"
    # a late "picked" and even "returned" after delivery are kept in the parcel's history, and move nothing back
    assert _webhook(client, webhook_body("GHNTEST1", "picked", at - dt.timedelta(hours=3))).json["outcome"] == "recorded"
    assert _webhook(client, webhook_body("GHNTEST1", "returned", at + dt.timedelta(hours=1))).json["outcome"] \
        == "recorded"
    db.session.expire_all()
    shipment = db.session.scalar(select(Shipment))
    assert shipment.status == "delivered" and not shipment.needs_attention
    assert _status(po.id) == OrderStatus.DELIVERED
    assert _ledger_rows(po.id) == ledger_rows and _messages() == messages
    assert db.session.scalar(select(func.count(OrderEvent.id)).where(OrderEvent.producer_order_id == po.id,
                                                                     OrderEvent.to_status == "delivered")) == 1


def test_a_signed_delivery_ghn_does_not_confirm_moves_nothing(client, shipped, ghn):
    """A leaked secret is not enough: GHN's own API must report the parcel delivered before the part moves."""
    order, po = shipped
    resp = _webhook(client, webhook_body("GHNTEST1", "delivered"))
    assert resp.status_code == 409
    assert ghn.received("v2/shipping-order/detail")[-1].body == {"order_code": "GHNTEST1"}
    ghn.fail_with = 503
    assert _webhook(client, webhook_body("GHNTEST1", "delivered")).status_code == 503
    db.session.expire_all()
    assert _status(po.id) == OrderStatus.SHIPPED
    assert db.session.scalar(select(func.count(TrackingEvent.id))) == 1  # only the "created" step
    assert db.session.scalar(select(Shipment.status)) == "created"
    # once GHN agrees, the carrier's retry is acted on
    ghn.fail_with = None
    ghn.progress("GHNTEST1", "delivered")
    assert _webhook(client, webhook_body("GHNTEST1", "delivered")).json["outcome"] == "delivered"
    assert _status(po.id) == OrderStatus.DELIVERED


def _ledger_rows(po_id):
    from ocop_market.payments.models import ProducerLedgerEntry

    return db.session.scalar(select(func.count(ProducerLedgerEntry.id))
                             .where(ProducerLedgerEntry.producer_order_id == po_id))


def _messages():
    from ocop_market.messaging.models import OutboundMessage

    return db.session.scalar(select(func.count(OutboundMessage.id)))


def test_a_returned_parcel_is_shown_and_flagged_to_staff_not_refunded(client, auth, shipped):
    order, po = shipped
    assert _webhook(client, webhook_body("GHNTEST1", "delivery_fail")).json["outcome"] == "recorded"
    assert _webhook(client, webhook_body("GHNTEST1", "returned", description="Người nhận từ chối")).json["outcome"] \
        == "flagged"
    db.session.expire_all()
    assert _status(po.id) == OrderStatus.SHIPPED
    shipment = db.session.scalar(select(Shipment))
    assert shipment.status == "returned" and shipment.needs_attention
    assert db.session.scalar(select(OrderEvent.to_status).where(OrderEvent.producer_order_id == po.id)
                             .order_by(OrderEvent.id.desc()).limit(1)) == "carrier_returned"
    auth.login("canbo@ocop.vn")
    page = client.get("/quan-tri/van-chuyen/?attention=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "GHNTEST1" in html and "Cần xem" in html
    resp = client.post(f"/quan-tri/van-chuyen/{shipment.id}/da-xem",
                       data={"csrf_token": csrf_from(html), "note": "Gọi người mua, gửi lại"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Shipment, shipment.id).needs_attention
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity_type == "shipment")) \
        == "carriers.attention_cleared"


# ---------------------------------------------------------------- staff: COD reconciliation
def test_staff_reconcile_cod_with_ghn_and_see_mismatches_audited(client, auth, world, ghn):
    _o1, first = world["place"](quantity=1)
    _o2, second = world["place"](quantity=2)
    assert _ship(client, auth, first.id, carrier="ghn").status_code == 302
    assert _ship(client, auth, second.id, carrier="ghn").status_code == 302
    auth.logout()
    for code in ("GHNTEST1", "GHNTEST2"):
        ghn.progress(code, "delivered", cod_collected=True)
    assert _webhook(client, webhook_body("GHNTEST1", "delivered")).json["outcome"] == "delivered"
    assert _webhook(client, webhook_body("GHNTEST2", "delivered")).json["outcome"] == "delivered"
    ghn.orders["GHNTEST2"]["cod_amount"] = 300_000  # GHN says it collected 30.000 ₫ less than the part's total
    auth.login("canbo@ocop.vn")
    html = client.get("/quan-tri/van-chuyen/").get_data(as_text=True)
    assert "Chưa đối soát" in html
    today = local_today().isoformat()  # the form's dates are days in Vietnam, as staff read them on screen
    resp = client.post("/quan-tri/van-chuyen/doi-soat-cod",
                       data={"csrf_token": csrf_from(html), "start": today, "end": today}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Đã đối soát 2 vận đơn COD; 1 chênh lệch." in html and "Chênh lệch" in html
    db.session.expire_all()
    by_code = {s.tracking_code: s for s in db.session.scalars(select(Shipment))}
    assert (by_code["GHNTEST1"].cod_reported_vnd, by_code["GHNTEST1"].cod_mismatch) == (180_000, False)
    assert (by_code["GHNTEST2"].cod_reported_vnd, by_code["GHNTEST2"].cod_mismatch) == (300_000, True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "carriers.cod_reconcile"))
    assert entry.detail_dict["mismatches"] == 1 and entry.actor_id == world["staff"].id
    bad = client.post("/quan-tri/van-chuyen/doi-soat-cod", data={"csrf_token": csrf_from(html), "start": "x"})
    assert bad.status_code == 400


# ---------------------------------------------------------------- who may
def test_another_producer_or_buyer_cannot_see_or_act(client, auth, world, ghn):
    order, po = world["place"]()
    assert _ship(client, auth, po.id, carrier="ghn").status_code == 302
    auth.logout()
    auth.login("sang@ho.vn")  # another household
    html = client.get("/gian-hang/don-hang/").get_data(as_text=True)
    token = csrf_from(html)
    assert client.get(f"/gian-hang/don-hang/{po.id}/nhan-gui-hang").status_code == 404
    assert client.post(f"/gian-hang/don-hang/{po.id}/gui-hang",
                       data={"csrf_token": token, "carrier": "manual", "tracking_code": "EB999999999VN"}
                       ).status_code == 404
    auth.logout()
    auth.login("lan@khach.vn")  # another buyer
    assert client.get(f"/don-hang/{order.code}").status_code == 404
    assert client.get(f"/gian-hang/don-hang/{po.id}/nhan-gui-hang").status_code == 403
    assert client.get(f"/trung-tam/don-hang/{po.id}/nhan-gui-hang").status_code == 403
    assert client.get("/quan-tri/van-chuyen/").status_code == 403
    auth.logout()
    assert client.get(f"/gian-hang/don-hang/{po.id}/nhan-gui-hang").status_code == 302  # the login page
    assert db.session.scalar(select(func.count(Shipment.id))) == 1


def test_a_hub_ships_for_its_household_by_post_office_and_not_for_another(client, auth, world):
    from ocop_market.catalog import hubs

    staff = world["staff"]
    member = make_user("htx@ocop.vn", phone="+84911000111", name="Chị Vân HTX")
    hub = hubs.create_hub(staff, hubs.HubData("HTX Hạt dẻ", "cooperative", world["producer"].province_id))
    hubs.add_member(staff, hub, "htx@ocop.vn")
    hubs.link_household(staff, hub, world["producer"])
    db.session.commit()
    _order, po = world["place"]()
    other_product = make_product(world["other"], name="Miến dong", stock=5)
    from ocop_market.orders import services as orders

    other_order = orders.place_order(world["buyer"], {other_product.id: 1}, orders.CheckoutData(
        "Chị Mai", "0987654321", "Số 1", "Phường Thục Phán", world["producer"].province_id, "cod"))
    db.session.commit()
    other_po = other_order.producer_orders[0]
    auth.login("htx@ocop.vn")
    html = client.get(f"/trung-tam/don-hang/{po.id}").get_data(as_text=True)
    assert f'action="/trung-tam/don-hang/{po.id}/gui-hang"' in html
    resp = client.post(f"/trung-tam/don-hang/{po.id}/gui-hang",
                       data={"csrf_token": csrf_from(html), "carrier": "manual", "tracking_code": "EB555000111VN"})
    assert resp.status_code == 302 and _status(po.id) == OrderStatus.SHIPPED
    shipment = db.session.scalar(select(Shipment))
    assert (shipment.hub_id, shipment.created_by_id) == (hub.id, member.id)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.move"))
    assert audit.detail_dict["hub_id"] == hub.id and audit.detail_dict["to"] == "shipped"
    assert client.get(f"/trung-tam/don-hang/{po.id}/nhan-gui-hang").data.startswith(b"%PDF")
    assert client.post(f"/trung-tam/don-hang/{other_po.id}/gui-hang",
                       data={"csrf_token": csrf_from(html), "carrier": "manual", "tracking_code": "EB555000222VN"}
                       ).status_code == 403
    assert client.get(f"/trung-tam/don-hang/{other_po.id}/nhan-gui-hang").status_code == 403


@pytest.mark.parametrize("app_config", [{"CARRIER_WEBHOOK_SECRET": ""}], indirect=True)
def test_without_a_webhook_secret_there_is_no_webhook(client, world):
    body = webhook_body("GHNTEST1", "delivered")
    assert _webhook(client, body, secret="").status_code == 404


def test_a_carrier_without_webhooks_is_404(client, world):
    body = webhook_body("EB1", "delivered")
    assert client.post("/carriers/manual/webhook", data=body,
                       headers={"X-Ocop-Signature": sign(body, SECRET)}).status_code == 404
    assert client.post("/carriers/dhl/webhook", data=body,
                       headers={"X-Ocop-Signature": sign(body, SECRET)}).status_code == 404


# ---------------------------------------------------------------- the demo
@pytest.mark.parametrize("app_config", [{"GHN_API_TOKEN": ""}], indirect=True)
def test_the_demo_has_a_ghn_parcel_with_its_steps_and_a_post_office_one(app, runner, client, auth):
    app.config["DEMO_PHOTO_SIZE"] = 160
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0  # idempotent
    with app.app_context():
        shipments = list(db.session.scalars(select(Shipment).order_by(Shipment.id)))
        assert [(s.carrier, s.status) for s in shipments] == [("ghn", "delivering"), ("manual", "created")]
        assert [e.carrier_status for e in shipments[0].events] == ["created", "picked", "transporting", "delivering"]
        code = shipments[0].producer_order.order.code
    auth.login("nguoimua@ocop.local", "ocop-buyer-2026")
    html = client.get(f"/don-hang/{code}").get_data(as_text=True)
    assert "Giao Hàng Nhanh (GHN)" in html and "Nhân viên đang giao hàng" in html and "Bưu điện" in html
    auth.logout()
    auth.login("canbo@ocop.local", "ocop-staff-2026")
    html = client.get("/quan-tri/van-chuyen/").get_data(as_text=True)
    assert "GHNDEMO" in html and "VN</td>" in html
