"""Hubs that sell for households (issue 12 §3): staff create hubs, add members and link households; a member
acts for the linked households only, through the same order services the producer uses, each step recorded
as "hub X for household Y"; assisted orders; messages to the hub; outcomes still count the household."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ocop_market.audit import AuditEntry
from ocop_market.catalog import hubs
from ocop_market.catalog.models import Hub, HubHousehold
from ocop_market.extensions import db
from tests.conftest import csrf_from, make_producer, make_product, make_user


@pytest.fixture
def world(ctx):
    staff = make_user("canbo@ocop.vn", role="staff")
    member = make_user("htx@ocop.vn", role="buyer", phone="+84911000111", name="Chị Vân HTX")
    outsider = make_user("khac@ocop.vn", role="buyer")
    owner = make_user("hoa@ho.vn", role="producer")
    linked = make_producer(owner=owner, name="Hộ bà Lục Thị Hoa")
    other = make_producer(name="Hộ ông Nông Văn Sáng", actor=staff)
    province_id = linked.province_id
    return {"staff": staff, "member": member, "outsider": outsider, "owner": owner, "linked": linked,
            "other": other, "province_id": province_id}


def staff_page(client, auth, path):
    auth.login("canbo@ocop.vn")
    return client.get(path)


# ---------------------------------------------------------------- staff pages
def test_staff_create_a_hub_add_a_member_link_a_household_all_audited(client, auth, world):
    page = staff_page(client, auth, "/quan-tri/diem-ban")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post("/quan-tri/diem-ban", data={
        "csrf_token": token, "name": "HTX Hạt dẻ Trùng Khánh", "kind": "cooperative",
        "province_id": str(world["province_id"]), "commune": "Xã Trùng Khánh", "phone": "0912 000 222",
        "email": "HTX@Ocop.vn"})
    assert resp.status_code == 302
    hub = db.session.scalar(select(Hub))
    assert (hub.name, hub.phone, hub.email, hub.active) == ("HTX Hạt dẻ Trùng Khánh", "+84912000222", "htx@ocop.vn", True)
    detail = client.get(f"/quan-tri/diem-ban/{hub.id}").get_data(as_text=True)
    assert "Hộ bà Lục Thị Hoa" in detail  # offered for linking: same province, no hub yet

    assert client.post(f"/quan-tri/diem-ban/{hub.id}/thanh-vien",
                       data={"csrf_token": token, "login": "0911 000 111"}).status_code == 302
    assert client.post(f"/quan-tri/diem-ban/{hub.id}/ho",
                       data={"csrf_token": token, "producer_id": str(world["linked"].id)}).status_code == 302
    page = client.get(f"/quan-tri/diem-ban/{hub.id}").get_data(as_text=True)
    assert "Chị Vân HTX" in page and "Hộ bà Lục Thị Hoa" in page
    # the household's staff page names its hub
    assert f'href="/quan-tri/diem-ban/{hub.id}">HTX Hạt dẻ Trùng Khánh</a>' in client.get(
        f"/quan-tri/co-so/{world['linked'].id}").get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "hub")))
    assert actions == {"hub.create", "hub.member_add", "hub.link"}
    # The household's own record tells which hub sells for it.
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "producer",
                                                      AuditEntry.action == "hub.link")).detail_dict["hub_id"] == hub.id

    assert client.post(f"/quan-tri/diem-ban/{hub.id}/ho/{world['linked'].id}/go",
                       data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(HubHousehold)) is None
    assert "hub.unlink" in set(db.session.scalars(select(AuditEntry.action)))


def test_staff_form_errors_are_clear_and_never_500(client, auth, world):
    token = csrf_from(staff_page(client, auth, "/quan-tri/diem-ban").get_data(as_text=True))
    resp = client.post("/quan-tri/diem-ban", data={"csrf_token": token, "name": "", "kind": "bank",
                                                   "province_id": "x", "phone": "12"})
    assert resp.status_code == 400
    assert "Vui lòng nhập tên điểm bán." in resp.get_data(as_text=True)
    hub = _hub(world)
    resp = client.post(f"/quan-tri/diem-ban/{hub.id}/thanh-vien", data={"csrf_token": token, "login": "ai@khong.vn"})
    assert resp.status_code == 404
    assert "Không có tài khoản nào với e-mail hoặc số điện thoại này." in resp.get_data(as_text=True)
    resp = client.post(f"/quan-tri/diem-ban/{hub.id}/ho", data={"csrf_token": token, "producer_id": "99999999999"})
    assert resp.status_code == 400


def test_a_household_belongs_to_at_most_one_hub(world):
    first = _hub(world)
    second = hubs.create_hub(world["staff"], hubs.HubData("Bưu điện xã Đàm Thủy", "post_office", world["province_id"]))
    with pytest.raises(hubs.Conflict) as err:
        hubs.link_household(world["staff"], second, world["linked"])
    assert "HTX Hạt dẻ Trùng Khánh" in err.value.message
    assert hubs.hub_of_producer(world["linked"].id).id == first.id


def test_only_staff_manage_hubs(client, auth, world):
    auth.login("htx@ocop.vn")
    assert client.get("/quan-tri/diem-ban").status_code == 403
    with pytest.raises(hubs.NotAllowed):
        hubs.create_hub(world["member"], hubs.HubData("X", "cooperative", world["province_id"]))


def _hub(world, name="HTX Hạt dẻ Trùng Khánh") -> Hub:
    hub = hubs.create_hub(world["staff"], hubs.HubData(name, "cooperative", world["province_id"], phone="0912000222"))
    hubs.add_member(world["staff"], hub, "htx@ocop.vn")
    hubs.link_household(world["staff"], hub, world["linked"])
    db.session.commit()
    return hub


# ---------------------------------------------------------------- the hub area
def _place(world, product, quantity=2, buyer=None):
    from ocop_market.orders import services as orders

    buyer = buyer or make_user("mai@khach.vn")
    order = orders.place_order(buyer, {product.id: quantity}, orders.CheckoutData(
        contact_name="Chị Mai", phone="0987654321", address_line="Số 1 Hoàng Đình Giong",
        commune="Phường Thục Phán", province_id=world["province_id"], payment_method="cod"))
    db.session.commit()
    return order


@pytest.fixture
def hub_world(world):
    hub = _hub(world)
    mine = make_product(world["linked"], stock=5)
    theirs = make_product(world["other"], name="Miến dong Nguyên Bình", stock=5)
    buyer = make_user("mai@khach.vn")
    return {**world, "hub": hub, "mine": mine, "theirs": theirs, "buyer": buyer,
            "my_order": _place(world, mine, buyer=buyer), "their_order": _place(world, theirs, buyer=buyer)}


def test_a_member_sees_the_orders_of_linked_households_new_first_with_a_count(client, auth, hub_world):
    second = _place(hub_world, hub_world["mine"], quantity=1, buyer=hub_world["buyer"])
    auth.login("htx@ocop.vn")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/trung-tam/"' in home  # the header offers the hub area to its members
    page = client.get("/trung-tam/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert second.code in html and hub_world["my_order"].code in html
    assert html.index(second.code) < html.index(hub_world["my_order"].code)  # new first
    assert hub_world["their_order"].code not in html  # not a linked household
    assert '<span class="count-badge" title="Đơn mới chờ xác nhận">2</span>' in html


def test_a_member_confirms_ships_and_delivers_for_the_household_recorded_with_the_hub(client, auth, hub_world):
    from ocop_market.orders.models import OrderEvent, OrderStatus, ProducerOrder

    po = hub_world["my_order"].producer_orders[0]
    auth.login("htx@ocop.vn")
    page = client.get(f"/trung-tam/don-hang/{po.id}")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    for action in ("xac-nhan", "giao-hang", "da-giao"):
        assert client.post(f"/trung-tam/don-hang/{po.id}/{action}", data={"csrf_token": token, "note": ""}
                           ).status_code == 302
    db.session.expire_all()
    assert db.session.get(ProducerOrder, po.id).status == OrderStatus.DELIVERED
    events = db.session.scalars(select(OrderEvent).where(OrderEvent.producer_order_id == po.id,
                                                         OrderEvent.from_status.is_not(None))
                                .order_by(OrderEvent.id)).all()
    assert [(e.to_status, e.hub_id, e.actor_id) for e in events] == [
        ("confirmed", hub_world["hub"].id, hub_world["member"].id), ("shipped", hub_world["hub"].id, hub_world["member"].id),
        ("delivered", hub_world["hub"].id, hub_world["member"].id)]
    # "hub X for household Y" on the order's timeline, for the member and for the household itself
    assert "HTX Hạt dẻ Trùng Khánh thay hộ Hộ bà Lục Thị Hoa" in client.get(f"/trung-tam/don-hang/{po.id}").get_data(as_text=True)
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "order.move")).all()
    assert {(a.detail_dict["hub_id"], a.detail_dict["producer_id"]) for a in audits} == {
        (hub_world["hub"].id, hub_world["linked"].id)}
    auth.logout()
    auth.login("hoa@ho.vn")
    assert "HTX Hạt dẻ Trùng Khánh thay hộ" in client.get(f"/gian-hang/don-hang/{po.id}").get_data(as_text=True)


def test_a_member_cannot_act_for_a_household_not_linked_403(client, auth, hub_world):
    theirs = hub_world["their_order"].producer_orders[0]
    auth.login("htx@ocop.vn")
    token = csrf_from(client.get("/trung-tam/").get_data(as_text=True))
    assert client.get(f"/trung-tam/don-hang/{theirs.id}").status_code == 403
    resp = client.post(f"/trung-tam/don-hang/{theirs.id}/xac-nhan", data={"csrf_token": token})
    assert resp.status_code == 403
    assert "Điểm bán của bạn không bán hàng cho hộ này." in resp.get_data(as_text=True)
    assert client.get(f"/trung-tam/ho/{hub_world['other'].id}").status_code == 403
    assert client.post(f"/trung-tam/san-pham/{hub_world['theirs'].id}/gui-duyet",
                       data={"csrf_token": token}).status_code == 403
    assert client.get("/trung-tam/don-hang/999999").status_code == 404
    db.session.expire_all()
    assert theirs.status == "placed"


def test_the_hub_area_is_for_members_of_open_hubs_only(client, auth, hub_world):
    assert client.get("/trung-tam/").status_code == 302  # to the login page
    auth.login("khac@ocop.vn")
    assert client.get("/trung-tam/").status_code == 403
    auth.logout()
    # an unlinked household loses the member's reach at once
    hubs.unlink_household(hub_world["staff"], hub_world["hub"], hub_world["linked"].id)
    db.session.commit()
    auth.login("htx@ocop.vn")
    po = hub_world["my_order"].producer_orders[0]
    assert client.get(f"/trung-tam/don-hang/{po.id}").status_code == 403
    hubs.set_active(hub_world["staff"], hub_world["hub"], False)
    db.session.commit()
    assert client.get("/trung-tam/").status_code == 403


def test_a_member_reads_listings_and_submits_a_draft_through_the_producer_service(client, auth, hub_world):
    draft = make_product(hub_world["linked"], name="Miến dong bản Pác Bó", status="draft")
    auth.login("htx@ocop.vn")
    page = client.get(f"/trung-tam/ho/{hub_world['linked'].id}")
    assert page.status_code == 200 and "Miến dong bản Pác Bó" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    assert client.post(f"/trung-tam/san-pham/{draft.id}/gui-duyet", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert draft.status == "pending"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hub.product_submit"))
    assert entry.detail_dict == {"hub_id": hub_world["hub"].id, "producer_id": hub_world["linked"].id}


# ---------------------------------------------------------------- an order entered for a walk-in buyer
def _assisted_form(client, **over):
    page = client.get("/trung-tam/don-moi")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "contact_name": "Bà Nông Thị Lan",
            "phone": "0977 111 222", "address_line": "Bản Pác Bó", "commune": "Xã Trường Hà",
            "province_id": "", "note": ""}
    data.update(over)
    return page, data


def test_a_hub_enters_an_order_for_a_walk_in_buyer_through_the_normal_checkout(client, auth, hub_world):
    from ocop_market.orders.models import Order, OrderEvent

    auth.login("htx@ocop.vn")
    page, data = _assisted_form(client, province_id=str(hub_world["province_id"]))
    html = page.get_data(as_text=True)
    assert "Hạt dẻ Trùng Khánh" in html and "Miến dong Nguyên Bình" not in html  # its households' goods only
    data[f"qty-{hub_world['mine'].id}"] = "3"
    resp = client.post("/trung-tam/don-moi", data=data)
    assert resp.status_code == 302
    order = db.session.scalar(select(Order).where(Order.contact_name == "Bà Nông Thị Lan"))
    assert (order.payment_method, order.phone, order.entered_by_hub_id, order.buyer_id) == (
        "cod", "+84977111222", hub_world["hub"].id, hub_world["member"].id)
    [po] = order.producer_orders
    assert (po.producer_id, po.status, po.subtotal_vnd) == (hub_world["linked"].id, "placed", 450_000)
    db.session.expire_all()
    assert hub_world["mine"].stock == 5 - 2 - 3  # the fixture's order took 2
    [placed] = db.session.scalars(select(OrderEvent).where(OrderEvent.producer_order_id == po.id)).all()
    assert placed.hub_id == hub_world["hub"].id
    detail = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Nhập bởi HTX Hạt dẻ Trùng Khánh" in detail and "Bà Nông Thị Lan" in detail
    auth.logout()
    auth.login("canbo@ocop.vn")
    staff_view = client.get(f"/quan-tri/don-hang/{order.code}").get_data(as_text=True)
    assert "Nhập bởi HTX Hạt dẻ Trùng Khánh" in staff_view


def test_an_assisted_order_refuses_bad_quantities_and_overselling_with_a_message(client, auth, hub_world):
    from ocop_market.orders.models import Order

    auth.login("htx@ocop.vn")
    _, data = _assisted_form(client, province_id=str(hub_world["province_id"]))
    mine = hub_world["mine"].id
    for raw in ("1.5", "-1", "abc", "10" * 12):
        resp = client.post("/trung-tam/don-moi", data={**data, f"qty-{mine}": raw})
        assert resp.status_code == 400
        assert "số lượng phải là số nguyên từ 1 đến 3" in resp.get_data(as_text=True)
    resp = client.post("/trung-tam/don-moi", data=data)
    assert resp.status_code == 400 and "Vui lòng nhập số lượng cho ít nhất một sản phẩm." in resp.get_data(as_text=True)
    resp = client.post("/trung-tam/don-moi", data={**data, "phone": "12345", f"qty-{mine}": "1"})
    assert resp.status_code == 400
    # another household's listing, slipped into the post, is not sold by this hub
    resp = client.post("/trung-tam/don-moi", data={**data, f"qty-{hub_world['theirs'].id}": "1"})
    assert resp.status_code == 400
    # sold out since the page was shown: the listing is no longer offered, and nothing is ordered
    hub_world["mine"].stock = 0
    db.session.commit()
    resp = client.post("/trung-tam/don-moi", data={**data, f"qty-{mine}": "1"})
    assert resp.status_code == 400 and "Các hộ của điểm bán chưa có sản phẩm đang bán." in resp.get_data(as_text=True)
    assert db.session.scalar(select(Order).where(Order.entered_by_hub_id.is_not(None))) is None


def test_place_assisted_order_refuses_goods_of_a_household_not_linked(hub_world):
    from ocop_market.orders import services as orders

    data = orders.CheckoutData("Bà Lan", "0977111222", "Bản Pác Bó", "Xã Trường Hà", hub_world["province_id"], "card")
    with pytest.raises(hubs.NotAllowed):
        orders.place_assisted_order(hub_world["member"], {hub_world["theirs"].id: 1}, data)
    db.session.rollback()
    order = orders.place_assisted_order(hub_world["member"], {hub_world["mine"].id: 1}, data)
    assert order.payment_method == "cod"  # always cash on delivery, whatever was asked
    db.session.commit()
    # the same conditional stock update as every checkout: 2 left, 3 asked
    with pytest.raises(orders.OutOfStock):
        orders.place_assisted_order(hub_world["member"], {hub_world["mine"].id: 3}, data)
    db.session.rollback()
    db.session.expire_all()
    assert hub_world["mine"].stock == 2


# ---------------------------------------------------------------- messages to the hub
def _rows(prefix):
    from ocop_market.messaging.models import OutboundMessage

    db.session.expire_all()
    return sorted((m.event_key, m.channel, m.recipient) for m in db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.event_key.like(prefix + "%"))))


def test_a_new_order_of_a_linked_household_also_reaches_its_hub_once_per_channel(hub_world):
    po = hub_world["my_order"].producer_orders[0]
    assert _rows(f"order_part:{po.id}:placed") == [
        (f"order_part:{po.id}:placed", "email", "hoa@ho.vn"),
        (f"order_part:{po.id}:placed:hub", "sms", "+84912000222")]
    from ocop_market.messaging.models import OutboundMessage

    sms = db.session.scalar(select(OutboundMessage).where(OutboundMessage.event_key == f"order_part:{po.id}:placed:hub"))
    assert sms.params["producer"] == "Hộ bà Lục Thị Hoa" and sms.params["hub"] == "HTX Hạt dẻ Trùng Khánh"
    # another household's order tells no hub
    theirs = hub_world["their_order"].producer_orders[0]
    assert not [r for r in _rows(f"order_part:{theirs.id}:placed") if r[0].endswith(":hub")]


def test_the_hub_is_the_fallback_of_a_household_without_phone_or_email(hub_world):
    hubs.link_household(hub_world["staff"], hub_world["hub"], hub_world["other"])  # no account, no phone
    db.session.commit()
    order = _place(hub_world, hub_world["theirs"], buyer=hub_world["buyer"])
    po = order.producer_orders[0]
    assert _rows(f"order_part:{po.id}:placed") == [(f"order_part:{po.id}:placed:hub", "sms", "+84912000222")]


def test_a_hub_without_its_own_contacts_is_told_through_its_members(hub_world):
    hub_world["hub"].phone = None
    db.session.commit()
    order = _place(hub_world, hub_world["mine"], quantity=1, buyer=hub_world["buyer"])
    po = order.producer_orders[0]
    key = f"order_part:{po.id}:placed:hub:{hub_world['member'].id}"
    assert [r for r in _rows(f"order_part:{po.id}:placed") if ":hub" in r[0]] == [
        (key, "email", "htx@ocop.vn"), (key, "sms", "+84911000111")]


def test_an_assisted_order_tells_its_buyer_by_sms_and_not_the_hub_itself(hub_world):
    from ocop_market.orders import fulfilment
    from ocop_market.orders import services as orders

    order = orders.place_assisted_order(hub_world["member"], {hub_world["mine"].id: 1}, orders.CheckoutData(
        "Bà Lan", "0977111222", "Bản Pác Bó", "Xã Trường Hà", hub_world["province_id"], "cod"))
    db.session.commit()
    po = order.producer_orders[0]
    assert _rows(f"order_part:{po.id}:placed") == [(f"order_part:{po.id}:placed", "email", "hoa@ho.vn")]
    fulfilment.move_part(po, "confirmed", hub_world["member"], "hub")
    # the walk-in buyer, at the number they gave; the member whose account holds the order is not the buyer
    assert _rows(f"order_part:{po.id}:confirmed") == [(f"order_part:{po.id}:confirmed", "sms", "+84977111222")]


def test_unconfirmed_orders_remind_the_hub_at_24h_and_escalate_to_it_not_staff_at_48h(hub_world):
    import datetime as dt

    from ocop_market.jobs import queue
    from ocop_market.timeutil import utcnow

    po = hub_world["my_order"].producer_orders[0]
    theirs = hub_world["their_order"].producer_orders[0]
    now = utcnow()
    # the other household has no phone, no e-mail and no hub: nobody to remind (staff hear of it at 48 h)
    assert queue.run_job("orders.remind_unconfirmed", now + dt.timedelta(hours=25)).summary \
        == "producers reminded 1, escalated to staff 0, escalated to hubs 0"
    assert _rows(f"order_unconfirmed:24h:{po.id}") == [
        (f"order_unconfirmed:24h:{po.id}", "email", "hoa@ho.vn"),
        (f"order_unconfirmed:24h:{po.id}:hub", "sms", "+84912000222")]
    assert queue.run_job("orders.remind_unconfirmed", now + dt.timedelta(hours=49)).summary \
        == "producers reminded 0, escalated to staff 1, escalated to hubs 1"
    assert _rows(f"order_unconfirmed:48h:{po.id}:") == [(f"order_unconfirmed:48h:{po.id}:hub", "sms", "+84912000222")]
    # the household without a hub still goes to the province's staff
    assert _rows(f"order_unconfirmed:48h:{theirs.id}:") == [
        (f"order_unconfirmed:48h:{theirs.id}:{hub_world['staff'].id}", "email", "canbo@ocop.vn")]
    assert queue.run_job("orders.remind_unconfirmed", now + dt.timedelta(hours=50)).summary \
        == "producers reminded 0, escalated to staff 0, escalated to hubs 0"


# ---------------------------------------------------------------- outcomes count the household
def test_outcomes_ledger_and_promotion_count_the_household_never_the_hub(hub_world):
    import datetime as dt

    from ocop_market.catalog.services import producer_of
    from ocop_market.orders import fulfilment
    from ocop_market.orders import services as orders
    from ocop_market.payments import ledger
    from ocop_market.programs import listings, outcomes, participation, projects
    from ocop_market.programs import rules as program_rules
    from ocop_market.promotions import eligibility
    from ocop_market.timeutil import local_today

    admin = make_user("quantri@ocop.vn", role="admin")
    today = local_today()
    project = projects.create_project(admin, projects.ProjectData(
        code="cb-da2-09", name="Liên kết chuỗi hạt dẻ", form="value_chain", component="DA2",
        programme="CTMTQG giảm nghèo bền vững", period="2021–2025", province_id=hub_world["province_id"],
        commune="Xã Trùng Khánh", lead="HTX Hạt dẻ Trùng Khánh", start_on=today - dt.timedelta(days=60),
        end_on=today + dt.timedelta(days=300)))
    participation.join_project(admin, project, hub_world["linked"], today - dt.timedelta(days=30), "poor", 1_000_000)
    listings.set_product_project(admin, hub_world["mine"], project)
    db.session.commit()
    order = orders.place_assisted_order(hub_world["member"], {hub_world["mine"].id: 2}, orders.CheckoutData(
        "Bà Lan", "0977111222", "Bản Pác Bó", "Xã Trường Hà", hub_world["province_id"], "cod"))
    db.session.commit()
    po = order.producer_orders[0]
    for step in ("confirmed", "shipped", "delivered"):
        fulfilment.move_part(po, step, hub_world["member"], "hub")
    sales = outcomes.sales_of([project.id])
    assert [(s.producer_id, s.amount_vnd) for s in sales] == [(hub_world["linked"].id, 300_000)]
    [row] = outcomes.household_rows(project, program_rules.parse_period(str(today.year)))
    assert row.participation.producer_id == hub_world["linked"].id and row.revenue_vnd == 300_000
    # the household's ledger books the delivery (and, cash on delivery, the cash its hub's shipper collected)
    assert max(e.amount_vnd for e in ledger.entries(hub_world["linked"].id) if e.producer_order_id == po.id) \
        == po.total_vnd
    assert producer_of(hub_world["member"]) is None  # the hub is no producer: nothing is booked to it
    assert eligibility.producers_in_active_projects([hub_world["linked"].id]) == {hub_world["linked"].id}


# ---------------------------------------------------------------- the demo
def test_the_demo_has_a_cooperative_whose_member_sees_a_waiting_order(app, runner, client, auth):
    from ocop_market.demo import DEMO_HUB, HUB_HOUSEHOLDS, HUB_MEMBER_EMAIL

    app.config["DEMO_PHOTO_SIZE"] = 160
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    logins = runner.invoke(args=["seed", "logins"]).output
    assert HUB_MEMBER_EMAIL in logins and "ocop-hub-2026" in logins
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0  # idempotent: still one hub, one waiting order
    with app.app_context():
        [hub] = db.session.scalars(select(Hub)).all()
        assert (hub.name, hub.kind) == (DEMO_HUB.name, "cooperative")
        assert sorted(link.producer.name for link in hub.households) == sorted(HUB_HOUSEHOLDS)
        assert [m.user.email for m in hub.members] == [HUB_MEMBER_EMAIL]
    auth.login(HUB_MEMBER_EMAIL, "ocop-hub-2026")
    html = client.get("/trung-tam/").get_data(as_text=True)
    assert '<span class="count-badge" title="Đơn mới chờ xác nhận">' in html
    assert any(name in html for name in HUB_HOUSEHOLDS)


def test_a_member_edits_a_households_listing_through_the_producer_service(client, auth, hub_world):
    from tests.security.test_form_fuzz import forms_on

    mine = hub_world["mine"]
    auth.login("htx@ocop.vn")
    assert client.get(f"/trung-tam/san-pham/{hub_world['theirs'].id}/sua").status_code == 403
    page = client.get(f"/trung-tam/san-pham/{mine.id}/sua")
    assert page.status_code == 200
    [form] = [f for f in forms_on(page.get_data(as_text=True)) if "price_vnd" in f["fields"]]
    data = {name: (field["values"][0] if field["values"] else "") for name, field in form["fields"].items()}
    data.update(price_vnd="155.000", stock="12")
    assert client.post(f"/trung-tam/san-pham/{mine.id}/sua", data=data).status_code == 302
    db.session.expire_all()
    assert (mine.price_vnd, mine.stock, mine.status) == (155_000, 12, "approved")  # price and stock: no review
    resp = client.post(f"/trung-tam/san-pham/{mine.id}/sua", data={**data, "price_vnd": "1,5"})
    assert resp.status_code == 400
    assert client.post(f"/trung-tam/san-pham/{mine.id}/sua", data={**data, "name": "Hạt dẻ rang Trùng Khánh"}
                       ).status_code == 302
    db.session.expire_all()
    assert (mine.name, mine.status) == ("Hạt dẻ rang Trùng Khánh", "pending")  # a new name goes back to review
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "hub.product_update")).all()
    assert [e.detail_dict["hub_id"] for e in entries] == [hub_world["hub"].id] * 2


def test_the_hub_order_list_is_paged(client, auth, hub_world):
    from ocop_market.hubs.views import PER_PAGE

    hub_world["mine"].stock = 99
    db.session.commit()
    for _ in range(PER_PAGE):
        _place(hub_world, hub_world["mine"], quantity=1, buyer=hub_world["buyer"])
    auth.login("htx@ocop.vn")
    first = client.get("/trung-tam/").get_data(as_text=True)
    assert first.count('href="/trung-tam/don-hang/') == PER_PAGE and 'rel="next"' in first
    second = client.get("/trung-tam/?page=2").get_data(as_text=True)
    assert hub_world["my_order"].code in second  # the oldest, on the last page
    assert client.get("/trung-tam/?page=x").status_code == 400
    assert client.get("/trung-tam/?status=nonsense").status_code == 400


def test_a_hub_reads_the_buyer_the_fee_and_total_before_making_the_order(client, auth, hub_world):
    """On the phone the buyer asks "how much in all?": "Tính phí giao hàng" prices the typed lines to the typed
    address like a cart (the fee table by zone and weight) and makes no order; "Tạo đơn" then charges that."""
    from ocop_market.orders import fees
    from ocop_market.orders.models import Order
    from ocop_market.places import Province

    fees.save_table(fees.default_input(), hub_world["staff"])
    db.session.commit()
    hanoi = db.session.scalar(select(Province.id).where(Province.code == "HN"))
    auth.login("htx@ocop.vn")
    mine = hub_world["mine"].id
    _, data = _assisted_form(client, province_id=str(hanoi), action="quote", **{f"qty-{mine}": "2"})

    def quoted(resp):
        html = resp.get_data(as_text=True)
        fee = re.search(r'class="muted shipment-fee" data-fee-vnd="(\d+)"', html)
        total = re.search(r'id="assisted-total">([^<]+)<', html)
        return int(fee[1]), total[1]

    resp = client.post("/trung-tam/don-moi", data=data)
    assert resp.status_code == 200 and "Số tiền người mua trả" in resp.get_data(as_text=True)
    # Cao Bằng to Hà Nội is the same region; two 500 g bags are a 1 kg parcel
    assert quoted(resp) == (29_000, "329.000\xa0₫")
    resp = client.post("/trung-tam/don-moi", data={**data, "province_id": str(hub_world["province_id"])})
    assert quoted(resp) == (19_000, "319.000\xa0₫")  # within the household's own province
    assert db.session.scalar(select(Order).where(Order.contact_name == "Bà Nông Thị Lan")) is None  # nothing made

    resp = client.post("/trung-tam/don-moi", data={**data, "action": "place", "province_id": str(hub_world["province_id"])})
    assert resp.status_code == 302
    order = db.session.scalar(select(Order).where(Order.contact_name == "Bà Nông Thị Lan"))
    [po] = order.producer_orders
    assert (po.subtotal_vnd, po.shipping_vnd, order.total_vnd) == (300_000, 19_000, 319_000)

    # a quote with nothing to price says so, and still makes nothing
    resp = client.post("/trung-tam/don-moi", data={**data, f"qty-{mine}": ""})
    assert resp.status_code == 400 and "Vui lòng nhập số lượng cho ít nhất một sản phẩm." in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.contact_name == "Bà Nông Thị Lan")) == 1
