"""Demo shop: users, producers and listings for `flask seed demo`, loaded idempotently.

The listings come from `data/demo_catalog.csv` through the catalog importer (so the demo exercises it); the
steps here add what a CSV does not carry: accounts, producer stories, a household that manages its own record,
items waiting in the staff queues, and placeholder photos drawn locally. Every step first looks for what it
would create, so a second run changes nothing.

Demo passwords are fixed and printed by `flask seed logins`: this data is for a local demo only.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import zlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from .accounts import services as accounts
from .accounts.models import Role, User
from .catalog import batches, hubs, images, importer, listings, photos, producers, services
from .catalog.models import Hub, HubKind, Producer, Product
from .extensions import db
from .orders import services as order_services
from .orders import vat
from .orders.models import Order, ProducerOrder
from .places import Commune, Province, load_communes
from .reference import ensure_reference_data
from .text import fold
from .timeutil import local_today

DEMO_CSV = os.path.join(os.path.dirname(__file__), "data", "demo_catalog.csv")


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    role: str
    name: str
    label: str
    province_code: str | None = None
    #: a commune officer's commune (the official code)
    commune_code: str | None = None


DEMO_USERS = (
    DemoUser("admin@ocop.local", "ocop-admin-2026", Role.ADMIN, "Quản trị viên OCOP", "Quản trị"),
    DemoUser("canbo@ocop.local", "ocop-staff-2026", Role.STAFF, "Nông Thị Thu", "Cán bộ (Cao Bằng)", "CB"),
    # the commune of the demo's first household (Hộ bà Lục Thị Hoa) and of support project CB-DA2-2024-01
    DemoUser("canbo.xa@ocop.local", "ocop-commune-2026", Role.COMMUNE_OFFICER, "Hoàng Văn Khánh",
             "Cán bộ xã (Xã Trùng Khánh)", "CB", "01477"),
    DemoUser("nhasanxuat@ocop.local", "ocop-producer-2026", Role.PRODUCER, "Lục Thị Hoa", "Nhà sản xuất"),
    DemoUser("nguoimua@ocop.local", "ocop-buyer-2026", Role.BUYER, "Nguyễn Minh Anh", "Người mua"),
    # A buyer account made a member of the demo hub by staff: the hub area comes with the membership.
    DemoUser("diemban@ocop.local", "ocop-hub-2026", Role.BUYER, "Bế Thị Vân", "Điểm bán (HTX)"),
    # An organisation buyer (a school canteen buying by the case): tiers, 300 packs, quotes (orders/wholesale_demo.py)
    DemoUser("bepan@ocop.local", "ocop-org-2026", Role.BUYER, "Đàm Thị Lan", "Khách hàng tổ chức (bếp ăn trường)"),
)
STAFF_EMAIL = "canbo@ocop.local"
PRODUCER_EMAIL = "nhasanxuat@ocop.local"
HUB_MEMBER_EMAIL = "diemban@ocop.local"
BUYER_EMAIL = "nguoimua@ocop.local"

#: the demo hub (a cooperative) and the two households of the catalogue it sells for
DEMO_HUB = hubs.HubData(name="HTX Nông sản Quảng Uyên", kind=HubKind.COOPERATIVE, province_id=0,
                        commune="Xã Quảng Uyên", phone="0912000555", email="htx.quanguyen@ocop.local")
HUB_HOUSEHOLDS = ("Hộ ông Nông Văn Phúc", "Hộ ông Thào Seo Dìn")
#: marks the order placed for the hub's households, so the hub area has one waiting on a fresh demo
HUB_ORDER_ADDRESS = "Số 8, bản Nà Rị"

# The household that manages its own record through the producer account; the CSV lists it too, so the
# import matches it rather than creating a second one.
OWNED_PRODUCER = producers.ProducerData(
    kind="household", name="Hộ bà Lục Thị Hoa", province_id=0, commune="Xã Trùng Khánh",
    household_category="poor", category_assessed_on=dt.date(2024, 3, 20),
)

#: what the CSV does not carry, by producer name. A household's category is in the CSV (its current one, assessed
#: on the day of the import); the programme demo adds the dated re-assessments of the project households.
PRODUCER_DETAILS: dict[str, dict] = {
    "Hộ bà Lục Thị Hoa": dict(
        # the household's phone (a basic one): where its order messages go and its OK/HUY replies come from
        representative="Lục Thị Hoa", phone="0987000111", village="Xóm Pác Rằng", legacy_district="Trùng Khánh",
        ethnic_minority=True, woman_headed=True,
        story="Gia đình người Tày của bà Hoa trồng hạt dẻ đã ba đời trên những sườn đồi đá vôi.\n"
              "Từ khi tham gia dự án hỗ trợ sản xuất, bà học cách sấy và đóng gói, "
              "hạt dẻ nhà bà giờ có mặt ở nhiều tỉnh thành."),
    "HTX Nông nghiệp Trà Lĩnh": dict(
        representative="Bế Văn Hùng", legacy_district="Trùng Khánh",
        story="Hợp tác xã có 46 thành viên, phần lớn là hộ người Nùng trồng quýt và thu hái lâm sản.\n"
              "HTX thu mua quýt, nấm hương và mộc nhĩ của các hộ với giá ổn định và bao tiêu đầu ra."),
    "HTX Miến dong Phia Đén": dict(
        representative="Lý Văn Tài", legacy_district="Nguyên Bình",
        story="Trên cao nguyên Phia Đén quanh năm mây mù, người Dao trồng dong riềng và làm miến thủ công.\n"
              "HTX liên kết với hơn 80 hộ, trong đó nhiều hộ nghèo được hỗ trợ giống và máy tráng miến."),
    "Tổ hợp tác Lạp sườn Hòa An": dict(
        representative="Hoàng Thị Nguyệt", legacy_district="Hòa An",
        story="Tổ hợp tác của chín hộ phụ nữ làm lạp sườn, thịt hun khói và bánh khảo theo công thức gia truyền.\n"
              "Mỗi mẻ lạp sườn được phơi nắng rồi hun trên gác bếp củi."),
    "Hộ ông Nông Văn Phúc": dict(
        representative="Nông Văn Phúc", village="Xóm Phúc Sen", legacy_district="Quảng Hòa",
        ethnic_minority=True,
        story="Ông Phúc là người Nùng An, theo nghề rèn của cha từ năm mười lăm tuổi.\n"
              "Lò rèn nhỏ của gia đình giúp cả nhà thoát cận nghèo năm 2024 nhờ bán dao qua mạng."),
    "HTX Thạch đen Đông Khê": dict(
        representative="Vi Văn Đức", legacy_district="Thạch An",
        story="Thạch An là vùng trồng thạch đen lớn nhất Cao Bằng. HTX sơ chế và đóng gói cho hơn 120 hộ trồng."),
    "Hộ ông Thào Seo Dìn": dict(
        representative="Thào Seo Dìn", village="Bản Khuổi Khon", legacy_district="Bảo Lạc",
        ethnic_minority=True,
        story="Gia đình người Mông của ông Dìn nuôi bò Mông thả đồi và nấu rượu ngô bằng men lá.\n"
              "Dự án hỗ trợ sản xuất cấp cho gia đình hai con bò giống năm 2023."),
    "Hộ bà Đinh Thị Lan": dict(
        representative="Đinh Thị Lan", village="Xóm Nà Mạ", legacy_district="Hà Quảng",
        ethnic_minority=True, woman_headed=True,
        story="Bà Lan giữ giống nếp Khẩu Nua Lếch của người Nùng và nấu đường phên mỗi mùa mía.\n"
              "Thu nhập từ nếp và đường giúp bà nuôi hai con ăn học."),
    "Tổ hợp tác du lịch cộng đồng Khuổi Ky": dict(
        representative="Nông Văn Minh", village="Xóm Khuổi Ky", legacy_district="Trùng Khánh",
        ethnic_minority=True,
        story="Làng nhà sàn đá của người Tày cách thác Bản Giốc vài cây số. "
              "Bảy hộ cùng đón khách, nấu ăn và dẫn đường lên núi."),
    "HTX Hồi Văn Quan": dict(
        representative="Hoàng Văn Tường", legacy_district="Văn Quan",
        story="Văn Quan có rừng hồi lâu năm; HTX chưng cất tinh dầu ngay tại xã để người trồng hồi được giá cao hơn."),
    "Hộ ông Hoàng Văn Sáu": dict(
        representative="Hoàng Văn Sáu", village="Thôn Khuổi Tiến", legacy_district="Lộc Bình",
        ethnic_minority=True,
        story="Gia đình người Dao trên núi Mẫu Sơn nấu rượu men lá và ươm đào bích bán dịp Tết."),
    "HTX Na Chi Lăng": dict(
        representative="Nguyễn Văn Hải", legacy_district="Chi Lăng",
        story="Hơn 60 hộ trồng na trên sườn núi đá vôi cùng áp dụng quy trình VietGAP và bán chung dưới một nhãn."),
    "HTX Dược liệu người Dao đỏ Tả Phìn": dict(
        representative="Tẩn Thị Mẩy", legacy_district="Sa Pa",
        story="Phụ nữ Dao đỏ Tả Phìn gìn giữ bài thuốc tắm lá rừng. HTX trồng lại các cây thuốc quý để không phải hái cạn rừng."),
    "Hộ bà Giàng Thị Mỷ": dict(
        representative="Giàng Thị Mỷ", village="Thôn Bản Phố", legacy_district="Bắc Hà",
        ethnic_minority=True, woman_headed=True,
        story="Bà Mỷ nấu rượu ngô theo cách của mẹ để lại và sấy mận tam hoa mỗi mùa hè."),
    "HTX Chè Shan tuyết Lũng Phìn": dict(
        representative="Vàng Mí Sính", legacy_district="Đồng Văn (tỉnh Hà Giang cũ)",
        story="Những cây chè Shan tuyết cổ thụ mọc trên núi đá ở độ cao trên 1.400 m; "
              "HTX thu búp của 54 hộ người Mông và sao trà thủ công."),
    "Tổ hợp tác dệt lanh Lùng Tám": dict(
        representative="Vàng Thị Mai", legacy_district="Quản Bạ (tỉnh Hà Giang cũ)",
        story="Phụ nữ Mông Lùng Tám trồng lanh, se sợi, dệt vải và vẽ sáp ong như bà, như mẹ họ đã làm."),
    "HTX Cà phê Ea Tu": dict(
        representative="Y Khu Niê",
        story="Các hộ Ê Đê và Kinh trồng cà phê theo hướng hữu cơ, hái chín và rang mộc tại HTX."),
    "Hộ ông Điểu Lanh": dict(
        representative="Điểu Lanh", legacy_district="Bù Gia Mập (tỉnh Bình Phước cũ)",
        ethnic_minority=True,
        story="Gia đình người S'tiêng trồng điều xen cà phê trên ba sào đất đỏ và tự rang điều bằng củi."),
    "Công ty TNHH Đường phèn Bình Minh": dict(
        representative="Phạm Văn Minh",
        story="Xưởng đường phèn ba thế hệ, thu mua mía của nông dân quanh vùng."),
    "Hộ bà Trần Thị Út": dict(
        representative="Trần Thị Út", village="Ấp Cái Nước Vàm", woman_headed=True,
        story="Bà Út làm khô cá đồng từ năm 2015. Nhờ vay vốn ưu đãi, bà xây giàn phơi có mái che và thoát nghèo năm 2023."),
}

# Waiting for staff: a household entered by staff, not yet verified, with one listing.
PENDING_PRODUCER: dict[str, Any] = dict(
    kind="household", name="Hộ bà Hoàng Thị Mai", province_code="CB", commune="Xã Quảng Uyên",
    representative="Hoàng Thị Mai", village="Xóm Phja Thắp", household_category="near_poor",
    category_assessed_on=dt.date(2024, 6, 1), ethnic_minority=True, woman_headed=True,
    story="Bà Mai làm hương thảo mộc từ vỏ cây và lá rừng theo nghề truyền thống của làng.",
)
#: (producer name, product name, group, unit, price, stock, description); submitted, not yet approved
PENDING_LISTINGS = (
    ("Hộ bà Hoàng Thị Mai", "Hương thảo mộc Phja Thắp", "handicraft", "bó 100 nén", 40000, 200,
     "Hương làm từ bột vỏ cây mò, quế và lá rừng, se tay, phơi nắng."),
    ("Hộ bà Lục Thị Hoa", "Bánh hạt dẻ nướng", "food", "hộp 6 chiếc", 90000, 30,
     "Bánh nướng nhân hạt dẻ Trùng Khánh, làm theo mẻ nhỏ."),
    ("HTX Nông nghiệp Trà Lĩnh", "Vỏ quýt sấy khô", "herbal", "túi 200g", 50000, 80,
     "Vỏ quýt Trà Lĩnh phơi khô (trần bì), dùng pha trà và làm gia vị."),
)

# Calm colours per OCOP group: earthy, readable with white text.
GROUP_COLOURS = {
    "food": [(170, 88, 52), (150, 104, 40), (122, 86, 60)],
    "drinks": [(44, 110, 112), (60, 92, 130), (96, 70, 110)],
    "herbal": [(62, 118, 72), (86, 112, 52), (48, 104, 92)],
    "handicraft": [(70, 78, 132), (120, 66, 70), (92, 80, 64)],
    "ornamental": [(164, 72, 104), (132, 86, 132), (88, 120, 70)],
    "tourism": [(46, 96, 140), (58, 120, 110), (110, 96, 60)],
}


@dataclass
class DemoReport:
    users_created: int = 0
    producers_created: int = 0
    producers_completed: int = 0
    listings_created: int = 0
    photos_added: int = 0
    hubs_created: int = 0
    batches_created: int = 0
    vat_requests_created: int = 0
    shipments_created: int = 0
    quotes_created: int = 0
    imported: importer.ImportResult = field(default_factory=importer.ImportResult)

    def summary(self) -> str:
        r = self.imported
        changed = any((self.users_created, self.producers_created, self.producers_completed,
                       self.listings_created, self.photos_added, self.hubs_created, self.batches_created,
                       self.vat_requests_created, self.shipments_created, self.quotes_created, r.changed))
        if not changed:
            return "Dữ liệu mẫu đã có sẵn; không có gì thay đổi."
        return "\n".join([
            "Đã nạp dữ liệu mẫu.",
            f"  Tài khoản mới: {self.users_created}",
            f"  Nhập CSV: cơ sở mới {r.producers_created}, sản phẩm mới {r.products_created}, "
            f"sản phẩm cập nhật {r.products_updated}",
            f"  Cơ sở mới ngoài CSV: {self.producers_created}; hồ sơ bổ sung câu chuyện: {self.producers_completed}",
            f"  Sản phẩm chờ duyệt mới: {self.listings_created}",
            f"  Ảnh minh họa mới: {self.photos_added}",
            f"  Điểm bán mới: {self.hubs_created}",
            f"  Lô sản xuất mới (tem truy xuất): {self.batches_created}",
            f"  Yêu cầu hóa đơn GTGT mới: {self.vat_requests_created}",
            f"  Vận đơn mới (GHN, bưu điện): {self.shipments_created}",
            f"  Yêu cầu báo giá mới (khách hàng tổ chức): {self.quotes_created}",
        ])


def logins_table() -> str:
    rows = [("Vai trò", "Đăng nhập", "Mật khẩu")] + [(u.label, u.email, u.password) for u in DEMO_USERS]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  Tài khoản mẫu (chỉ dùng để thử trên máy):"]
    for i, r in enumerate(rows):
        lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _province(code: str) -> Province:
    return db.session.scalars(select(Province).where(Province.code == code)).one()


def _user(email: str) -> User | None:
    return accounts.find_by_login(email)


def _demo_user(email: str) -> User:
    """One of the demo accounts, which `_ensure_users` made first."""
    user = _user(email)
    assert user is not None, email
    return user


def _ensure_users(report: DemoReport) -> None:
    for demo_user in DEMO_USERS:
        if _user(demo_user.email) is not None:
            continue
        commune = db.session.scalar(select(Commune).where(Commune.code == demo_user.commune_code)) \
            if demo_user.commune_code else None
        user = accounts.register(demo_user.name, demo_user.email, demo_user.password, demo_user.role, commune=commune)
        if demo_user.province_code:
            user.province_id = _province(demo_user.province_code).id
        report.users_created += 1
    db.session.flush()


def _find_producer(name: str) -> Producer | None:
    return db.session.scalar(select(Producer).where(Producer.name == name))


def _ensure_owned_producer(report: DemoReport, staff: User) -> None:
    owner = _demo_user(PRODUCER_EMAIL)
    if services.producer_of(owner) is not None or _find_producer(OWNED_PRODUCER.name) is not None:
        return
    data = dataclasses.replace(OWNED_PRODUCER, province_id=_province("CB").id)
    # The household typed its own record in (entered by itself), then staff verified it.
    producer = producers.create_producer(owner, data, owner=owner)
    producers.verify_producer(staff, producer)
    report.producers_created += 1


def _complete_details(report: DemoReport, staff: User) -> None:
    for name, details in PRODUCER_DETAILS.items():
        producer = _find_producer(name)
        if producer is None:
            continue
        if all(getattr(producer, k) == v for k, v in details.items()):
            continue
        producers.update_producer(staff, producer, importer.producer_data_of(producer, **details))
        report.producers_completed += 1


def _ensure_pending(report: DemoReport, staff: User) -> None:
    spec = dict(PENDING_PRODUCER)
    if _find_producer(spec["name"]) is None:
        province = _province(spec.pop("province_code"))
        producers.create_producer(staff, producers.ProducerData(province_id=province.id, **spec))
        report.producers_created += 1
    owner = _demo_user(PRODUCER_EMAIL)
    for producer_name, name, group, unit, price, stock, description in PENDING_LISTINGS:
        producer = _find_producer(producer_name)
        if producer is None or any(p.name == name for p in producer.products):
            continue
        # The household's own listing is submitted by its account; the others by staff on their behalf.
        actor = owner if producer.owner_id == owner.id else staff
        product_group = services.group_by_code(group)
        assert product_group is not None, group  # the reference data has every group
        product = listings.create_product(actor, producer, listings.ProductData(
            name=name, group_id=product_group.id, unit=unit, price_vnd=price, stock=stock,
            description=description))
        listings.submit_for_review(actor, product)
        report.listings_created += 1


def _initials(name: str) -> str:
    words = [w for w in name.split() if w[:1].isalpha()]
    return "".join(w[0] for w in words[:2]).upper() or "OCOP"


def placeholder_for(product: Product, variant: int = 0, size: int = 720):
    palette = GROUP_COLOURS.get(product.group.code, GROUP_COLOURS["food"])
    colour = palette[(zlib.crc32(fold(product.name).encode()) + variant) % len(palette)]
    place = product.producer.province.name if product.producer.province else ""
    subtitle = place if variant == 0 else product.unit
    return images.render_placeholder(product.name, subtitle, _initials(product.name), colour, size=(size, size))


def _ensure_photos(report: DemoReport, staff: User, upload_dir: str, size: int) -> None:
    names = set(PRODUCER_DETAILS) | {PENDING_PRODUCER["name"]}
    products = db.session.scalars(
        select(Product).join(Product.producer).where(Producer.name.in_(names)).order_by(Product.id)
    )
    for product in products:
        if product.images:
            continue
        # Every third listing gets a second picture so the gallery can be seen.
        count = 2 if zlib.crc32(product.name.encode()) % 3 == 0 else 1
        for variant in range(count):
            photos.add_generated_photo(staff, product, placeholder_for(product, variant, size), upload_dir,
                                       alt_text=f"{product.name} (ảnh minh họa)")
            report.photos_added += 1


def _ensure_hub(report: DemoReport, staff: User) -> None:
    """The demo cooperative, its member's login and its two households; one order of theirs waiting."""
    hub = db.session.scalar(select(Hub).where(Hub.name == DEMO_HUB.name))
    if hub is None:
        hub = hubs.create_hub(staff, dataclasses.replace(DEMO_HUB, province_id=_province("CB").id))
        report.hubs_created += 1
    member = _demo_user(HUB_MEMBER_EMAIL)
    if member.id not in {m.user_id for m in hub.members}:
        hubs.add_member(staff, hub, member.email or "")
    for name in HUB_HOUSEHOLDS:
        producer = _find_producer(name)
        if producer is not None and hubs.hub_of_producer(producer.id) is None:
            hubs.link_household(staff, hub, producer)
    db.session.flush()
    buyer = _user(BUYER_EMAIL)
    product = next(iter(hubs.sellable_products(member)), None)
    if buyer is None or product is None or db.session.scalar(
            select(Order.id).where(Order.address_line == HUB_ORDER_ADDRESS)) is not None:
        return
    # Through the real checkout, yesterday evening's order from the demo buyer: the hub confirms it for the household.
    order_services.place_order(buyer, {product.id: 1}, order_services.CheckoutData(
        contact_name="Nguyễn Minh Anh", phone="0912345678", address_line=HUB_ORDER_ADDRESS, commune="Xã Quảng Uyên",
        province_id=product.producer.province_id, payment_method="cod"))


#: the demo household's lots (lot code, days before today it was made, shelf life in days): a stamp to scan
DEMO_BATCHES = [("HD2511-01", 20, 365), ("HD2512-01", 2, 365)]


def _ensure_batches(report: DemoReport) -> None:
    """Lots of the demo household's first listing on sale, so its stamp sheet and the lot page show something."""
    owner = _demo_user(PRODUCER_EMAIL)
    producer = services.producer_of(owner)
    product = next((p for p in producer.products if p.status == "approved"), None) if producer else None
    if product is None:
        return
    known = {b.lot_code for b in batches.batches_of(product)}
    today = local_today()
    for code, age, shelf_life in DEMO_BATCHES:
        if code in known:
            continue
        made = today - dt.timedelta(days=age)
        batches.add_batch(owner, product, batches.BatchData(code, made, 200, made + dt.timedelta(days=shelf_life)))
        report.batches_created += 1


def _ensure_vat_request(report: DemoReport) -> None:
    """The demo buyer's company asks the demo household for a VAT invoice on a part still under way, so the
    household's order page shows a request waiting for its invoice number."""
    buyer, owner = _user(BUYER_EMAIL), _demo_user(PRODUCER_EMAIL)
    producer = services.producer_of(owner)
    if buyer is None or producer is None:
        return
    parts = db.session.scalars(
        select(ProducerOrder).join(ProducerOrder.order)
        .where(Order.buyer_id == buyer.id, ProducerOrder.producer_id == producer.id,
               ProducerOrder.status.in_(vat.INVOICEABLE)).order_by(ProducerOrder.id))
    waiting = list(parts)
    if not waiting or any(po.vat_invoice is not None for po in waiting):
        return
    vat.request_invoice(buyer, waiting[0], vat.VatInvoiceData(
        "0101234567-001", "Công ty TNHH Quà Tết Việt – Chi nhánh Cao Bằng", "Số 5 Vườn Cam, Phường Thục Phán, Cao Bằng",
        "ketoan@quatet.example"))
    report.vat_requests_created += 1


def load_demo(upload_dir: str, photo_size: int = 720) -> DemoReport:
    """Create whatever part of the demo shop is missing. Flushes only; the command commits once.
    `photo_size` is the side of the square placeholders (tests use small ones: encoding dominates the time)."""
    ensure_reference_data()
    load_communes()  # the official communes, so the demo's producers and projects carry commune codes
    report = DemoReport()
    _ensure_users(report)
    staff = _demo_user(STAFF_EMAIL)
    _ensure_owned_producer(report, staff)
    with open(DEMO_CSV, "rb") as fh:
        # Staff enter the catalogue on the households' behalf; the audit trail names them.
        report.imported = importer.run_import(
            fh.read(), source="demo_catalog.csv", actor=staff, update_existing=False)
    _complete_details(report, staff)
    _ensure_pending(report, staff)
    _ensure_photos(report, staff, upload_dir, photo_size)
    from .programs.demo import seed_demo_programs

    seed_demo_programs()
    # Promotion after the programmes (a household taking part in a support project is eligible too).
    from .promotions.demo import seed_demo_promotions

    seed_demo_promotions()
    # Orders in every state over the past months (orders/demo.py).
    from .orders.demo import seed_demo_orders

    seed_demo_orders()
    # The order on its way goes by GHN for one household and by the post office for the other (carriers/demo.py).
    from .carriers.demo import seed_demo_shipments

    report.shipments_created += seed_demo_shipments()
    _ensure_hub(report, staff)
    _ensure_batches(report)
    _ensure_vat_request(report)
    from .orders.wholesale_demo import seed_demo_wholesale

    report.quotes_created = seed_demo_wholesale()
    # The fee table by zone and weight last: the demo's past orders were placed at the flat fee before it.
    from .orders.fees_demo import seed_demo_fees

    seed_demo_fees(staff)
    return report
