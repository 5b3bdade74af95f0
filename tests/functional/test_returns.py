"""Issue 17, returns and complaints after delivery: the buyer asks within 7 days with a reason and photos; the
producer (or hub) accepts or disputes; staff decide a dispute; the refund goes back by the original method; stock
comes back only for goods returned; every step in the part's timeline and the producer's ledger."""
from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from sqlalchemy import func, select

from ocop_market.audit import AuditEntry
from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.messaging.models import OutboundMessage
from ocop_market.orders import returns, services
from ocop_market.orders.models import Order, ProducerOrder, ReturnRequest
from ocop_market.payments.models import Payment, ProducerLedgerEntry
from tests.conftest import csrf_from, make_product, make_user, png_bytes
from tests.fake_stripe import event
from tests.functional.test_hubs import world  # noqa: F401  (the fixture: a hub's member, household, outsider)
from tests.functional.test_orders import _place, shop  # noqa: F401  (the fixture)
from tests.functional.test_payments import card_order, post_event, stripe_app  # noqa: F401  (fixtures)


def deliver(po_id: int) -> ProducerOrder:
    """Staff move the part to delivered (what a carrier's confirmation does too)."""
    staff = make_user(f"giaohang{po_id}@tinh.vn", role="staff")
    po = db.session.get_one(ProducerOrder, po_id)
    for to in ("confirmed", "shipped", "delivered"):
        services.move(po, to, staff, "staff")
    db.session.commit()
    return po


def part_of(order: Order, producer_id: int) -> ProducerOrder:
    return next(p for p in order.producer_orders if p.producer_id == producer_id)


def ask(client, order, po, quantities=None, reason="damaged", description="Túi bị rách, hạt dẻ ẩm mốc.",
        send_back=True, photos=()):
    token = csrf_from(client.get(f"/don-hang/{order.code}").get_data(as_text=True))
    data = {"csrf_token": token, "reason": reason, "description": description}
    if send_back:
        data["send_back"] = "y"
    for line in po.lines:
        data[f"so-luong-{line.id}"] = str((quantities or {}).get(line.id, line.quantity))
    if photos:
        data["photos"] = [(io.BytesIO(png), f"anh{i}.png") for i, png in enumerate(photos)]
    return client.post(f"/don-hang/{order.code}/tra-hang/{po.id}", data=data, content_type="multipart/form-data")


def stock(product) -> tuple[int, int]:
    db.session.expire_all()
    p = db.session.get_one(Product, product.id)
    return p.stock, p.sold_count


def the_return() -> ReturnRequest:
    db.session.expire_all()
    return db.session.scalars(select(ReturnRequest)).one()


def test_cash_order_return_accepted_refunded_by_staff_and_goods_back_on_the_shelf(client, auth, shop, app):  # noqa: F811
    order = _place(client, auth, shop)  # 2 chestnut bags (Hộ bà Hoa, 150.000 each), 1 noodle pack (HTX)
    po = part_of(order, shop["pa"].id)
    other = part_of(order, shop["pb"].id)
    deliver(po.id)
    auth.login("mua@khach.vn")
    page = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    # Only the delivered part offers a return; the other is still on its way.
    assert f"/don-hang/{order.code}/tra-hang/{po.id}" in page
    assert f"/don-hang/{order.code}/tra-hang/{other.id}" not in page
    form = client.get(f"/don-hang/{order.code}/tra-hang/{po.id}").get_data(as_text=True)
    assert "Hàng bị hỏng, vỡ hoặc hư khi nhận" in form and "7 ngày" in form
    line = po.lines[0]
    resp = ask(client, order, po, {line.id: 1}, photos=[png_bytes()])
    assert resp.status_code == 302, resp.get_data(as_text=True)
    ret = the_return()
    assert (ret.status, ret.refund_vnd, ret.reason, ret.send_back) == ("requested", 150_000, "damaged", True)
    assert [(rl.order_line_id, rl.quantity) for rl in ret.lines] == [(line.id, 1)]
    assert len(ret.photos) == 1
    # The producer hears of it, and the buyer's page shows where it stands.
    told = db.session.scalars(select(OutboundMessage).where(OutboundMessage.template == "return_update")).all()
    assert told and all(m.event_key.startswith(f"return:{ret.id}:requested") for m in told)
    page = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert "Chờ người bán trả lời" in page and "Người mua yêu cầu trả hàng" in page
    # A second request for the same part goes to the existing one.
    assert ask(client, order, po).status_code == 302
    assert db.session.scalar(select(func.count(ReturnRequest.id))) == 1
    photo_url = f"/tra-hang/{ret.id}/anh/{ret.photos[0].id}"
    assert client.get(photo_url).status_code == 200
    auth.logout()

    # The producer: sees the request, accepting asks first, the confirm page's POST acts.
    auth.login("a@ho.vn")
    detail = client.get(f"/gian-hang/tra-hang/{ret.id}").get_data(as_text=True)
    assert "Túi bị rách" in detail and "150.000" in detail
    assert client.get(photo_url).status_code == 200
    confirm = client.get(f"/gian-hang/tra-hang/{ret.id}/chap-nhan")
    assert confirm.status_code == 200 and "Có, chấp nhận và hoàn tiền" in confirm.get_data(as_text=True)
    token = csrf_from(confirm.get_data(as_text=True))
    client.post(f"/gian-hang/tra-hang/{ret.id}/chap-nhan", data={"csrf_token": token})  # one stray tap
    assert the_return().status == "requested"
    resp = client.post(f"/gian-hang/tra-hang/{ret.id}/chap-nhan",
                       data={"csrf_token": token, "confirmed": "1", "note": "Xin lỗi anh chị."})
    assert resp.status_code == 302
    ret = the_return()
    assert ret.status == "accepted" and ret.producer_note == "Xin lỗi anh chị."
    refund = db.session.scalars(select(Payment).where(Payment.kind == "refund")).one()
    assert (refund.method, refund.state, refund.amount_vnd) == ("cod", "pending", 150_000)
    ledger = {e.kind: e.amount_vnd for e in db.session.scalars(
        select(ProducerLedgerEntry).where(ProducerLedgerEntry.producer_id == shop["pa"].id))}
    assert ledger["return_refund"] == -150_000
    # Goods are not back yet: stock stays where the sale left it.
    assert stock(shop["chestnut"]) == (8, 2)
    token = csrf_from(client.get(f"/gian-hang/tra-hang/{ret.id}").get_data(as_text=True))
    assert client.post(f"/gian-hang/tra-hang/{ret.id}/da-nhan-hang", data={"csrf_token": token}).status_code == 302
    assert stock(shop["chestnut"]) == (9, 1)
    # Twice is once.
    assert client.post(f"/gian-hang/tra-hang/{ret.id}/da-nhan-hang", data={"csrf_token": token}).status_code == 409
    assert stock(shop["chestnut"]) == (9, 1)
    auth.logout()

    # Staff send the cash refund by hand and mark it.
    make_user("canbo@tinh.vn", role="staff")
    auth.login("canbo@tinh.vn")
    assert order.code in client.get("/quan-tri/tra-hang/").get_data(as_text=True)
    token = csrf_from(client.get(f"/quan-tri/don-hang/{order.code}").get_data(as_text=True))
    assert client.post(f"/quan-tri/don-hang/hoan-tien/{refund.id}", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    order = db.session.get_one(Order, order.id)
    assert order.refunded_vnd == 150_000
    steps = [e.to_status for e in db.session.get_one(ProducerOrder, po.id).events]
    assert steps[-3:] == ["return_requested", "return_accepted", "return_goods_back"]


def test_a_return_without_the_parcel_refunds_but_puts_nothing_back(client, auth, shop):  # noqa: F811
    order = _place(client, auth, shop)
    po = part_of(order, shop["pa"].id)
    deliver(po.id)
    auth.login("mua@khach.vn")
    assert ask(client, order, po, send_back=False, reason="not_as_described").status_code == 302
    ret = the_return()
    assert ret.refund_vnd == 300_000 and not ret.send_back
    auth.logout()
    auth.login("a@ho.vn")
    token = csrf_from(client.get(f"/gian-hang/tra-hang/{ret.id}/chap-nhan").get_data(as_text=True))
    client.post(f"/gian-hang/tra-hang/{ret.id}/chap-nhan", data={"csrf_token": token, "confirmed": "1"})
    assert the_return().status == "accepted"
    assert client.post(f"/gian-hang/tra-hang/{ret.id}/da-nhan-hang", data={"csrf_token": token}).status_code == 409
    assert stock(shop["chestnut"]) == (8, 2)


@pytest.mark.parametrize("change, message", [
    ({"qty": "3"}, "phải là số nguyên từ 0 đến 2"),
    ({"qty": "-1"}, "phải là số nguyên từ 0 đến 2"),
    ({"qty": "0"}, "Vui lòng chọn ít nhất một sản phẩm"),
    ({"reason": "because"}, "Not a valid choice"),
    ({"description": ""}, "Vui lòng kể ngắn gọn"),
    ({"description": "x" * 2001}, "Tối đa 2000 ký tự"),
    ({"photos": [png_bytes()] * 4}, "Gửi tối đa 3 ảnh"),
    ({"photos": [b"not an image"]}, "Ảnh 1:"),
])
def test_a_bad_request_is_refused_with_a_message_and_keeps_nothing(client, auth, shop, app, change, message):  # noqa: F811
    order = _place(client, auth, shop)
    po = part_of(order, shop["pa"].id)
    deliver(po.id)
    auth.login("mua@khach.vn")
    token = csrf_from(client.get(f"/don-hang/{order.code}").get_data(as_text=True))
    line = po.lines[0]
    data = {"csrf_token": token, "reason": change.get("reason", "damaged"),
            "description": change.get("description", "Hỏng."), f"so-luong-{line.id}": change.get("qty", "1")}
    if "photos" in change:
        data["photos"] = [(io.BytesIO(png), f"a{i}.png") for i, png in enumerate(change["photos"])]
    before = set(_files(app.config["UPLOAD_DIR"]))
    resp = client.post(f"/don-hang/{order.code}/tra-hang/{po.id}", data=data, content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    if message != "Not a valid choice":
        assert message in page
    assert db.session.scalar(select(func.count(ReturnRequest.id))) == 0
    assert set(_files(app.config["UPLOAD_DIR"])) == before  # no photo outlives a refused request


def _files(root):
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            yield os.path.join(dirpath, name)


def test_only_a_delivered_part_within_seven_days_can_be_returned(client, auth, shop, monkeypatch):  # noqa: F811
    order = _place(client, auth, shop)
    po = part_of(order, shop["pa"].id)
    auth.login("mua@khach.vn")
    # Not delivered yet: no offer, and posting anyway keeps nothing.
    assert client.get(f"/don-hang/{order.code}/tra-hang/{po.id}").status_code == 303
    assert ask(client, order, po).status_code == 303
    deliver(po.id)
    real = returns.utcnow()
    monkeypatch.setattr(returns, "utcnow", lambda: real + dt.timedelta(days=8))
    page = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert f"/tra-hang/{po.id}" not in page
    assert ask(client, order, po).status_code == 303
    assert db.session.scalar(select(func.count(ReturnRequest.id))) == 0
    monkeypatch.setattr(returns, "utcnow", lambda: real + dt.timedelta(days=6))
    assert ask(client, order, po).status_code == 302
    assert db.session.scalar(select(func.count(ReturnRequest.id))) == 1


def test_a_dispute_goes_to_staff_who_decide_and_are_audited(client, auth, shop):  # noqa: F811
    order = _place(client, auth, shop)
    po = part_of(order, shop["pa"].id)
    deliver(po.id)
    make_user("canbo@tinh.vn", role="staff")
    auth.login("mua@khach.vn")
    ask(client, order, po)
    ret = the_return()
    auth.logout()
    auth.login("a@ho.vn")
    token = csrf_from(client.get(f"/gian-hang/tra-hang/{ret.id}").get_data(as_text=True))
    # Disagreeing needs a reason staff can weigh.
    resp = client.post(f"/gian-hang/tra-hang/{ret.id}/khong-dong-y", data={"csrf_token": token, "note": ""})
    assert resp.status_code == 400 and "Vui lòng ghi lý do không đồng ý" in resp.get_data(as_text=True)
    assert the_return().status == "requested"
    assert client.post(f"/gian-hang/tra-hang/{ret.id}/khong-dong-y",
                       data={"csrf_token": token, "note": "Hàng giao còn nguyên, có ảnh đóng gói."}).status_code == 302
    assert the_return().status == "disputed"
    # Once answered, the producer cannot answer again.
    client.post(f"/gian-hang/tra-hang/{ret.id}/chap-nhan", data={"csrf_token": token, "confirmed": "1"})
    assert the_return().status == "disputed"
    auth.logout()
    auth.login("canbo@tinh.vn")
    queue = client.get("/quan-tri/tra-hang/").get_data(as_text=True)
    assert order.code in queue and "chờ cán bộ quyết định" in queue
    confirm = client.get(f"/quan-tri/tra-hang/{ret.id}/quyet-dinh/nguoi-mua")
    assert confirm.status_code == 200 and "Hàng giao còn nguyên" in confirm.get_data(as_text=True)
    token = csrf_from(confirm.get_data(as_text=True))
    resp = client.post(f"/quan-tri/tra-hang/{ret.id}/quyet-dinh/nguoi-mua", data={"csrf_token": token, "confirmed": "1"})
    assert resp.status_code == 400 and the_return().status == "disputed"  # a decision says why
    client.post(f"/quan-tri/tra-hang/{ret.id}/quyet-dinh/nguoi-mua",
                data={"csrf_token": token, "confirmed": "1", "note": "Ảnh cho thấy túi rách khi nhận."})
    ret = the_return()
    assert ret.status == "accepted" and ret.staff_note.startswith("Ảnh cho thấy")
    assert db.session.scalars(select(Payment).where(Payment.kind == "refund")).one().amount_vnd == 300_000
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "return.decide")).one()
    assert '"decision": "buyer"' in entry.detail


def test_staff_deciding_for_the_producer_refunds_nothing(client, auth, shop):  # noqa: F811
    order = _place(client, auth, shop)
    po = part_of(order, shop["pa"].id)
    deliver(po.id)
    staff = make_user("canbo@tinh.vn", role="staff")
    buyer = shop["buyer"]
    ret, _stored = returns.request_return(buyer, db.session.get_one(ProducerOrder, po.id), returns.ReturnAsk(
        {po.lines[0].id: 1}, "wrong_item", "Sai loại.", True, []), {"UPLOAD_DIR": "/nonexistent"})
    returns.answer(ret, shop["owner_a"], False, "Đúng loại đã đặt.")
    returns.decide(ret, staff, False, "Đơn ghi đúng loại.")
    db.session.commit()
    assert the_return().status == "refused"
    assert db.session.scalar(select(func.count(Payment.id)).where(Payment.kind == "refund")) == 0
    assert db.session.scalar(select(func.count(ProducerLedgerEntry.id)).where(
        ProducerLedgerEntry.kind == "return_refund")) == 0


def test_nobody_else_sees_or_answers_a_return(client, auth, shop):  # noqa: F811
    order = _place(client, auth, shop)
    po = part_of(order, shop["pa"].id)
    deliver(po.id)
    make_user("khac@khach.vn")
    auth.login("mua@khach.vn")
    ask(client, order, po, photos=[png_bytes()])
    ret = the_return()
    photo_url = f"/tra-hang/{ret.id}/anh/{ret.photos[0].id}"
    auth.logout()
    # Another buyer: not their order, not their photo.
    auth.login("khac@khach.vn")
    assert client.get(f"/don-hang/{order.code}/tra-hang/{po.id}").status_code == 404
    assert client.get(photo_url).status_code == 404
    assert client.get(f"/gian-hang/tra-hang/{ret.id}").status_code == 403
    assert client.get(f"/quan-tri/tra-hang/{ret.id}").status_code == 403
    auth.logout()
    # The other household of the same order: not found, and its answer changes nothing.
    auth.login("b@ho.vn")
    assert client.get(f"/gian-hang/tra-hang/{ret.id}").status_code == 404
    assert client.get(photo_url).status_code == 404
    token = csrf_from(client.get("/gian-hang/don-hang/").get_data(as_text=True))
    assert client.post(f"/gian-hang/tra-hang/{ret.id}/chap-nhan",
                       data={"csrf_token": token, "confirmed": "1"}).status_code == 404
    assert client.post(f"/gian-hang/tra-hang/{ret.id}/khong-dong-y",
                       data={"csrf_token": token, "note": "Không"}).status_code == 404
    assert the_return().status == "requested"
    # A hub member for households not including this one: 403.
    assert client.get(f"/trung-tam/tra-hang/{ret.id}").status_code == 403


def test_a_card_return_goes_back_to_the_card_through_stripe(client, auth, card_order, stripe_app):  # noqa: F811
    order, a, _b = card_order
    post_event(client, event("checkout.session.completed", stripe_app.pay("cs_test_1", "pi_7")))
    po = part_of(db.session.get_one(Order, order.id), a.producer_id)
    deliver(po.id)
    assert ask(client, order, po, {po.lines[0].id: 1}).status_code == 302
    ret = the_return()
    auth.logout()
    auth.login("a@ho.vn")
    token = csrf_from(client.get(f"/gian-hang/tra-hang/{ret.id}/chap-nhan").get_data(as_text=True))
    client.post(f"/gian-hang/tra-hang/{ret.id}/chap-nhan", data={"csrf_token": token, "confirmed": "1"})
    assert [(r["amount"], r["payment_intent"]) for r in stripe_app.refunds] == [(150_000, "pi_7")]
    db.session.expire_all()
    order = db.session.get_one(Order, order.id)
    assert order.refunded_vnd == 150_000
    refund = db.session.scalars(select(Payment).where(Payment.kind == "refund")).one()
    assert refund.state == "succeeded"


def test_a_hub_member_answers_a_return_for_its_household_and_the_step_names_the_hub(client, auth, world):  # noqa: F811
    from tests.functional.test_hubs import _hub
    from tests.functional.test_hubs import _place as place_for_hub

    hub = _hub(world)
    product = make_product(world["linked"], stock=5)
    buyer = make_user("mai@khach.vn")
    order = place_for_hub(world, product, buyer=buyer)
    po = deliver(order.producer_orders[0].id)
    ret, _stored = returns.request_return(buyer, po, returns.ReturnAsk(
        {po.lines[0].id: 1}, "damaged", "Vỡ.", True, []), {})
    db.session.commit()
    # The hub's list shows it waiting; accepting goes through the confirm page and names the hub.
    auth.login("htx@ocop.vn")
    assert order.code in client.get("/trung-tam/tra-hang/").get_data(as_text=True)
    confirm = client.get(f"/trung-tam/tra-hang/{ret.id}/chap-nhan")
    assert confirm.status_code == 200
    token = csrf_from(confirm.get_data(as_text=True))
    assert client.post(f"/trung-tam/tra-hang/{ret.id}/chap-nhan",
                       data={"csrf_token": token, "confirmed": "1"}).status_code == 302
    assert the_return().status == "accepted"
    event = [e for e in db.session.get_one(ProducerOrder, po.id).events if e.to_status == "return_accepted"][0]
    assert event.hub_id == hub.id
    # An account that is no hub's member: the area itself refuses (403).
    auth.logout()
    auth.login("khac@ocop.vn")
    assert client.get(f"/trung-tam/tra-hang/{ret.id}").status_code == 403


def test_outcomes_count_what_an_accepted_return_refunded_as_no_revenue(client, auth, shop):  # noqa: F811
    """The programme's delivered revenue is what the household kept: a bag refunded through an accepted return
    (ledger `return_refund`) is taken off the sale; a return only asked for is not."""
    from ocop_market.programs import listings, outcomes, participation, projects
    from ocop_market.programs import rules as program_rules
    from ocop_market.timeutil import local_today
    from tests.functional.test_orders import province_id

    admin = make_user("quantri@ocop.vn", role="admin")
    today = local_today()
    project = projects.create_project(admin, projects.ProjectData(
        code="cb-da2-10", name="Liên kết chuỗi hạt dẻ", form="value_chain", component="DA2",
        programme="CTMTQG giảm nghèo bền vững", period="2021–2025", province_id=province_id(),
        commune="Xã Trùng Khánh", lead="HTX Hạt dẻ Trùng Khánh", start_on=today - dt.timedelta(days=60),
        end_on=today + dt.timedelta(days=300)))
    participation.join_project(admin, project, shop["pa"], today - dt.timedelta(days=30), "poor", 1_000_000)
    listings.set_product_project(admin, shop["chestnut"], project)
    db.session.commit()
    order = _place(client, auth, shop)  # 2 chestnut bags at 150.000 ₫
    po = deliver(part_of(order, shop["pa"].id).id)
    period = program_rules.parse_period(str(today.year))

    def revenue() -> tuple[int, int]:
        [row] = outcomes.household_rows(project, period)
        return sum(s.amount_vnd for s in outcomes.sales_of([project.id])), row.revenue_vnd

    assert revenue() == (300_000, 300_000)
    auth.login("mua@khach.vn")
    assert ask(client, order, po, {po.lines[0].id: 1}).status_code == 302
    auth.logout()
    assert revenue() == (300_000, 300_000)  # asked is not refunded
    ret = the_return()
    returns.answer(ret, shop["pa"].owner, accept=True, note="")
    db.session.commit()
    assert revenue() == (150_000, 150_000)


def test_each_side_finds_its_returns_from_its_own_pages(client, auth, shop):  # noqa: F811
    """A return waiting for an answer is reachable without its message: staff from the orders area, the producer
    from the dashboard and the order list."""
    make_user("nhanvien@tinh.vn", role="staff")
    order = _place(client, auth, shop)
    po = deliver(part_of(order, shop["pa"].id).id)
    auth.login("mua@khach.vn")
    ask(client, order, po)
    auth.logout()
    ret = the_return()
    auth.login("a@ho.vn")
    for page in ("/gian-hang/", "/gian-hang/don-hang/"):
        assert 'href="/gian-hang/tra-hang/"' in client.get(page).get_data(as_text=True), page
    assert f"/gian-hang/tra-hang/{ret.id}" in client.get("/gian-hang/tra-hang/").get_data(as_text=True)
    auth.logout()
    auth.login("nhanvien@tinh.vn")
    assert 'href="/quan-tri/tra-hang/"' in client.get("/quan-tri/don-hang/").get_data(as_text=True)
    listing = client.get("/quan-tri/tra-hang/").get_data(as_text=True)
    assert f"/quan-tri/tra-hang/{ret.id}" in listing and 'aria-current="page">Trả hàng' in listing
