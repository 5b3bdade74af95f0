"""Requests for quote (issue 17): an organisation buyer asks for 300 packs, the producer (or its hub) answers once,
the buyer accepts once, before the quote expires, into an order at the quoted price and date; stock is reserved by
the conditional UPDATE at acceptance. A quote is between one organisation buyer and one household: anyone else gets
404 (403 for a hub not linked) and changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ocop_market.accounts import organisations
from ocop_market.accounts.models import User
from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.messaging.models import OutboundMessage
from ocop_market.orders import wholesale
from ocop_market.orders.models import Order, OrderLine, Quote
from ocop_market.places import Province
from ocop_market.timeutil import local_today
from tests.conftest import csrf_from, make_producer, make_product, make_user


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _org(email: str, name: str) -> None:
    organisations.save(_user(email), organisations.OrganisationData(
        "company", name, "0101234567", "Số 5 Tràng Tiền, Hà Nội", "Anh Minh"))
    db.session.commit()


@pytest.fixture
def world(ctx):
    owner = make_user("hoa@ho.vn", role="producer")
    other_owner = make_user("sang@ho.vn", role="producer")
    make_user("quatet@congty.vn")
    make_user("khac@congty.vn")
    make_user("mai@khach.vn")
    producer = make_producer(owner=owner)
    make_producer(owner=other_owner, name="Hộ ông Nông Văn Sáng")
    product = make_product(producer, name="Trà shan tuyết Phja Oắc", price=120_000, stock=500, stars=0)
    product.case_min_quantity = 50
    db.session.commit()
    _org("quatet@congty.vn", "Công ty TNHH Quà Tết Việt")
    _org("khac@congty.vn", "Công ty Cổ phần Khác")
    return {"product": product, "province": db.session.scalar(select(Province.id).where(Province.code == "CB"))}


def _ask(client, world, **over):
    url = f"/bao-gia/moi/{world['product'].id}"
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "quantity": "300",
            "wanted_date": (local_today() + dt.timedelta(days=30)).isoformat(),
            "province_id": str(world["province"]), "note": "Đóng hộp quà Tết, xuất hóa đơn GTGT"}
    data.update(over)
    return client.post(url, data=data)


def _answer(client, quote_id, area="gian-hang", **over):
    page = client.get(f"/{area}/bao-gia/{quote_id}")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "unit_price_vnd": "98.000",
            "delivery_date": (local_today() + dt.timedelta(days=25)).isoformat(),
            "valid_until": (local_today() + dt.timedelta(days=10)).isoformat()}
    data.update(over)
    return client.post(f"/{area}/bao-gia/{quote_id}/bao-gia", data=data)


def _order(client, world, quote_id, **over):
    page = client.get(f"/bao-gia/{quote_id}/dat-hang")
    if page.status_code != 200:
        return page
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "contact_name": "Anh Minh", "phone": "0912345678",
            "address_line": "Số 5 Tràng Tiền", "commune": "Phường Hoàn Kiếm", "province_id": str(world["province"]),
            "payment_method": "cod", "unit_price_vnd": "1"}
    data.update(over)
    return client.post(f"/bao-gia/{quote_id}/dat-hang", data=data)


def _quoted(world) -> Quote:
    """A quote asked by Quà Tết Việt and answered at 98.000 ₫, made through the services."""
    quote = wholesale.ask(_user("quatet@congty.vn"), world["product"].id, wholesale.QuoteAsk("300", world["province"]))
    wholesale.answer(quote, _user("hoa@ho.vn"), "producer", wholesale.QuoteAnswer(
        98_000, local_today() + dt.timedelta(days=25), local_today() + dt.timedelta(days=10)))
    db.session.commit()
    return quote


def test_an_organisation_gets_a_quote_for_300_packs_and_orders_it(client, auth, world):
    auth.login("quatet@congty.vn")
    assert "Yêu cầu báo giá" in client.get(f"/san-pham/{world['product'].slug}").get_data(as_text=True)
    assert _ask(client, world).status_code == 302
    quote = db.session.scalar(select(Quote))
    assert (quote.status, quote.quantity, quote.buyer_id) == ("requested", 300, _user("quatet@congty.vn").id)
    told = db.session.scalars(select(OutboundMessage).where(OutboundMessage.template == "quote_requested")).all()
    assert {m.recipient for m in told if m.channel == "email"} == {"hoa@ho.vn"}
    auth.logout()

    auth.login("hoa@ho.vn")
    assert "Công ty TNHH Quà Tết Việt" in client.get("/gian-hang/bao-gia/").get_data(as_text=True)
    page = client.get(f"/gian-hang/bao-gia/{quote.id}").get_data(as_text=True)
    assert "0101234567" in page and "300" in page
    assert _answer(client, quote.id).status_code == 302
    db.session.expire_all()
    quote = db.session.get(Quote, quote.id)
    assert (quote.status, quote.unit_price_vnd) == ("quoted", 98_000)
    assert _answer(client, quote.id, unit_price_vnd="1000").status_code == 409  # answered once
    told = db.session.scalars(select(OutboundMessage).where(OutboundMessage.template == "quote_answered")).all()
    assert {m.recipient for m in told if m.channel == "email"} == {"quatet@congty.vn"}
    auth.logout()

    auth.login("quatet@congty.vn")
    detail = client.get(f"/bao-gia/{quote.id}").get_data(as_text=True)
    assert "98.000" in detail and "Đồng ý và đặt hàng" in detail
    resp = _order(client, world, quote.id)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    order = db.session.scalar(select(Order))
    line = db.session.scalar(select(OrderLine))
    assert (line.quantity, line.unit_price_vnd, line.line_total_vnd) == (300, 98_000, 29_400_000)
    assert order.delivery_date == local_today() + dt.timedelta(days=25)
    assert order.total_vnd == order.subtotal_vnd + order.shipping_vnd and order.subtotal_vnd == 29_400_000
    db.session.expire_all()
    assert db.session.get(Product, world["product"].id).stock == 200
    quote = db.session.get(Quote, quote.id)
    assert (quote.status, quote.order_id) == ("accepted", order.id)
    assert order.code in client.get(f"/bao-gia/{quote.id}").get_data(as_text=True)
    # Used once: a second acceptance is refused and takes no stock.
    again = _order(client, world, quote.id)
    assert again.status_code == 303
    assert db.session.scalar(select(Order.id).where(Order.id != order.id)) is None
    assert db.session.get(Product, world["product"].id).stock == 200


def test_a_person_cannot_ask_for_a_quote_and_is_shown_how_to_become_an_organisation(client, auth, world):
    auth.login("mai@khach.vn")
    page = client.get(f"/bao-gia/moi/{world['product'].id}")
    assert page.status_code == 200 and "Đăng ký là khách hàng tổ chức" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post(f"/bao-gia/moi/{world['product'].id}", data={"csrf_token": token, "quantity": "300",
                                                                    "province_id": str(world["province"])})
    assert resp.status_code == 403
    assert db.session.scalar(select(Quote)) is None
    auth.logout()
    auth.login("hoa@ho.vn")
    assert client.get(f"/bao-gia/moi/{world['product'].id}").status_code == 403


@pytest.mark.parametrize("over", [{"quantity": "10"}, {"quantity": "10001"}, {"quantity": "1.5"}, {"quantity": "-3"},
                                  {"quantity": "10" * 20},
                                  {"wanted_date": (dt.date.today() - dt.timedelta(days=2)).isoformat()},
                                  {"wanted_date": (dt.date.today() + dt.timedelta(days=120)).isoformat()},
                                  {"wanted_date": "31/02/2027"}, {"province_id": "999999"}])
def test_bad_requests_are_refused_in_vietnamese_and_nothing_is_kept(client, auth, world, over):
    auth.login("quatet@congty.vn")
    resp = _ask(client, world, **over)
    assert resp.status_code == 400
    assert db.session.scalar(select(Quote)) is None


@pytest.mark.parametrize("over", [{"unit_price_vnd": "0"}, {"unit_price_vnd": "abc"}, {"unit_price_vnd": "9" * 12},
                                  {"delivery_date": (dt.date.today() - dt.timedelta(days=3)).isoformat()},
                                  {"valid_until": (dt.date.today() + dt.timedelta(days=60)).isoformat()},
                                  {"valid_until": (dt.date.today() + dt.timedelta(days=28)).isoformat()}])
def test_bad_answers_are_refused_and_nothing_is_kept(client, auth, world, over):
    quote = wholesale.ask(_user("quatet@congty.vn"), world["product"].id, wholesale.QuoteAsk("300", world["province"]))
    db.session.commit()
    auth.login("hoa@ho.vn")
    resp = _answer(client, quote.id, **over)
    assert resp.status_code == 400
    db.session.expire_all()
    assert (db.session.get(Quote, quote.id).status, db.session.get(Quote, quote.id).unit_price_vnd) == ("requested", None)


def test_the_producer_declines_with_a_reason_and_the_buyer_reads_it(client, auth, world):
    quote = wholesale.ask(_user("quatet@congty.vn"), world["product"].id, wholesale.QuoteAsk("300", world["province"]))
    db.session.commit()
    auth.login("hoa@ho.vn")
    page = client.get(f"/gian-hang/bao-gia/{quote.id}").get_data(as_text=True)
    token = csrf_from(page)
    assert client.post(f"/gian-hang/bao-gia/{quote.id}/tu-choi", data={"csrf_token": token, "reason": ""}).status_code == 400
    resp = client.post(f"/gian-hang/bao-gia/{quote.id}/tu-choi",
                       data={"csrf_token": token, "reason": "Vụ trà mới chưa thu hoạch"})
    assert resp.status_code == 302
    auth.logout()
    auth.login("quatet@congty.vn")
    assert "Vụ trà mới chưa thu hoạch" in client.get(f"/bao-gia/{quote.id}").get_data(as_text=True)
    assert _order(client, world, quote.id).status_code == 303
    assert db.session.scalar(select(Order)) is None


def test_nobody_else_sees_answers_or_accepts_a_quote(client, auth, world):
    quote = _quoted(world)
    for email in ("khac@congty.vn", "mai@khach.vn"):
        auth.login(email)
        assert client.get(f"/bao-gia/{quote.id}").status_code == 404
        assert client.get(f"/bao-gia/{quote.id}/dat-hang").status_code == 404
        token = csrf_from(client.get("/gio-hang").get_data(as_text=True))
        assert client.post(f"/bao-gia/{quote.id}/dat-hang", data={"csrf_token": token}).status_code == 404
        assert f"/bao-gia/{quote.id}" not in client.get("/bao-gia/").get_data(as_text=True)
        auth.logout()
    auth.login("sang@ho.vn")
    assert client.get(f"/gian-hang/bao-gia/{quote.id}").status_code == 404
    assert _answer_status(client, quote.id) == 404
    token = csrf_from(client.get("/gian-hang/").get_data(as_text=True))
    assert client.post(f"/gian-hang/bao-gia/{quote.id}/tu-choi",
                       data={"csrf_token": token, "reason": "x"}).status_code == 404
    auth.logout()
    auth.login("hoa@ho.vn")  # the seller may not accept its own quote as a buyer
    assert client.get(f"/bao-gia/{quote.id}").status_code == 403
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == "quoted" and db.session.scalar(select(Order)) is None


def _answer_status(client, quote_id) -> int:
    token = csrf_from(client.get("/gian-hang/").get_data(as_text=True))
    return client.post(f"/gian-hang/bao-gia/{quote_id}/bao-gia", data={
        "csrf_token": token, "unit_price_vnd": "1000", "delivery_date": local_today().isoformat(),
        "valid_until": local_today().isoformat()}).status_code


def test_an_expired_quote_cannot_be_accepted_and_the_sweep_writes_it(client, auth, world):
    quote = _quoted(world)
    quote.valid_until = local_today() - dt.timedelta(days=1)
    db.session.commit()
    auth.login("quatet@congty.vn")
    assert "Hết hạn" in client.get(f"/bao-gia/{quote.id}").get_data(as_text=True)
    assert _order(client, world, quote.id).status_code == 303
    assert db.session.scalar(select(Order)) is None
    # The service refuses it as well, whatever page was open.
    from ocop_market.errors import Conflict
    from ocop_market.orders import services
    with pytest.raises(Conflict):
        wholesale.accept(_user("quatet@congty.vn"), db.session.get(Quote, quote.id), services.CheckoutData(
            "Anh Minh", "0912345678", "Số 5", "Phường Hoàn Kiếm", world["province"], "cod"))
    db.session.rollback()
    from ocop_market.jobs import queue
    assert queue.run_job("orders.expire_quotes").summary == "quotes expired 1"
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == "expired"


def test_an_unanswered_request_expires(ctx, world):
    quote = wholesale.ask(_user("quatet@congty.vn"), world["product"].id, wholesale.QuoteAsk("300", world["province"]))
    quote.created_at = quote.created_at - dt.timedelta(days=wholesale.ANSWER_DAYS + 2)
    db.session.commit()
    assert wholesale.state_on(quote) == "expired"
    from ocop_market.errors import Conflict
    with pytest.raises(Conflict):
        wholesale.answer(quote, _user("hoa@ho.vn"), "producer", wholesale.QuoteAnswer(
            98_000, local_today() + dt.timedelta(days=25), local_today() + dt.timedelta(days=10)))


def test_out_of_stock_at_acceptance_is_a_clear_message_and_the_quote_stays(client, auth, world):
    quote = _quoted(world)
    product = db.session.get(Product, world["product"].id)
    product.stock = 120
    db.session.commit()
    auth.login("quatet@congty.vn")
    resp = _order(client, world, quote.id)
    assert resp.status_code == 409
    assert "không còn đủ 300" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 120
    assert db.session.get(Quote, quote.id).status == "quoted" and db.session.scalar(select(Order)) is None
    db.session.get(Product, product.id).stock = 300
    db.session.commit()
    assert _order(client, world, quote.id).status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 0


def test_two_acceptances_of_one_quote_make_one_order(ctx, world):
    """The second acceptance (a second tab) finds the quote used and rolls back its order with the stock it took."""
    from ocop_market.errors import Conflict
    from ocop_market.orders import services

    quote = _quoted(world)
    buyer = _user("quatet@congty.vn")
    data = services.CheckoutData("Anh Minh", "0912345678", "Số 5", "Phường Hoàn Kiếm", world["province"], "cod")
    stale = db.session.get(Quote, quote.id)
    wholesale.accept(buyer, stale, data)
    db.session.commit()
    # A tab that read the quote before the first acceptance committed: its state is 'quoted' in memory.
    db.session.execute(db.update(Quote).where(Quote.id == quote.id).values(status="accepted"))
    stale_copy = Quote(id=quote.id, buyer_id=buyer.id, product_id=quote.product_id, producer_id=quote.producer_id,
                       quantity=300, province_id=quote.province_id, status="quoted", unit_price_vnd=98_000,
                       delivery_date=quote.delivery_date, valid_until=quote.valid_until)
    db.session.expunge(stale)
    with pytest.raises(Conflict):
        wholesale.accept(buyer, stale_copy, data)
    db.session.rollback()
    assert len(db.session.scalars(select(Order)).all()) == 1
    assert db.session.get(Product, world["product"].id).stock == 200


def test_a_hub_answers_for_its_household_and_another_hub_is_refused(client, auth, world):
    from ocop_market.catalog import hubs as hub_service

    staff = make_user("canbo@tinh.vn", role="staff")
    make_user("diemban@hub.vn")
    make_user("khac@hub.vn")
    hub = hub_service.create_hub(staff, hub_service.HubData(name="Điểm bán HTX Phja Oắc", kind="cooperative",
                                                            province_id=world["province"], phone="0912000111"))
    hub_service.add_member(staff, hub, "diemban@hub.vn")
    hub_service.link_household(staff, hub, world["product"].producer)
    other = hub_service.create_hub(staff, hub_service.HubData(name="Điểm bán khác", kind="cooperative",
                                                              province_id=world["province"], phone="0912000222"))
    hub_service.add_member(staff, other, "khac@hub.vn")
    db.session.commit()
    quote = wholesale.ask(_user("quatet@congty.vn"), world["product"].id, wholesale.QuoteAsk("300", world["province"]))
    db.session.commit()
    auth.login("khac@hub.vn")
    assert client.get(f"/trung-tam/bao-gia/{quote.id}").status_code == 403
    auth.logout()
    auth.login("diemban@hub.vn")
    assert "Công ty TNHH Quà Tết Việt" in client.get("/trung-tam/bao-gia/").get_data(as_text=True)
    assert _answer(client, quote.id, area="trung-tam").status_code == 302
    db.session.expire_all()
    quote = db.session.get(Quote, quote.id)
    assert (quote.status, quote.answered_hub_id) == ("quoted", hub.id)


def test_concurrent_acceptances_of_one_quote_make_one_order_and_take_the_stock_once(app, ctx, world):
    """Six tabs accept the same quote at the same moment, each in its own thread, session and connection (SQLite WAL
    by default, PostgreSQL with TEST_DATABASE_URL): one order, the others refused, 300 packs taken once."""
    import threading

    from ocop_market.db_tx import transaction
    from ocop_market.errors import Conflict
    from ocop_market.orders import services

    quote_id, buyer_id, province = _quoted(world).id, _user("quatet@congty.vn").id, world["province"]
    tabs = 6
    barrier, lock, outcomes = threading.Barrier(tabs), threading.Lock(), []

    def accept():
        with app.app_context():
            try:
                buyer = db.session.get(User, buyer_id)
                quote = db.session.get(Quote, quote_id)
                barrier.wait(timeout=30)
                with transaction():
                    wholesale.accept(buyer, quote, services.CheckoutData(
                        "Anh Minh", "0912345678", "Số 5 Tràng Tiền", "Phường Hoàn Kiếm", province, "cod"))
                result = "ok"
            except (Conflict, services.OutOfStock):
                result = "refused"
            except Exception as exc:  # anything else fails the test
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=accept) for _ in range(tabs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["ok"] + ["refused"] * (tabs - 1), outcomes
    db.session.expire_all()
    assert len(db.session.scalars(select(Order)).all()) == 1
    assert db.session.get(Product, world["product"].id).stock == 200
    assert db.session.get(Quote, quote_id).status == "accepted"
