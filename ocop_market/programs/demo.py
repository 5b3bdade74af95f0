"""Demo support projects for `flask seed demo`: projects with budgets and disbursements, participating
households with livelihood records, listings tied to their project and delivered orders spread over the past
twelve months, so the outcome dashboard shows real-looking figures on a fresh install.

Idempotent like the rest of the demo: every step looks for what it would create (project code, disbursement,
participation, dated record, order code) and a second run changes nothing.
"""
from __future__ import annotations

import datetime as dt
import zlib

from sqlalchemy import select

from ..accounts import services as accounts
from ..catalog.models import Producer, Product
from ..errors import InvalidInput
from ..extensions import db
from ..orders.models import Order, OrderEvent, OrderLine, OrderStatus, ProducerOrder
from ..payments import ledger
from ..places import Commune, Province
from ..timeutil import LOCAL_TZ, add_months, local_today
from . import communes, disbursements, listings, participation, projects, subsidies
from .models import Participation, ShippingSubsidy, SupportProject

D = dt.date
ADMIN_EMAIL = "admin@ocop.local"
STAFF_EMAIL = "canbo@ocop.local"
BUYER_EMAIL = "nguoimua@ocop.local"

PROJECTS = [
    dict(
        code="CB-DA2-2024-01", name="Liên kết chuỗi giá trị hạt dẻ, nếp và dao rèn Trùng Khánh – Quảng Uyên",
        form="value_chain", component="DA2", programme="CTMTQG giảm nghèo bền vững", period="2021–2025",
        province="CB", commune="Xã Trùng Khánh", lead="HTX Nông nghiệp Trà Lĩnh (đơn vị chủ trì liên kết)",
        decision_no="1125/QĐ-UBND", decision_date=D(2024, 3, 15), decision_authority="UBND tỉnh Cao Bằng",
        start_on=D(2024, 4, 1), end_on=D(2026, 12, 31), target_households=30,
        description="HTX chủ trì cung ứng giống, hướng dẫn sấy và đóng gói, bao tiêu sản phẩm cho các hộ; "
                    "hộ tham gia được hỗ trợ máy sấy, bao bì và đưa sản phẩm lên Chợ OCOP.",
        budgets={"central": 230_000_000, "local": 23_000_000, "policy_credit": 60_000_000, "people": 48_000_000,
                 "enterprise": 30_000_000},
        # (year, source, assigned in the year, carried over from the year before): the 2025 plans carry over what
        # 2024 left, so budget year 2025 measures 96.684.000 of 140.000.000 central (69,06 %) and 12.802.500 of
        # 15.000.000 local (85,35 %): the two rates a province reports. Loans and contributions stay apart.
        plans=[(2024, "central", 100_000_000, 0), (2024, "local", 10_000_000, 0),
               (2025, "central", 130_000_000, 10_000_000), (2025, "local", 13_000_000, 2_000_000)],
        disbursements=[("central", D(2024, 5, 10), 90_000_000), ("policy_credit", D(2024, 6, 3), 60_000_000),
                       ("local", D(2024, 6, 20), 8_000_000), ("people", D(2024, 7, 1), 30_000_000),
                       ("enterprise", D(2025, 1, 8), 20_000_000), ("central", D(2025, 3, 12), 40_000_000),
                       ("central", D(2025, 9, 18), 56_684_000), ("local", D(2025, 9, 18), 12_802_500)],
        households=[("Hộ bà Lục Thị Hoa", D(2024, 4, 15), "poor", 1_100_000),
                    ("Hộ ông Nông Văn Phúc", D(2024, 4, 15), "near_poor", 1_350_000),
                    ("Hộ bà Đinh Thị Lan", D(2024, 5, 2), "near_poor", 1_250_000)],
        listings=["Hạt dẻ Trùng Khánh", "Hạt dẻ sấy nứt vỏ", "Dao Phúc Sen", "Gạo nếp Khẩu Nua Lếch"],
        # agreed at the village meeting to be named on the project page; the others appear in aggregates only
        consent={"Hộ bà Lục Thị Hoa": D(2024, 4, 15)},
    ),
    dict(
        code="CB-DA3-2024-02", name="Nuôi bò Mông sinh sản cộng đồng xã Bảo Lạc",
        form="community", component="DA3-TDA1", programme="CTMTQG giảm nghèo bền vững", period="2021–2025",
        province="CB", commune="Xã Bảo Lạc", lead="Ông Thào Seo Dìn (trưởng nhóm cộng đồng)",
        decision_no="87/QĐ-UBND", decision_date=D(2024, 6, 5), decision_authority="UBND xã Bảo Lạc",
        start_on=D(2024, 7, 1), end_on=D(2027, 6, 30), target_households=12,
        description="Nhóm hộ do thôn bình chọn nhận bò giống, làm chuồng và trồng cỏ; "
                    "bê con đầu tiên được luân chuyển cho hộ khác trong nhóm.",
        budgets={"central": 180_000_000, "local": 18_000_000, "people": 36_000_000},
        plans=[(2024, "central", 120_000_000, 0), (2024, "local", 12_000_000, 0)],
        disbursements=[("central", D(2024, 8, 12), 120_000_000), ("local", D(2024, 8, 12), 10_000_000),
                       ("people", D(2024, 9, 1), 20_000_000)],
        households=[("Hộ ông Thào Seo Dìn", D(2024, 7, 20), "poor", 850_000),
                    ("Hộ bà Hoàng Thị Mai", D(2024, 7, 20), "near_poor", 1_200_000)],
        listings=["Thịt bò Mông sấy", "Rượu ngô men lá Bảo Lạc"],
    ),
    dict(
        code="LS-DA2-2025-01", name="Liên kết sản xuất rượu men lá Mẫu Sơn",
        form="value_chain", component="DA2", programme="CTMTQG giảm nghèo bền vững", period="2021–2025",
        province="LS", commune="Xã Mẫu Sơn", lead="HTX Hồi Văn Quan (đơn vị chủ trì liên kết)",
        decision_no="402/QĐ-UBND", decision_date=D(2025, 2, 10), decision_authority="UBND tỉnh Lạng Sơn",
        start_on=D(2025, 3, 1), end_on=D(2027, 2, 28), target_households=20,
        budgets={"central": 150_000_000, "local": 15_000_000, "enterprise": 40_000_000},
        plans=[(2025, "central", 60_000_000, 0)],
        disbursements=[("central", D(2025, 4, 2), 60_000_000), ("enterprise", D(2025, 5, 6), 15_000_000)],
        households=[("Hộ ông Hoàng Văn Sáu", D(2025, 3, 20), "poor", 900_000)],
        listings=["Rượu Mẫu Sơn"],
    ),
]

#: (household, day, income per person per month, category): yearly re-assessments
RECORDS = [
    ("Hộ bà Lục Thị Hoa", D(2024, 12, 15), 1_450_000, "poor"),
    ("Hộ bà Lục Thị Hoa", D(2025, 12, 15), 1_900_000, "near_poor"),
    # Two near-poor households rise above the near-poor line: "không thuộc diện" (thoát cận nghèo), never
    # "hộ mới thoát nghèo", which is only for a household that was poor.
    ("Hộ ông Nông Văn Phúc", D(2024, 12, 10), 2_100_000, "none"),
    ("Hộ ông Nông Văn Phúc", D(2025, 12, 10), 2_600_000, "none"),
    ("Hộ bà Đinh Thị Lan", D(2024, 12, 12), 1_400_000, "near_poor"),
    ("Hộ bà Đinh Thị Lan", D(2025, 12, 12), 1_750_000, "none"),
    ("Hộ ông Thào Seo Dìn", D(2024, 12, 20), 950_000, "poor"),
    ("Hộ ông Thào Seo Dìn", D(2025, 12, 20), 1_300_000, "poor"),
    ("Hộ bà Hoàng Thị Mai", D(2025, 12, 11), 1_600_000, "near_poor"),
    ("Hộ ông Hoàng Văn Sáu", D(2025, 12, 5), 1_200_000, "poor"),
]

MONTHS_OF_SALES = 12


def _producer(name: str) -> Producer | None:
    return db.session.scalar(select(Producer).where(Producer.name == name))


def _ensure_project(spec: dict, actor) -> SupportProject:
    project = db.session.scalar(select(SupportProject).where(SupportProject.code == spec["code"]))
    if project is not None:
        return project
    province = db.session.scalars(select(Province).where(Province.code == spec["province"])).one()
    fields = {k: v for k, v in spec.items()
              if k not in ("province", "disbursements", "households", "listings", "plans", "consent")}
    return projects.create_project(actor, projects.ProjectData(province_id=province.id, **fields))


def _ensure_money(project: SupportProject, spec: dict, actor) -> int:
    added = 0
    for year, source, planned, carried in spec.get("plans", []):
        if any((p.year, p.source) == (year, source) for p in project.capital_plans):
            continue
        try:
            disbursements.set_capital_plan(actor, project, year, source, planned, carried,
                                           decision_no="Giao kế hoạch vốn năm (mẫu)")
        except InvalidInput:
            continue  # a database seeded by an older demo keeps its own figures rather than failing the seed
        added += 1
    for source, day, amount in spec["disbursements"]:
        if any((d.source, d.disbursed_on, d.amount_vnd) == (source, day, amount) for d in project.disbursements):
            continue
        try:
            disbursements.add_disbursement(actor, project, source, day, amount, note="Giải ngân theo kế hoạch")
        except InvalidInput:
            continue  # as above: an older demo's payments already use that budget
        added += 1
    return added


def _ensure_households(project: SupportProject, spec: dict, actor) -> int:
    added = 0
    for name, joined_on, category, baseline in spec["households"]:
        producer = _producer(name)
        if producer is None or db.session.scalar(select(Participation.id).where(
                Participation.project_id == project.id, Participation.producer_id == producer.id)):
            continue
        part = participation.join_project(actor, project, producer, joined_on, category, baseline)
        if name in spec.get("consent", {}):
            participation.set_public_consent(actor, part, spec["consent"][name])
        added += 1
    return added


def _ensure_links(project: SupportProject, spec: dict, actor) -> list[Product]:
    products = []
    for name in spec["listings"]:
        product = db.session.scalar(select(Product).where(Product.name == name))
        if product is None:
            continue
        if product.support_project_id is None:
            listings.set_product_project(actor, product, project)
        if product.support_project_id == project.id:
            products.append(product)
    return products


def _ensure_records(actor_for) -> int:
    added = 0
    for name, day, income, category in RECORDS:
        producer = _producer(name)
        if producer is None or day > local_today() or any(a.assessed_on == day for a in producer.assessments):
            continue
        participation.add_livelihood_record(actor_for(producer), producer, day, income, category,
                                            note="Rà soát hộ nghèo, cận nghèo cuối năm")
        added += 1
    return added


def _local_noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def _ensure_orders(products: list[Product], buyer) -> int:
    """Delivered (older ones completed) orders of the project listings over the past months, with their
    history dated accordingly; codes DHDA… identify them, so a second run finds them."""
    today = local_today()
    added = 0
    for product in products:
        seed = zlib.crc32(product.name.encode())
        for back in range(1, MONTHS_OF_SALES + 1):
            if (seed >> back) % 3 == 0:  # not every listing sells every month
                continue
            code = f"DHDA{product.id:04d}{back:02d}"
            if db.session.scalar(select(Order.id).where(Order.code == code)):
                continue
            qty = 1 + (seed >> (back + 3)) % 4
            day = add_months(today, -back).replace(day=1 + (seed >> back) % 25)
            placed = _local_noon(day)
            total = product.price_vnd * qty
            status = OrderStatus.COMPLETED if back > 2 else OrderStatus.DELIVERED
            producer = product.producer
            order = Order(code=code, buyer_id=buyer.id, contact_name=buyer.display_name, phone="+84912345678",
                          address_line="Số 12, ngõ 34", commune="Phường Ba Đình", province_id=producer.province_id,
                          payment_method="cod", payment_status="paid", subtotal_vnd=total, shipping_vnd=0,
                          total_vnd=total, refunded_vnd=0, created_at=placed,
                          paid_at=placed + dt.timedelta(days=4))
            po = ProducerOrder(producer_id=producer.id, status=status, subtotal_vnd=total, shipping_vnd=0,
                               total_vnd=total, created_at=placed, updated_at=placed + dt.timedelta(days=4))
            po.lines.append(OrderLine(product_id=product.id, product_name=product.name, unit=product.unit,
                                      unit_price_vnd=product.price_vnd, quantity=qty, line_total_vnd=total))
            order.producer_orders.append(po)
            db.session.add(order)
            db.session.flush()
            steps = [(None, "placed", 0), ("placed", "confirmed", 1), ("confirmed", "shipped", 1),
                     ("shipped", "delivered", 4)]
            if status == OrderStatus.COMPLETED:
                steps.append(("delivered", "completed", 7))
            for frm, to, days in steps:
                db.session.add(OrderEvent(order_id=order.id, producer_order_id=po.id, from_status=frm, to_status=to,
                                          at=placed + dt.timedelta(days=days), note="Đơn mẫu"))
            ledger.credit_delivery(po)
            added += 1
    return added


def seed_demo_programs() -> int:
    """Create what is missing of the demo projects; returns how many things were added. Flushes only."""
    admin, staff, buyer = (accounts.find_by_login(e) for e in (ADMIN_EMAIL, STAFF_EMAIL, BUYER_EMAIL))
    if admin is None or buyer is None:
        return 0

    def actor_for(record) -> object:
        # Cao Bằng staff act in their province; the admin elsewhere.
        return staff if staff is not None and projects.can_manage(staff, record.province_id) else admin

    added = 0
    for spec in PROJECTS:
        province = db.session.scalar(select(Province).where(Province.code == spec["province"]))
        if province is None:
            continue
        actor = staff if staff is not None and projects.can_manage(staff, province.id) else admin
        existed = db.session.scalar(select(SupportProject.id).where(SupportProject.code == spec["code"]))
        project = _ensure_project(spec, actor)
        added += 0 if existed else 1
        added += _ensure_money(project, spec, actor)
        added += _ensure_households(project, spec, actor)
        products = _ensure_links(project, spec, actor)
        added += _ensure_orders(products, buyer)
    added += _ensure_records(actor_for)
    added += _ensure_no_signal(staff or admin)
    added += _ensure_subsidy(staff or admin)
    db.session.flush()
    return added


#: the demo's programme shipping subsidy: live for 90 days from the day the demo is loaded, so `make run` shows it in
#: the cart of any product of the project's households (Hạt dẻ Trùng Khánh, Dao Phúc Sen …)
SUBSIDY_PROJECT, SUBSIDY_NAME, SUBSIDY_AMOUNT_VND, SUBSIDY_BUDGET_VND = (
    "CB-DA2-2024-01", "Đưa nông sản Trùng Khánh về xuôi", 15_000, 3_000_000)


def _ensure_subsidy(actor) -> int:
    project = db.session.scalar(select(SupportProject).where(SupportProject.code == SUBSIDY_PROJECT))
    if project is None or db.session.scalar(select(ShippingSubsidy.id).where(
            ShippingSubsidy.project_id == project.id, ShippingSubsidy.name == SUBSIDY_NAME)):
        return 0
    today = local_today()
    subsidies.create_subsidy(actor, subsidies.SubsidyData(
        project_id=project.id, name=SUBSIDY_NAME, mode="per_order", amount_vnd=SUBSIDY_AMOUNT_VND,
        cap_per_order_vnd=None, budget_vnd=SUBSIDY_BUDGET_VND,
        starts_on=today - dt.timedelta(days=7), ends_on=today + dt.timedelta(days=90), eligibility="participants"))
    return 1


#: communes the demo marks as having no mobile or radio signal, so the commune map shows its flag. Demo data, not a
#: survey: staff set the real ones at *Quản trị › Xã và sóng*.
NO_SIGNAL_DEMO = ("01321",)  # Xã Bảo Lạc (Cao Bằng), the commune of demo project CB-DA3-2024-02


def _ensure_no_signal(actor) -> int:
    added = 0
    for code in NO_SIGNAL_DEMO:
        commune = db.session.scalar(select(Commune).where(Commune.code == code))
        if commune is not None and not commune.no_signal:
            communes.set_no_signal(actor, commune, True)
            added += 1
    return added
