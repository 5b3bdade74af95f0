"""Messages that reach a basic phone (issue 12 §2): order steps written into the outbox in the step's transaction and
delivered by the queue (Huey, immediate in tests) to a real SMTP server and a real SMS gateway on loopback; the
one-tap link; `OK`/`HUY` replies at /sms/inbound; notification channels; staff resending failed messages."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from ocop_market.catalog import listings, producers
from ocop_market.extensions import db
from ocop_market.messaging.models import InboundSms, OutboundMessage
from ocop_market.orders import links
from ocop_market.orders import services as orders
from ocop_market.orders.models import Order, OrderStatus, ProducerOrder
from ocop_market.timeutil import utcnow
from tests.conftest import csrf_from, make_producer, make_product, make_user

PUBLIC = "https://cho-ocop.test"
PRODUCER_PHONE = "+84912345678"
BUYER_PHONE = "+84987654321"


@pytest.fixture
def app_config(channels_config):
    return {**channels_config, "PUBLIC_URL": PUBLIC}


@pytest.fixture
def shop(ctx):
    owner = make_user("hoa@ho.vn", role="producer", phone=PRODUCER_PHONE)
    producer = make_producer(owner=owner)
    product = make_product(producer, stock=5)
    buyer = make_user("mai@khach.vn")
    staff = make_user("canbo@ocop.vn", role="staff")
    return {"producer": producer, "product": product, "buyer": buyer, "staff": staff, "owner": owner}


def place(shop, quantity=2, method="cod") -> Order:
    order = orders.place_order(shop["buyer"], {shop["product"].id: quantity}, orders.CheckoutData(
        contact_name="Chị Mai", phone="0987654321", address_line="Số 1 Hoàng Đình Giong",
        commune="Phường Thục Phán", province_id=shop["producer"].province_id, payment_method=method))
    db.session.commit()
    return order


def part(order) -> ProducerOrder:
    db.session.expire_all()
    return db.session.get_one(Order, order.id).producer_orders[0]


def sms_to(gateway, number):
    return [m.text for m in gateway.messages if m.to == number]


def mails_to(server, address):
    return [m for m in server.mails if m.rcpt_tos == [address]]


# ---------------------------------------------------------------- a new order reaches the producer
def test_a_new_order_reaches_the_producer_by_sms_and_email(shop, smtp_server, sms_gateway):
    order = place(shop)
    [text] = sms_to(sms_gateway, PRODUCER_PHONE)
    assert len(text) <= 160 and text.isascii()
    # One segment: code, items, total, commune, the reply words and the signed link all fit here.
    assert text.startswith(f"Cho OCOP: don moi {order.code}: Hat de Trung Khanh x2, 330.000 d, giao Phuong Thuc Phan. "
                           f"OK/HUY {order.code} {PUBLIC}/d/")
    [mail] = mails_to(smtp_server, "hoa@ho.vn")
    assert mail.subject == f"Chợ OCOP: đơn hàng mới {order.code} (330.000 ₫)"
    assert "Hạt dẻ Trùng Khánh x2" in mail.text and "Phường Thục Phán" in mail.text
    link = next(line for line in mail.text.splitlines() if line.startswith(PUBLIC + "/d/"))
    assert links.check_token(link.rsplit("/", 1)[1], shop["producer"].id) == part(order).id
    # The link is a capability: it does not stay at rest once sent.
    rows = db.session.scalars(select(OutboundMessage).where(OutboundMessage.event_key.like("order_part:%:placed"))).all()
    assert {r.channel for r in rows} == {"email", "sms"} and all(r.secret_params is None for r in rows)
    assert all(r.state == "sent" for r in rows)


def test_a_failed_checkout_writes_no_message(shop, smtp_server, sms_gateway):
    with pytest.raises(orders.OutOfStock):
        place(shop, quantity=6)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
    assert sms_gateway.messages == [] and smtp_server.mails == []


def test_an_unpaid_transfer_order_is_told_to_the_producer_only_once_paid(app, shop, smtp_server, sms_gateway):
    app.config.update(VIETQR_BANK_BIN="970436", VIETQR_ACCOUNT_NO="0123456789")
    order = place(shop, method="bank_transfer")
    assert sms_to(sms_gateway, PRODUCER_PHONE) == []
    from ocop_market.orders import fulfilment

    fulfilment.mark_transfer_received(db.session.get_one(Order, order.id), shop["staff"])
    db.session.commit()
    assert len(sms_to(sms_gateway, PRODUCER_PHONE)) == 1
    [paid] = [m for m in mails_to(smtp_server, "mai@khach.vn") if "thanh toán" in m.subject]
    assert order.code in paid.subject and "330.000\xa0₫" in paid.text
    assert any("da nhan thanh toan 330.000 d" in t for t in sms_to(sms_gateway, BUYER_PHONE))


def test_long_names_give_a_shorter_sms_that_still_fits_one_segment(shop, sms_gateway):
    product = make_product(shop["producer"], name="Thịt lợn đen hun khói gác bếp truyền thống của người Tày", stock=5)
    order = orders.place_order(shop["buyer"], {product.id: 1, shop["product"].id: 1}, orders.CheckoutData(
        contact_name="Chị Mai", phone="0987654321", address_line="Số 1", commune="Xã Quang Trung, huyện Hòa An cũ",
        province_id=shop["producer"].province_id, payment_method="cod"))
    db.session.commit()
    [text] = sms_to(sms_gateway, PRODUCER_PHONE)
    assert len(text) <= 160
    assert f"Tra loi OK {order.code} de nhan, HUY {order.code} de tu choi." in text  # the link gave way
    assert "Hat de Trung Khanh x1; Thit lon..." in text or text.startswith(f"Cho OCOP: don moi {order.code},")


# ---------------------------------------------------------------- each step reaches the buyer once per channel
def test_every_step_reaches_the_buyer_once_per_channel(shop, smtp_server, sms_gateway):
    order = place(shop)
    po = part(order)
    for to in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        orders.move(po, to, shop["owner"], "producer")
        db.session.commit()
    texts = sms_to(sms_gateway, BUYER_PHONE)  # the number given at checkout: the buyer's account has none
    assert len(texts) == 3 and all(len(t) <= 160 for t in texts)
    assert texts[0] == f"Cho OCOP: don {order.code} da duoc Ho ba Luc Thi Hoa xac nhan va dang duoc chuan bi."
    assert "dang duoc giao den ban" in texts[1] and "da giao" in texts[2]
    subjects = [m.subject for m in mails_to(smtp_server, "mai@khach.vn")]
    assert subjects == [f"Chợ OCOP: đơn {order.code} đã được xác nhận", f"Chợ OCOP: đơn {order.code} đang được giao",
                        f"Chợ OCOP: đơn {order.code} đã giao"]
    keys = db.session.scalars(select(OutboundMessage.event_key).where(OutboundMessage.user_id == shop["buyer"].id)).all()
    assert sorted(keys) == sorted(f"order_part:{po.id}:{s}" for s in ("confirmed", "shipped", "delivered")
                                  for _channel in ("email", "sms"))


def test_a_cancelled_part_tells_the_buyer_with_the_reason(shop, smtp_server, sms_gateway):
    order = place(shop)
    orders.move(part(order), OrderStatus.CANCELLED, shop["owner"], "producer", "Hết hàng do mưa lũ")
    db.session.commit()
    [text] = sms_to(sms_gateway, BUYER_PHONE)
    assert text == f"Cho OCOP: phan don {order.code} cua Ho ba Luc Thi Hoa da bi huy. Het hang do mua lu"
    [mail] = mails_to(smtp_server, "mai@khach.vn")
    assert "Lý do: Hết hàng do mưa lũ" in mail.text


def test_a_buyer_who_turns_sms_off_gets_email_only(app, shop, client, auth, smtp_server, sms_gateway):
    auth.login("mai@khach.vn")
    page = client.get("/tai-khoan/thong-bao")
    assert page.status_code == 200 and "Cách nhận tin" in page.get_data(as_text=True)
    response = client.post("/tai-khoan/thong-bao", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                        "notify_email": "y"})
    assert response.status_code == 302
    order = place(shop)
    orders.move(part(order), OrderStatus.CONFIRMED, shop["owner"], "producer")
    db.session.commit()
    assert sms_to(sms_gateway, BUYER_PHONE) == [] and len(mails_to(smtp_server, "mai@khach.vn")) == 1
    listing = client.get("/tai-khoan/thong-bao").get_data(as_text=True)
    assert "Cập nhật đơn hàng · " + order.code in listing and "Đã gửi" in listing


# ---------------------------------------------------------------- the one-tap link
def _link(smtp_server) -> str:
    mail = next(m for m in smtp_server.mails if m.rcpt_tos == ["hoa@ho.vn"])
    return next(line for line in mail.text.splitlines() if line.startswith(PUBLIC + "/d/"))[len(PUBLIC):]


def test_the_link_confirms_the_order_without_a_login_and_the_buyer_hears_of_it(shop, client, smtp_server, sms_gateway):
    order = place(shop)
    path = _link(smtp_server)
    page = client.get(path)  # opening it changes nothing (link previews, scanners)
    assert page.status_code == 200 and part(order).status == OrderStatus.PLACED
    html = page.get_data(as_text=True)
    assert order.code in html and "Xác nhận đơn" in html and "Số 1 Hoàng Đình Giong" in html
    done = client.post(path + "/xac-nhan", data={"csrf_token": csrf_from(html)})
    assert done.status_code == 302
    po = part(order)
    assert po.status == OrderStatus.CONFIRMED
    assert po.events[-1].actor_id == shop["owner"].id and "liên kết" in po.events[-1].note
    assert any("da duoc Ho ba Luc Thi Hoa xac nhan" in t for t in sms_to(sms_gateway, BUYER_PHONE))
    again = client.get(path).get_data(as_text=True)
    assert "không còn gì để làm" in again
    assert client.post(path + "/tu-choi", data={"csrf_token": csrf_from(html)}).status_code == 409
    assert part(order).status == OrderStatus.CONFIRMED


def test_the_link_declines_with_a_reason(shop, client, smtp_server):
    order = place(shop)
    path = _link(smtp_server)
    html = client.get(path).get_data(as_text=True)
    # one tap on "Từ chối đơn" asks first (issue 14): the confirm page, with the reason typed, changes nothing
    ask = client.post(path + "/tu-choi", data={"csrf_token": csrf_from(html), "note": "Hết hàng"})
    page = ask.get_data(as_text=True)
    assert ask.status_code == 200 and f"Từ chối đơn {order.code}?" in page and 'value="Hết hàng"' in page
    assert "Có, từ chối đơn" in page and f'href="{path}"' in page  # the way back is the link's page
    assert part(order).status == OrderStatus.PLACED
    client.post(path + "/tu-choi", data={"csrf_token": csrf_from(page), "note": "Hết hàng", "confirmed": "1"})
    po = part(order)
    assert po.status == OrderStatus.CANCELLED and po.events[-1].note == "Hết hàng"
    assert shop["product"].stock == 5 or db.session.get_one(type(shop["product"]), shop["product"].id).stock == 5


def test_a_changed_or_foreign_link_is_not_found_and_an_old_one_has_expired(shop, client, smtp_server):
    order = place(shop)
    path = _link(smtp_server)
    token = path.rsplit("/", 1)[1]
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert client.get(f"/d/{forged}").status_code == 404
    other = make_producer(name="Hộ ông Nông Văn Dũng")
    assert client.get(f"/d/{links.make_token(part(order).id, other.id)}").status_code == 404
    assert client.get("/d/not-a-token").status_code == 404
    assert client.get("/d/99999999999-abc-aaaaaaaaaa").status_code == 404
    old = links.make_token(part(order).id, shop["producer"].id, now=utcnow() - dt.timedelta(hours=73))
    expired = client.get(f"/d/{old}")
    assert expired.status_code == 410 and "hết hạn" in expired.get_data(as_text=True)
    assert part(order).status == OrderStatus.PLACED


# ---------------------------------------------------------------- replies from a basic phone
def _inbound(client, app, body, token=None):
    token = app.config["SMS_GATEWAY_TOKEN"] if token is None else token
    return client.post("/sms/inbound", data=json.dumps(body), content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})


def test_ok_from_the_registered_number_confirms_and_is_answered(app, shop, client, sms_gateway):
    order = place(shop)
    response = _inbound(client, app, {"from": "0912 345 678", "text": f"ok  {order.code.lower()}", "id": "gw-1"})
    assert response.status_code == 200 and response.get_json() == {"status": "confirmed", "order": order.code}
    assert part(order).status == OrderStatus.CONFIRMED
    assert part(order).events[-1].note == f"Trả lời SMS từ {PRODUCER_PHONE}: OK"
    replies = sms_to(sms_gateway, PRODUCER_PHONE)
    assert replies[-1] == f"Cho OCOP: da nhan don {order.code}. Hay chuan bi hang; nguoi mua da duoc bao."
    assert any("xac nhan" in t for t in sms_to(sms_gateway, BUYER_PHONE))
    # The gateway delivers the same text again: same answer, nothing more happens.
    again = _inbound(client, app, {"from": PRODUCER_PHONE, "text": f"OK {order.code}", "id": "gw-1"})
    assert again.get_json() == {"status": "confirmed", "order": order.code}
    assert db.session.scalar(select(func.count()).select_from(InboundSms)) == 1
    assert len(sms_to(sms_gateway, PRODUCER_PHONE)) == len(replies)


def test_huy_declines_and_puts_the_stock_back(app, shop, client, sms_gateway):
    order = place(shop)
    response = _inbound(client, app, {"from": PRODUCER_PHONE, "text": f"Hủy {order.code}"})
    assert response.get_json()["status"] == "declined"
    assert part(order).status == OrderStatus.CANCELLED
    db.session.expire_all()
    assert db.session.get_one(type(shop["product"]), shop["product"].id).stock == 5
    second = _inbound(client, app, {"from": PRODUCER_PHONE, "text": f"OK {order.code}"})
    assert second.get_json()["status"] == "not_possible"
    assert sms_to(sms_gateway, PRODUCER_PHONE)[-1] == (
        f"Cho OCOP: don {order.code} dang o trang thai \"Da huy\", khong the lam theo tin nhan.")


def test_another_number_cannot_act_on_the_order_and_learns_nothing(app, shop, client, sms_gateway):
    order = place(shop)
    response = _inbound(client, app, {"from": "+84911111111", "text": f"OK {order.code}"})
    assert response.get_json()["status"] == "unknown_order"
    assert part(order).status == OrderStatus.PLACED
    assert sms_to(sms_gateway, "+84911111111") == [
        f"Cho OCOP: khong tim thay don {order.code} cua so dien thoai nay."]
    nonsense = _inbound(client, app, {"from": PRODUCER_PHONE, "text": "xin chao"})
    assert nonsense.get_json()["status"] == "not_understood"
    assert "Nhan OK <ma don>" in sms_to(sms_gateway, PRODUCER_PHONE)[-1]


def test_the_inbound_endpoint_wants_the_gateway_token_and_a_json_object(app, shop, client):
    order = place(shop)
    body = {"from": PRODUCER_PHONE, "text": f"OK {order.code}"}
    assert _inbound(client, app, body, token="wrong").status_code == 401
    assert client.post("/sms/inbound", json=body).status_code == 401
    bad = client.post("/sms/inbound", data="not json", content_type="application/json",
                      headers={"Authorization": f"Bearer {app.config['SMS_GATEWAY_TOKEN']}"})
    assert bad.status_code == 400 and bad.get_json()["error"]["status"] == 400
    assert _inbound(client, app, {"from": 12, "text": "OK"}).status_code == 400
    assert _inbound(client, app, {"from": "12345", "text": "OK"}).status_code == 400
    assert _inbound(client, app, {"from": PRODUCER_PHONE, "text": "x" * 1001}).status_code == 400
    assert part(order).status == OrderStatus.PLACED
    app.config["SMS_GATEWAY_TOKEN"] = ""
    assert client.post("/sms/inbound", json=body).status_code == 404


# ---------------------------------------------------------------- failures: staff see them and resend
def test_staff_see_a_message_that_never_arrived_and_resend_it(app, shop, client, auth, sms_gateway):
    app.config["MESSAGE_MAX_ATTEMPTS"] = 1
    sms_gateway.status = 503
    order = place(shop)
    failed = db.session.scalars(select(OutboundMessage).where(OutboundMessage.state == "failed")).all()
    assert [m.channel for m in failed] == ["sms"] and failed[0].retry_at is None  # no attempt left
    auth.login("canbo@ocop.vn")
    page = client.get("/quan-tri/tin-nhan-loi")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Đơn hàng mới · " + order.code in html and "503" in html
    sms_gateway.status = 200
    response = client.post(f"/quan-tri/tin-nhan-loi/{failed[0].id}/gui-lai", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get_one(OutboundMessage, failed[0].id).state == "sent"
    assert len(sms_to(sms_gateway, PRODUCER_PHONE)) == 1
    assert "Không có tin nào gửi lỗi" in client.get("/quan-tri/tin-nhan-loi").get_data(as_text=True)


def test_a_buyer_cannot_see_the_failed_messages(shop, client, auth):
    auth.login("mai@khach.vn")
    assert client.get("/quan-tri/tin-nhan-loi").status_code in (403, 404)


# ---------------------------------------------------------------- reviews reach the producer
def test_listing_and_producer_reviews_reach_the_producer(shop, smtp_server, sms_gateway):
    product = make_product(shop["producer"], name="Miến dong Nguyên Bình", status="pending")
    listings.reject_product(shop["staff"], product, "Ảnh mờ, chụp lại giúp")
    db.session.commit()
    assert sms_to(sms_gateway, PRODUCER_PHONE)[-1] == (
        'Cho OCOP: san pham "Mien dong Nguyen Binh" chua duoc duyet. Ly do: Anh mo, chup lai giup')
    listings.submit_for_review(shop["owner"], product)
    listings.approve_product(shop["staff"], product)
    db.session.commit()
    assert sms_to(sms_gateway, PRODUCER_PHONE)[-1] == (
        'Cho OCOP: san pham "Mien dong Nguyen Binh" da duoc duyet va dang duoc ban.')
    assert [m.subject for m in mails_to(smtp_server, "hoa@ho.vn")] == [
        "Chợ OCOP: “Miến dong Nguyên Bình” chưa được duyệt", "Chợ OCOP: “Miến dong Nguyên Bình” đã được duyệt"]
    producers.reject_producer(shop["staff"], shop["producer"], "Thiếu giấy xác nhận hộ nghèo")
    db.session.commit()
    assert "Ly do: Thieu giay xac nhan ho ngheo" in sms_to(sms_gateway, PRODUCER_PHONE)[-1]


# ---------------------------------------------------------------- every SMS fits one segment, in both languages
SAMPLES = {
    "order_new": {"code": "DH261202ABCDE", "items_short": "Thit lon den hun khoi gac bep x2...", "total": "1.250.000 ₫",
                  "commune": "Xã Quang Trung, huyện Hòa An", "link": PUBLIC + "/d/123456-tpk8dg-xckaipkmb7"},
    "order_update": {"code": "DH261202ABCDE", "producer": "Hợp tác xã nông nghiệp Trùng Khánh Cao Bằng",
                     "note": "Hết hàng do mưa lũ kéo dài nhiều ngày ở xã, xin lỗi quý khách"},
    "order_paid": {"code": "DH261202ABCDE", "total": "12.250.000 ₫"},
    "order_unconfirmed": {"code": "DH261202ABCDE", "total": "12.250.000 ₫", "hours": 24},
    "order_unconfirmed_staff": {"code": "DH261202ABCDE", "producer": "Hợp tác xã nông nghiệp Trùng Khánh", "hours": 48},
    "certificate_expiring": {"product": "Thịt lợn đen hun khói gác bếp truyền thống", "expires_on": "01/03/2027",
                             "days_left": 90},
    "certificate_expiring_staff": {"certificates": [{"expires_on": "01/03/2027"}] * 12},
    "listing_reviewed": {"product": "Thịt lợn đen hun khói gác bếp truyền thống", "approved": False,
                         "reason": "Ảnh chụp mờ, chưa thấy rõ tem truy xuất nguồn gốc trên bao bì sản phẩm"},
    "producer_reviewed": {"producer": "Hợp tác xã nông nghiệp Trùng Khánh Cao Bằng", "verified": False,
                          "reason": "Thiếu giấy xác nhận hộ nghèo của UBND xã năm 2026, bổ sung giúp"},
    "promotion_decided": {"product": "Thịt lợn đen hun khói gác bếp truyền thống", "monday": "07/12/2026",
                          "granted": False, "reason": "Cơ sở không thuộc hộ nghèo, cận nghèo, mới thoát nghèo và không tham gia dự án hỗ trợ đang thực hiện"},
    "sms_reply": {"outcome": "not_possible", "code": "DH261202ABCDE", "state": "Đang giao"},
}


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_sms_fits_one_gsm7_segment(ctx, kind, locale):
    from ocop_market.messaging.rendering import render

    text = render(kind, "sms", locale, SAMPLES[kind]).text
    assert len(text) <= 160 and text.isascii(), text


# ---------------------------------------------------------------- a new account
def test_a_new_account_is_welcomed_by_email_and_an_existing_one_hears_nothing(app, client, smtp_server):
    def register(login):
        page = client.get("/tai-khoan/dang-ky").get_data(as_text=True)
        return client.post("/tai-khoan/dang-ky", data={
            "csrf_token": csrf_from(page), "display_name": "Nông Thị Lan", "login": login,
            "password": "mat-khau-123", "confirm": "mat-khau-123"})

    assert register("lan@example.vn").status_code == 302
    [mail] = smtp_server.mails
    assert mail.rcpt_tos == ["lan@example.vn"] and mail.subject == "Chào mừng bạn đến Chợ OCOP"
    assert "Xin chào Nông Thị Lan" in mail.text
    assert register("lan@example.vn").status_code == 302  # answered on screen (the login page) ...
    assert len(smtp_server.mails) == 1  # ... and nothing sent
