"""A programme shipping subsidy (issue 17): staff fund it from a support project; checkout applies it to the eligible
households' shipments and shows it; the budget is spent by one conditional UPDATE, never beyond it, even with 20
buyers at once (SQLite and, with TEST_DATABASE_URL, PostgreSQL); a cancelled part gives it back once; the outcome
report counts it as the project's spending per project and household."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from sqlalchemy import func, select, update

from ocop_market.accounts.models import User
from ocop_market.audit import AuditEntry
from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.orders import services
from ocop_market.orders.models import Order, OrderStatus, ProducerOrder
from ocop_market.orders.subsidy import ShipmentFee, SubsidyRanOut
from ocop_market.payments import ledger
from ocop_market.payments.models import LedgerKind, ProducerLedgerEntry
from ocop_market.places import Province
from ocop_market.programs import participation, projects, subsidies
from ocop_market.programs.models import ShippingSubsidy, ShippingSubsidyUse
from ocop_market.timeutil import local_today, utcnow
from tests.conftest import Auth, csrf_from, make_producer, make_product, make_user

D = dt.date
NAME = "Giao hàng OCOP Cao Bằng"
SHOWN = "Hỗ trợ phí giao của chương trình “Giao hàng OCOP Cao Bằng”: −15.000\u00a0₫"
CHECKOUT = {"contact_name": "Nông Thị Mai", "phone": "0912 345 678", "address_line": "Số 5, bản Pác Bó",
            "commune": "Xã Trường Hà", "payment_method": "cod"}


def _province(code="CB") -> Province:
    return db.session.scalar(select(Province).where(Province.code == code))


def _subsidy(actor, project, **over) -> ShippingSubsidy:
    today = local_today()
    data = dict(project_id=project.id, name=NAME, mode="per_order", amount_vnd=15_000, cap_per_order_vnd=None,
                budget_vnd=100_000, starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=30),
                eligibility="participants", household_ids=[])
    data.update(over)
    subsidy = subsidies.create_subsidy(actor, subsidies.SubsidyData(**data))
    db.session.commit()
    return subsidy


@pytest.fixture
def world(ctx):
    cb = _province("CB")
    admin = make_user("quantri@example.vn", role="admin")
    staff = make_user("canbo.cb@example.vn", role="staff", province_id=cb.id)
    other = make_user("canbo.ls@example.vn", role="staff", province_id=_province("LS").id)
    buyer = make_user("mua@khach.vn")
    h1 = make_producer(name="Hộ bà Lục Thị Hoa")
    h2 = make_producer(name="Hộ ông Nông Văn Phúc")
    h3 = make_producer(name="Hộ ông Thào Seo Dìn")  # not in the project
    a = make_product(h1, name="Hạt dẻ Trùng Khánh", price=100_000, stock=50)
    b = make_product(h2, name="Miến dong", price=60_000, stock=50)
    c = make_product(h3, name="Rượu ngô", price=80_000, stock=50)
    project = projects.create_project(admin, projects.ProjectData(
        code="CB-DA2-01", name="Liên kết chuỗi hạt dẻ", form="value_chain", component="DA2",
        programme="CTMTQG giảm nghèo bền vững", period="2021–2025", province_id=cb.id, commune="Xã Trùng Khánh",
        lead="HTX Trà Lĩnh", start_on=D(2025, 1, 1), end_on=D(2027, 12, 31), budgets={"central": 100_000_000}))
    participation.join_project(admin, project, h1, D(2025, 3, 1), "poor", 1_000_000)
    participation.join_project(admin, project, h2, D(2025, 3, 1), "near_poor", 1_200_000)
    db.session.commit()
    return {"admin": admin, "staff": staff, "other": other, "buyer": buyer, "h1": h1, "h2": h2, "h3": h3,
            "a": a, "b": b, "c": c, "project": project, "cb": cb}


def _add(client, product, quantity="1"):
    token = csrf_from(client.get(f"/san-pham/{product.slug}").get_data(as_text=True))
    assert client.post(f"/gio-hang/them/{product.id}", data={"quantity": quantity, "csrf_token": token}).status_code == 302


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="(\d*)"', html).group(1)


def _checkout_form(client, world) -> tuple[str, dict]:
    page = client.get("/thanh-toan").get_data(as_text=True)
    data = dict(CHECKOUT, province_id=str(world["cb"].id), csrf_token=csrf_from(page),
                shown_total_vnd=_hidden(page, "shown_total_vnd"), shown_subsidy_vnd=_hidden(page, "shown_subsidy_vnd"))
    return page, data


def _checkout_data(world, expected=None, expected_subsidy=None) -> services.CheckoutData:
    province_id = world["cb"] if isinstance(world["cb"], int) else world["cb"].id
    return services.CheckoutData(contact_name="Khách", phone="0912345678", address_line="Bản Giốc",
                                 commune="Xã Đàm Thủy", province_id=province_id, payment_method="cod",
                                 expected_total_vnd=expected, expected_subsidy_vnd=expected_subsidy)


def _spent(subsidy_id: int) -> int:
    db.session.expire_all()
    return db.session.get(ShippingSubsidy, subsidy_id).spent_vnd


# ---------------------------------------------------------------- applied and shown
def test_applied_at_checkout_and_shown_in_cart_checkout_order_page_receipt_and_ledger(world, client, app):
    subsidy = _subsidy(world["staff"], world["project"])
    auth = Auth(client)
    auth.login("mua@khach.vn")
    _add(client, world["a"])  # h1: in the project
    _add(client, world["c"])  # h3: not in it
    cart = client.get("/gio-hang").get_data(as_text=True)
    assert cart.count(SHOWN) == 1
    # 100.000 + 30.000 − 15.000, and 80.000 + 30.000 without help
    assert '<dd class="price" id="cart-total">225.000\u00a0₫</dd>' in cart
    page, data = _checkout_form(client, world)
    assert SHOWN in page and "225.000\u00a0₫" in page and data["shown_total_vnd"] == "225000"
    resp = client.post("/thanh-toan", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    order = db.session.scalar(select(Order))
    assert (order.total_vnd, order.shipping_vnd, order.shipping_subsidy_vnd) == (225_000, 45_000, 15_000)
    helped = next(po for po in order.producer_orders if po.producer_id == world["h1"].id)
    plain = next(po for po in order.producer_orders if po.producer_id == world["h3"].id)
    assert (helped.shipping_vnd, helped.shipping_subsidy_vnd, helped.total_vnd) == (15_000, 15_000, 115_000)
    assert (plain.shipping_vnd, plain.shipping_subsidy_vnd) == (30_000, 0)
    assert _spent(subsidy.id) == 15_000
    use = db.session.scalar(select(ShippingSubsidyUse))
    assert (use.producer_order_id, use.producer_id, use.amount_vnd) == (helped.id, world["h1"].id, 15_000)
    # The order page and the receipt say what the programme paid.
    detail = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert SHOWN in detail
    from ocop_market.orders import receipts

    with app.test_request_context():
        html = receipts.receipt_html(db.session.get(ProducerOrder, helped.id))
    assert "Hỗ trợ phí giao của chương trình “Giao hàng OCOP Cao Bằng”" in html and "−15.000\u00a0₫" in html
    assert "Một trăm mười lăm nghìn đồng" in html  # the buyer's total, in words
    # Delivered by cash: the shipper collected the buyer's 115.000, the programme owes the household its 15.000.
    for to in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        services.move(db.session.get(ProducerOrder, helped.id), to, world["staff"], "staff")
    db.session.commit()
    kinds = dict(list(db.session.execute(select(ProducerLedgerEntry.kind, ProducerLedgerEntry.amount_vnd)
                                         .where(ProducerLedgerEntry.producer_order_id == helped.id)).tuples()))
    assert kinds == {LedgerKind.EARNING: 115_000, LedgerKind.COD_COLLECTED: -115_000,
                     LedgerKind.SHIPPING_SUBSIDY: 15_000}
    assert ledger.balance(world["h1"].id) == 15_000


def test_eligibility_participants_or_a_chosen_list_and_the_period(world, ctx):
    staff = world["staff"]
    fees = [ShipmentFee(world[h].id, 30_000) for h in ("h1", "h2", "h3")]

    def offered():
        return {pid: o.amount_vnd for pid, o in subsidies.offers(None, fees, utcnow()).items()}

    participants = _subsidy(staff, world["project"])
    assert offered() == {world["h1"].id: 15_000, world["h2"].id: 15_000}
    chosen = _subsidy(staff, world["project"], name="Chỉ hộ Dìn", amount_vnd=20_000, eligibility="chosen",
                      household_ids=[world["h3"].id, world["h1"].id])
    # The larger offer wins where both apply.
    assert offered() == {world["h1"].id: 20_000, world["h2"].id: 15_000, world["h3"].id: 20_000}
    subsidies.stop_subsidy(staff, chosen)
    db.session.commit()
    assert offered() == {world["h1"].id: 15_000, world["h2"].id: 15_000}
    tomorrow = local_today() + dt.timedelta(days=1)
    subsidies.update_subsidy(staff, participants, subsidies.SubsidyData(
        world["project"].id, NAME, "per_order", 15_000, None, 100_000, tomorrow, tomorrow + dt.timedelta(days=3),
        "participants"))
    db.session.commit()
    assert offered() == {}  # not started yet
    ended = local_today() - dt.timedelta(days=1)
    subsidies.update_subsidy(staff, participants, subsidies.SubsidyData(
        world["project"].id, NAME, "per_order", 15_000, None, 100_000, ended - dt.timedelta(days=3), ended,
        "participants"))
    db.session.commit()
    assert offered() == {}  # over since midnight, Vietnam's time


def test_per_kg_pays_by_the_parcel_weight_with_its_cap(world, ctx):
    _subsidy(world["staff"], world["project"], mode="per_kg", amount_vnd=8_000, cap_per_order_vnd=12_000)
    at = utcnow()
    got = subsidies.offers(None, [ShipmentFee(world["h1"].id, 30_000, 1_250), ShipmentFee(world["h2"].id, 30_000, 5_000),
                                  ShipmentFee(world["h3"].id, 30_000, 1_000)], at)
    assert {pid: o.amount_vnd for pid, o in got.items()} == {world["h1"].id: 10_000, world["h2"].id: 12_000}


def test_per_kg_reads_the_parcel_weight_a_shipment_carries(world, ctx):
    """Checkout's own path (orders.subsidy.apply): the parcel's weight comes with the shipment once the fee table
    gives it one, and a shipment without a known weight gets nothing from a per-kg subsidy."""
    import dataclasses

    from ocop_market.orders import rules
    from ocop_market.orders import subsidy as order_subsidy

    _subsidy(world["staff"], world["project"], mode="per_kg", amount_vnd=8_000)

    @dataclasses.dataclass(frozen=True)
    class Weighed(rules.Shipment):
        weight_grams: int = 0

    totals = rules.Totals((Weighed(world["h1"].id, (), 100_000, 30_000, 2_500),
                           rules.Shipment(world["h2"].id, (), 60_000, 30_000)))
    priced = order_subsidy.apply(totals, utcnow(), fresh=True)
    assert {pid: o.amount_vnd for pid, o in priced.offers.items()} == {world["h1"].id: 20_000}
    assert priced.total_vnd == 100_000 + 30_000 - 20_000 + 60_000 + 30_000


# ---------------------------------------------------------------- the budget runs out
def test_a_subsidy_that_ran_out_meanwhile_is_told_with_the_new_total_then_the_remainder_applies(world, client):
    subsidy = _subsidy(world["staff"], world["project"], budget_vnd=20_000)
    Auth(client).login("mua@khach.vn")
    _add(client, world["a"])
    page, data = _checkout_form(client, world)
    assert data["shown_total_vnd"] == "115000" and data["shown_subsidy_vnd"] == "15000"
    # Another buyer's order takes 15.000 of the 20.000 meanwhile.
    services.place_order(world["admin"], {world["b"].id: 1}, _checkout_data(world))
    db.session.commit()
    assert _spent(subsidy.id) == 15_000
    resp = client.post("/thanh-toan", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Hỗ trợ phí giao của chương trình vừa hết ngân sách hoặc chỉ còn một phần" in body
    assert "Tổng tiền mới là 125.000\u00a0₫" in body
    # Nothing kept: no order, the stock and the budget as they were; the form keeps what was typed.
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.buyer_id == world["buyer"].id)) == 0
    assert db.session.get(Product, world["a"].id).stock == 50 and _spent(subsidy.id) == 15_000
    assert 'value="Nông Thị Mai"' in body and 'name="shown_total_vnd" type="hidden" value="125000"' in body
    assert "Hỗ trợ phí giao của chương trình “Giao hàng OCOP Cao Bằng”: −5.000\u00a0₫" in body
    # Confirming the new total places it with the remainder; the budget is then spent exactly.
    data.update(csrf_token=csrf_from(body), shown_total_vnd="125000", shown_subsidy_vnd="5000")
    assert client.post("/thanh-toan", data=data).status_code == 302
    assert _spent(subsidy.id) == 20_000
    _add(client, world["a"])
    assert "Hỗ trợ phí giao của chương trình" not in client.get("/gio-hang").get_data(as_text=True)


def test_the_conditional_update_refuses_an_offer_the_budget_no_longer_covers(world, ctx):
    subsidy = _subsidy(world["staff"], world["project"], budget_vnd=15_000)
    # Priced while 15.000 were left; spent by someone else before this order's UPDATE.
    db.session.execute(update(ShippingSubsidy).where(ShippingSubsidy.id == subsidy.id).values(spent_vnd=10_000))
    db.session.commit()
    offer = subsidies.SubsidyOffer(world["h1"].id, subsidy.id, 15_000, NAME)
    with pytest.raises(SubsidyRanOut):
        subsidies.spend(ProducerOrder(id=0, producer_id=world["h1"].id), offer)  # refused before anything is written
    db.session.rollback()
    assert _spent(subsidy.id) == 10_000
    # The database refuses an overspend whatever the code does (CHECK spent_vnd <= budget_vnd).
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.execute(update(ShippingSubsidy).where(ShippingSubsidy.id == subsidy.id).values(spent_vnd=15_001))
        db.session.flush()
    db.session.rollback()


ROUNDS = 5
BUYERS = 20
FUNDED = 5  # the budget pays five shipments


def _race(app, buyer_ids: list[int], product_id: int, data_of) -> list[str]:
    barrier = threading.Barrier(BUYERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy(buyer_id):
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                buyer = db.session.get(User, buyer_id)
                services.place_order(buyer, {product_id: 1}, data_of())
                db.session.commit()
                result = "ok"
            except SubsidyRanOut:
                db.session.rollback()
                result = "ran_out"
            except Exception as exc:  # anything else is a failure of the test
                db.session.rollback()
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=buy, args=(bid,)) for bid in buyer_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return outcomes


def _consistent(subsidy_id: int, product_id: int, start_stock: int) -> tuple[int, int, int]:
    """(spent, what the standing uses add up to, units sold) after a race, read fresh."""
    db.session.expire_all()
    spent = db.session.get(ShippingSubsidy, subsidy_id).spent_vnd
    used = db.session.scalar(select(func.coalesce(func.sum(ShippingSubsidyUse.amount_vnd), 0))
                             .where(ShippingSubsidyUse.subsidy_id == subsidy_id)) or 0
    parts = db.session.scalar(select(func.coalesce(func.sum(ProducerOrder.shipping_subsidy_vnd), 0))) or 0
    assert used == parts
    sold = start_stock - db.session.get(Product, product_id).stock
    return spent, used, sold


def test_twenty_concurrent_checkouts_never_overspend_and_keep_budget_and_stock_consistent(app, world):
    subsidy = _subsidy(world["staff"], world["project"], budget_vnd=FUNDED * 15_000)
    buyers = [make_user(f"mua{i}@khach.vn").id for i in range(BUYERS)]
    product_id = world["a"].id
    plain = {"cb": world["cb"].id}  # threads never touch this thread's ORM objects
    for round_no in range(ROUNDS):
        db.session.execute(update(ShippingSubsidy).where(ShippingSubsidy.id == subsidy.id).values(spent_vnd=0))
        db.session.execute(update(Product).where(Product.id == product_id).values(stock=50))
        db.session.execute(ShippingSubsidyUse.__table__.delete())
        db.session.execute(update(ProducerOrder).values(shipping_subsidy_vnd=0))
        db.session.commit()
        if round_no % 2 == 0:
            # Every buyer confirmed the total shown with the subsidy (115.000): only five can have it.
            outcomes = _race(app, buyers, product_id, lambda: _checkout_data(plain, 115_000, 15_000))
            assert [o for o in outcomes if o.startswith("error")] == []
            assert (outcomes.count("ok"), outcomes.count("ran_out")) == (FUNDED, BUYERS - FUNDED), round_no
        else:
            # No total confirmed (an assisted order): some may be refused, none charged a subsidy not spent.
            outcomes = _race(app, buyers, product_id, lambda: _checkout_data(plain))
            assert [o for o in outcomes if o.startswith("error")] == []
        spent, used, sold = _consistent(subsidy.id, product_id, 50)
        assert spent == used <= FUNDED * 15_000, round_no
        assert sold == outcomes.count("ok"), round_no
        if round_no % 2 == 0:
            assert spent == FUNDED * 15_000


# ---------------------------------------------------------------- cancellation gives it back, once
def test_cancelling_before_shipping_gives_the_subsidy_back_once(world, ctx):
    subsidy = _subsidy(world["staff"], world["project"])
    order = services.place_order(world["buyer"], {world["a"].id: 1}, _checkout_data(world))
    db.session.commit()
    po = order.producer_orders[0]
    assert po.shipping_subsidy_vnd == 15_000 and _spent(subsidy.id) == 15_000
    services.move(db.session.get(ProducerOrder, po.id), OrderStatus.CANCELLED, world["buyer"], "buyer")
    db.session.commit()
    assert _spent(subsidy.id) == 0
    assert db.session.scalar(select(ShippingSubsidyUse.released_at)) is not None
    # A second release (a retried cancel, a second signal) gives nothing more back.
    subsidies.give_back(db.session.get(ProducerOrder, po.id))
    db.session.commit()
    assert _spent(subsidy.id) == 0
    from ocop_market.errors import Conflict

    with pytest.raises(Conflict):
        services.move(db.session.get(ProducerOrder, po.id), OrderStatus.CANCELLED, world["buyer"], "buyer")
    db.session.rollback()
    assert _spent(subsidy.id) == 0


# ---------------------------------------------------------------- staff only, bad input refused, audited
def _form(client, url):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return csrf_from(page.get_data(as_text=True))


def test_only_staff_of_the_projects_province_manage_subsidies(world, client):
    subsidy = _subsidy(world["staff"], world["project"])
    auth = Auth(client)
    auth.login("mua@khach.vn")
    for url in ("/quan-tri/ho-tro-phi-giao", "/quan-tri/ho-tro-phi-giao/moi", f"/quan-tri/ho-tro-phi-giao/{subsidy.id}",
                f"/quan-tri/ho-tro-phi-giao/{subsidy.id}/sua", f"/quan-tri/ho-tro-phi-giao/{subsidy.id}/dung"):
        assert client.get(url).status_code == 403, url
    auth.logout()
    auth.login("canbo.ls@example.vn")  # staff of another province
    assert client.get(f"/quan-tri/ho-tro-phi-giao/{subsidy.id}").status_code == 403
    assert NAME not in client.get("/quan-tri/ho-tro-phi-giao").get_data(as_text=True)
    token = _form(client, "/quan-tri/ho-tro-phi-giao")
    resp = client.post(f"/quan-tri/ho-tro-phi-giao/{subsidy.id}/dung", data={"csrf_token": token, "confirmed": "1"})
    assert resp.status_code == 403
    assert _spent(subsidy.id) == 0 and db.session.get(ShippingSubsidy, subsidy.id).active


GOOD = {"name": "Hỗ trợ giao hàng Tết", "mode": "per_order", "amount_vnd": "15000", "cap_per_order_vnd": "",
        "budget_vnd": "2000000", "eligibility": "participants"}


def test_staff_create_show_and_stop_a_subsidy_bad_input_is_refused_and_nothing_is_kept(world, client):
    Auth(client).login("canbo.cb@example.vn")
    today = local_today()
    good = dict(GOOD, project_id=str(world["project"].id), starts_on=today.isoformat(),
                ends_on=(today + dt.timedelta(days=30)).isoformat())
    bad_cases = {
        "budget_vnd": ["0", "-5", "1.5", "abc", "1e9", "100000000001"],
        "amount_vnd": ["0", "-1", "2,5", ""],
        "cap_per_order_vnd": ["0", "x"],
        "ends_on": [(today - dt.timedelta(days=1)).isoformat(), "31/02/2026"],
        "mode": ["per_ton"],
        "eligibility": ["everyone"],
        "project_id": ["0", "999999"],
    }
    for key, values in bad_cases.items():
        for value in values:
            token = _form(client, "/quan-tri/ho-tro-phi-giao/moi")
            resp = client.post("/quan-tri/ho-tro-phi-giao/moi", data=dict(good, csrf_token=token, **{key: value}))
            assert resp.status_code == 400, (key, value, resp.status_code)
            assert "Vui lòng sửa các ô" in resp.get_data(as_text=True) or "flash-error" in resp.get_data(as_text=True)
    # A chosen list needs households, of the project's province.
    token = _form(client, "/quan-tri/ho-tro-phi-giao/moi")
    assert client.post("/quan-tri/ho-tro-phi-giao/moi", data=dict(good, csrf_token=token, eligibility="chosen")
                       ).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ShippingSubsidy)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action.like("shipping_subsidy.%"))) == 0
    # The good one is kept and audited, and listed with its budget used and left.
    token = _form(client, "/quan-tri/ho-tro-phi-giao/moi")
    resp = client.post("/quan-tri/ho-tro-phi-giao/moi", data=dict(good, csrf_token=token))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    subsidy = db.session.scalar(select(ShippingSubsidy))
    assert (subsidy.budget_vnd, subsidy.amount_vnd, subsidy.active) == (2_000_000, 15_000, True)
    assert subsidies.local_day(subsidy.starts_at) == today
    assert subsidies.last_local_day(subsidy.ends_at) == today + dt.timedelta(days=30)
    listing = client.get("/quan-tri/ho-tro-phi-giao").get_data(as_text=True)
    assert "Hỗ trợ giao hàng Tết" in listing and "2.000.000\u00a0₫" in listing and "Đang áp dụng" in listing
    # A budget below what was spent is refused.
    db.session.execute(update(ShippingSubsidy).values(spent_vnd=45_000))
    db.session.commit()
    token = _form(client, f"/quan-tri/ho-tro-phi-giao/{subsidy.id}/sua")
    resp = client.post(f"/quan-tri/ho-tro-phi-giao/{subsidy.id}/sua",
                       data=dict(good, csrf_token=token, budget_vnd="30000"))
    assert resp.status_code == 400 and "không thể nhỏ hơn số đã dùng" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ShippingSubsidy, subsidy.id).budget_vnd == 2_000_000
    # Stopping asks first, then stops, audited.
    stop_url = f"/quan-tri/ho-tro-phi-giao/{subsidy.id}/dung"
    confirm = client.get(stop_url)
    assert confirm.status_code == 200 and "Có, dừng hỗ trợ" in confirm.get_data(as_text=True)
    assert db.session.get(ShippingSubsidy, subsidy.id).active
    resp = client.post(stop_url, data={"csrf_token": csrf_from(confirm.get_data(as_text=True)), "confirmed": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert not db.session.get(ShippingSubsidy, subsidy.id).active
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "shipping_subsidy")
                                      .order_by(AuditEntry.id)))
    assert actions == ["shipping_subsidy.create", "shipping_subsidy.stop"]
    assert "Dừng hỗ trợ phí giao" in client.get(f"/quan-tri/ho-tro-phi-giao/{subsidy.id}").get_data(as_text=True)


# ---------------------------------------------------------------- the programme's spending in the report
def test_the_report_counts_the_subsidy_per_project_and_household_and_a_cancel_takes_it_out(world, client):
    _subsidy(world["staff"], world["project"])
    first = services.place_order(world["buyer"], {world["a"].id: 1}, _checkout_data(world))
    services.place_order(world["buyer"], {world["a"].id: 1, world["b"].id: 1}, _checkout_data(world))
    services.place_order(world["buyer"], {world["c"].id: 1}, _checkout_data(world))  # h3: no subsidy
    db.session.commit()
    Auth(client).login("canbo.cb@example.vn")
    dashboard = client.get("/quan-tri/du-an/ket-qua").get_data(as_text=True)
    assert '<td class="num" data-col="shipping_subsidy_vnd">45.000\u00a0₫</td>' in dashboard
    csv = client.get("/quan-tri/bao-cao/outcomes.csv?dang=may").get_data(as_text=True).splitlines()
    header = csv[0].split(",")
    row = dict(zip(header, csv[1].split(",")))
    assert row["shipping_subsidy_vnd"] == "45000"
    project_page = client.get(f"/quan-tri/du-an/{world['project'].id}").get_data(as_text=True)
    cells = re.findall(r'data-col="shipping_subsidy_vnd">([^<]*)<', project_page)
    assert cells == ["30.000\u00a0₫", "15.000\u00a0₫"]  # h1 twice, h2 once (in the order they joined)
    services.move(db.session.get(ProducerOrder, first.producer_orders[0].id), OrderStatus.CANCELLED,
                  world["buyer"], "buyer")
    db.session.commit()
    csv = client.get("/quan-tri/bao-cao/outcomes.csv?dang=may").get_data(as_text=True).splitlines()
    assert dict(zip(csv[0].split(","), csv[1].split(",")))["shipping_subsidy_vnd"] == "30000"
