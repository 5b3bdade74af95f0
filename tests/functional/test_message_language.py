"""Messages are written in the recipient's language (issue 12 §2), never in that of whoever set the event off: a
buyer browsing in English orders from a Vietnamese household, which is told in Vietnamese, and the other way round.
Each account keeps its language (`users.locale`): the site's language at sign-up, then the notifications page or
the language switch. Mail and SMS are read as they arrive at the loopback SMTP server and SMS gateway.

Requests run without a held app context (as in test_accounts.py): a context held across requests shares one `g`,
where Flask-Babel caches the locale, and the English of a request would not be the request's own.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ocop_market.accounts.models import User
from ocop_market.extensions import db
from ocop_market.messaging.models import OutboundMessage
from ocop_market.orders import services as orders
from ocop_market.orders.models import Order, OrderStatus
from ocop_market.places import Province
from tests.conftest import csrf_from, make_producer, make_product, make_user
from tests.functional.test_accounts import post_login, post_register, token

PRODUCER_PHONE = "+84912345678"
NOTIFICATIONS = "/tai-khoan/thong-bao"


@pytest.fixture
def app_config(channels_config):
    return {**channels_config, "PUBLIC_URL": "https://cho-ocop.test"}


@pytest.fixture
def shop(app):
    """A household whose owner has e-mail and phone, one product, a buyer; all Vietnamese so far."""
    with app.app_context():
        owner = make_user("hoa@ho.vn", role="producer", phone=PRODUCER_PHONE)
        producer = make_producer(owner=owner)
        product = make_product(producer, stock=5)
        make_user("mai@khach.vn")
        return {"owner_id": owner.id, "product_id": product.id, "slug": product.slug}


def locale_of(app, login: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User.locale).where(User.email == login))


def set_locale(app, login: str, locale: str) -> None:
    with app.app_context():
        db.session.scalar(select(User).where(User.email == login)).locale = locale
        db.session.commit()


def mails_to(server, address):
    return [m for m in server.mails if m.rcpt_tos == [address]]


def sms_to(gateway, number):
    return [m.text for m in gateway.messages if m.to == number]


def order_through_the_site(app, client, shop) -> tuple[str, str]:
    """The signed-in buyer puts two of the product in the cart and checks out (cash on delivery); the order code
    and the page the buyer lands on."""
    page = client.get(f"/san-pham/{shop['slug']}").get_data(as_text=True)
    assert client.post(f"/gio-hang/them/{shop['product_id']}",
                       data={"quantity": "2", "csrf_token": csrf_from(page)}).status_code == 302
    with app.app_context():
        province_id = db.session.scalar(select(Province.id).where(Province.code == "CB"))
    done = client.post("/thanh-toan", data={
        "contact_name": "Mai", "phone": "0987654321", "address_line": "Số 1 Hoàng Đình Giong",
        "commune": "Phường Thục Phán", "province_id": str(province_id), "payment_method": "cod",
        "csrf_token": token(client, "/thanh-toan")}, follow_redirects=True)
    assert done.status_code == 200
    with app.app_context():
        code = db.session.scalar(select(Order.code))
    assert code
    return code, done.get_data(as_text=True)


# ---------------------------------------------------------------- the recipient's language, not the sender's
def test_a_buyer_browsing_in_english_orders_and_the_vietnamese_household_is_told_in_vietnamese(
        app, client, shop, smtp_server, sms_gateway):
    post_login(client, "mai@khach.vn")
    client.get("/ngon-ngu/en")
    code, landing = order_through_the_site(app, client, shop)
    assert f"Order placed! Your order number is {code}." in landing  # the buyer really was reading English
    [mail] = mails_to(smtp_server, "hoa@ho.vn")
    assert mail.subject.startswith(f"Chợ OCOP: đơn hàng mới {code} (")
    assert "Xin chào Hộ bà Lục Thị Hoa," in mail.text and "Bạn có đơn hàng mới" in mail.text
    [text] = sms_to(sms_gateway, PRODUCER_PHONE)
    assert text.startswith(f"Cho OCOP: don moi {code}:")
    with app.app_context():
        rows = db.session.scalars(select(OutboundMessage).where(OutboundMessage.user_id == shop["owner_id"])).all()
        assert {(r.channel, r.locale) for r in rows} == {("email", "vi"), ("sms", "vi")}


def test_a_household_that_chose_english_is_told_in_english_whoever_orders(
        app, client, shop, smtp_server, sms_gateway):
    set_locale(app, "hoa@ho.vn", "en")
    post_login(client, "mai@khach.vn")  # browsing in Vietnamese
    code, landing = order_through_the_site(app, client, shop)
    assert f"Đặt hàng thành công! Mã đơn của bạn là {code}." in landing
    [mail] = mails_to(smtp_server, "hoa@ho.vn")
    assert mail.subject.startswith(f"OCOP Market: new order {code} (")
    assert "Hello Hộ bà Lục Thị Hoa," in mail.text and "Bạn có đơn hàng mới" not in mail.text
    [text] = sms_to(sms_gateway, PRODUCER_PHONE)
    assert text.startswith(f"OCOP Market: new order {code}:")
    # ...and the buyer, still Vietnamese, hears of the household's answer in Vietnamese, though it came from a
    # household that reads English.
    with app.app_context():
        owner = db.session.get(User, shop["owner_id"])
        part = db.session.scalar(select(Order).where(Order.code == code)).producer_orders[0]
        orders.move(part, OrderStatus.CONFIRMED, owner, "producer")
        db.session.commit()
    assert [m.subject for m in mails_to(smtp_server, "mai@khach.vn")] == [f"Chợ OCOP: đơn {code} đã được xác nhận"]


def test_a_message_left_for_later_is_sent_in_the_recipients_language(app, client, shop, smtp_server, runner):
    """Rendered when it is sent, not when it is written: a message queued in a Vietnamese request and sent by
    `notify deliver` from a shell (no request, Vietnamese by default) is still English for an English reader."""
    set_locale(app, "hoa@ho.vn", "en")
    app.config["MESSAGE_DELIVERY"] = "off"
    post_login(client, "mai@khach.vn")
    code, _landing = order_through_the_site(app, client, shop)
    assert mails_to(smtp_server, "hoa@ho.vn") == []
    result = runner.invoke(args=["notify", "deliver"])
    assert result.exit_code == 0, result.output
    [mail] = mails_to(smtp_server, "hoa@ho.vn")
    assert mail.subject.startswith(f"OCOP Market: new order {code} (")


def test_a_reply_by_sms_is_answered_in_the_households_language(app, client, shop, sms_gateway):
    set_locale(app, "hoa@ho.vn", "en")
    with app.app_context():
        buyer = db.session.scalar(select(User).where(User.email == "mai@khach.vn"))
        order = orders.place_order(buyer, {shop["product_id"]: 1}, orders.CheckoutData(
            contact_name="Mai", phone="0987654321", address_line="Số 1", commune="Phường Thục Phán",
            province_id=db.session.scalar(select(Province.id).where(Province.code == "CB")), payment_method="cod"))
        db.session.commit()
        code = order.code
    answer = client.post("/sms/inbound", data=json.dumps({"from": PRODUCER_PHONE, "text": f"OK {code}"}),
                         content_type="application/json",
                         headers={"Authorization": f"Bearer {app.config['SMS_GATEWAY_TOKEN']}"})
    assert answer.status_code == 200
    assert sms_to(sms_gateway, PRODUCER_PHONE)[-1].startswith(f"OCOP Market: order {code} accepted.")


# ---------------------------------------------------------------- where an account's language comes from
def test_signing_up_in_english_keeps_english_for_the_accounts_messages(app, client, smtp_server):
    client.get("/ngon-ngu/en")
    assert post_register(client, "lan@khach.vn").status_code == 302
    assert locale_of(app, "lan@khach.vn") == "en"
    [welcome] = mails_to(smtp_server, "lan@khach.vn")
    assert welcome.subject == "Welcome to OCOP Market"
    vietnamese = app.test_client()
    assert post_register(vietnamese, "binh@khach.vn").status_code == 302
    assert locale_of(app, "binh@khach.vn") == "vi"
    assert [m.subject for m in mails_to(smtp_server, "binh@khach.vn")] == ["Chào mừng bạn đến Chợ OCOP"]


def test_signing_up_by_phone_in_english_sends_the_code_and_keeps_the_account_in_english(app, client, sms_gateway):
    client.get("/ngon-ngu/en")
    assert post_register(client, "0934567890").status_code == 302
    [text] = sms_to(sms_gateway, "+84934567890")
    assert text.startswith("OCOP Market: your phone confirmation code is ")
    code = text.split(" is ", 1)[1][:6]
    verify = "/tai-khoan/xac-nhan-so-dien-thoai"
    assert client.post(verify, data={"code": code, "csrf_token": token(client, verify)}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.phone == "+84934567890")) == "en"


def test_the_notifications_page_changes_the_language_of_messages(app, client, shop, smtp_server):
    post_login(client, "hoa@ho.vn")
    page = client.get(NOTIFICATIONS).get_data(as_text=True)
    assert "Ngôn ngữ của tin nhắn" in page and '<option selected value="vi">Tiếng Việt</option>' in page
    saved = client.post(NOTIFICATIONS, data={"csrf_token": csrf_from(page), "notify_email": "y", "notify_sms": "y",
                                             "locale": "en"})
    assert saved.status_code == 302
    assert locale_of(app, "hoa@ho.vn") == "en"
    assert '<option selected value="en">English</option>' in client.get(NOTIFICATIONS).get_data(as_text=True)
    # A form without the field (an older page) keeps the language and still saves the channels.
    client.post(NOTIFICATIONS, data={"csrf_token": token(client, NOTIFICATIONS), "notify_email": "y"})
    assert locale_of(app, "hoa@ho.vn") == "en"
    with app.app_context():
        assert db.session.scalar(select(User.notify_sms).where(User.email == "hoa@ho.vn")) is False


def test_an_unknown_language_is_refused_with_a_message_and_changes_nothing(app, client, shop):
    post_login(client, "hoa@ho.vn")
    refused = client.post(NOTIFICATIONS, data={"csrf_token": token(client, NOTIFICATIONS), "notify_email": "y",
                                               "locale": "fr"})
    assert refused.status_code == 400
    assert "Lựa chọn không hợp lệ." in refused.get_data(as_text=True)
    assert locale_of(app, "hoa@ho.vn") == "vi"
    with app.app_context():  # nothing of that post was kept: SMS stays on
        assert db.session.scalar(select(User.notify_sms).where(User.email == "hoa@ho.vn")) is True


def test_switching_the_sites_language_switches_a_signed_in_persons_messages(app, client, shop):
    client.get("/ngon-ngu/en")  # not signed in: only the cookie
    post_login(client, "mai@khach.vn")
    assert locale_of(app, "mai@khach.vn") == "vi"
    assert client.get("/ngon-ngu/en").status_code == 302
    assert locale_of(app, "mai@khach.vn") == "en"
    client.get("/ngon-ngu/vi")
    assert locale_of(app, "mai@khach.vn") == "vi"
    assert client.get("/ngon-ngu/fr").status_code == 404
    assert locale_of(app, "mai@khach.vn") == "vi"
