"""PDF receipts per producer order (issue 17, invoices): a real PDF whose text carries the lines, both parties and
the total in digits and in Vietnamese words, in the shipped font; the buyer, the producer, the hub of a linked
household and staff have it, nobody else (security promise 40)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from ocop_market.catalog import hubs
from ocop_market.extensions import db
from ocop_market.orders import services as orders
from tests.conftest import make_producer, make_product, make_user


def _place(buyer, product, quantity, province_id):
    order = orders.place_order(buyer, {product.id: quantity}, orders.CheckoutData(
        contact_name="Chị Nguyễn Thị Mai", phone="0987654321", address_line="Số 12 Hoàng Đình Giong",
        commune="Phường Thục Phán", province_id=province_id, payment_method="cod"))
    db.session.commit()
    return order


@pytest.fixture
def world(ctx):
    staff = make_user("canbo@ocop.vn", role="staff")
    make_user("htx@ocop.vn", role="buyer")
    owner = make_user("hoa@ho.vn", role="producer")
    other_owner = make_user("sang@ho.vn", role="producer")
    buyer = make_user("mai@khach.vn")
    make_user("lan@khach.vn")
    mine = make_producer(owner=owner, name="Hộ bà Lục Thị Hoa")
    theirs = make_producer(owner=other_owner, name="Hộ ông Nông Văn Sáng")
    hub = hubs.create_hub(staff, hubs.HubData("HTX Nông sản Quảng Uyên", "cooperative", mine.province_id))
    hubs.add_member(staff, hub, "htx@ocop.vn")
    hubs.link_household(staff, hub, mine)
    db.session.commit()
    # 2 × 650.000 ₫: above the free-shipping line, so the total is 1.300.000 ₫.
    chestnuts = make_product(mine, name="Hạt dẻ Trùng Khánh loại đặc biệt", price=650_000)
    noodles = make_product(theirs, name="Miến dong Nguyên Bình", price=40_000)
    order = orders.place_order(buyer, {chestnuts.id: 2, noodles.id: 1}, orders.CheckoutData(
        contact_name="Chị Nguyễn Thị Mai", phone="0987654321", address_line="Số 12 Hoàng Đình Giong",
        commune="Phường Thục Phán", province_id=mine.province_id, payment_method="cod"))
    db.session.commit()
    part = next(po for po in order.producer_orders if po.producer_id == mine.id)
    other_part = next(po for po in order.producer_orders if po.producer_id == theirs.id)
    return {"order": order, "part": part, "other_part": other_part, "mine": mine, "theirs": theirs}


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_buyer_gets_a_real_pdf_with_the_total_in_vietnamese_words(client, auth, world):
    auth.login("mai@khach.vn")
    order, part = world["order"], world["part"]
    resp = client.get(f"/don-hang/{order.code}/bien-nhan/{part.id}")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF-")
    assert "bien-nhan-" + order.code in resp.headers["Content-Disposition"]
    assert "no-store" in resp.headers["Cache-Control"]
    text = _text(resp.data)
    assert part.total_vnd == 1_300_000
    assert "Một triệu ba trăm nghìn đồng" in text
    assert "1.300.000" in text
    assert "Hạt dẻ Trùng Khánh loại đặc biệt" in text and "650.000" in text
    assert "Hộ bà Lục Thị Hoa" in text and "Chị Nguyễn Thị Mai" in text and "Số 12 Hoàng Đình Giong" in text
    # one producer's part only: the other producer's line is on its own receipt
    assert "Miến dong" not in text
    # the date as the buyer lived it (Asia/Ho_Chi_Minh, UTC+7)
    local = part.order.created_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    assert local.strftime("%d/%m/%Y %H:%M") in text
    assert f"{order.code}-1" in text


def test_the_receipt_is_set_in_the_font_shipped_with_the_repository(client, auth, world):
    auth.login("mai@khach.vn")
    pdf = client.get(f"/don-hang/{world['order'].code}/bien-nhan/{world['part'].id}").data
    fonts, embedded = set(), []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            embedded.append("/FontFile2" in descriptor)
    # Only the family pdf.py binds to static/fonts (no fallback to whatever the machine has), embedded in the file.
    assert fonts == {"OCOP-Document", "OCOP-Document-Bold"}, fonts
    assert all(embedded)
    static = Path(client.application.static_folder) / "fonts"
    assert (static / "DejaVuSans.ttf").is_file() and (static / "LICENSE-DejaVu.txt").is_file()


def test_the_producer_the_hub_and_staff_have_the_receipt(client, auth, world):
    part, order = world["part"], world["order"]
    for login, path in [("hoa@ho.vn", f"/gian-hang/don-hang/{part.id}/bien-nhan"),
                        ("htx@ocop.vn", f"/trung-tam/don-hang/{part.id}/bien-nhan"),
                        ("canbo@ocop.vn", f"/quan-tri/don-hang/{order.code}/bien-nhan/{part.id}")]:
        auth.login(login)
        resp = client.get(path)
        assert resp.status_code == 200, login
        assert resp.data.startswith(b"%PDF-")
        assert "Một triệu ba trăm nghìn đồng" in _text(resp.data)
        auth.logout()


def test_order_pages_link_their_receipts(client, auth, world):
    part, order = world["part"], world["order"]
    auth.login("mai@khach.vn")
    assert f'/don-hang/{order.code}/bien-nhan/{part.id}"' in client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    auth.logout()
    auth.login("hoa@ho.vn")
    assert f'/gian-hang/don-hang/{part.id}/bien-nhan"' in client.get(f"/gian-hang/don-hang/{part.id}").get_data(as_text=True)


def test_nobody_else_has_a_receipt(client, auth, world):
    """Another buyer and another producer: not found; a hub for a household it is not linked to: 403; a part of
    another order under this order's code: not found; no sign-in: the login page."""
    part, other_part, order = world["part"], world["other_part"], world["order"]
    resp = client.get(f"/don-hang/{order.code}/bien-nhan/{part.id}")
    assert resp.status_code == 302 and "/tai-khoan/dang-nhap" in resp.headers["Location"]
    auth.login("lan@khach.vn")
    assert client.get(f"/don-hang/{order.code}/bien-nhan/{part.id}").status_code == 404
    auth.logout()
    auth.login("sang@ho.vn")
    assert client.get(f"/gian-hang/don-hang/{part.id}/bien-nhan").status_code == 404
    assert client.get(f"/gian-hang/don-hang/{other_part.id}/bien-nhan").status_code == 200
    auth.logout()
    auth.login("htx@ocop.vn")
    assert client.get(f"/trung-tam/don-hang/{other_part.id}/bien-nhan").status_code == 403
    assert client.get("/trung-tam/don-hang/999999/bien-nhan").status_code == 404
    auth.logout()
    auth.login("mai@khach.vn")
    second = _place(db.session.get(type(order.buyer), order.buyer_id), world["part"].lines[0].product, 1,
                    world["mine"].province_id)
    assert client.get(f"/don-hang/{order.code}/bien-nhan/{second.producer_orders[0].id}").status_code == 404
    auth.logout()
    auth.login("hoa@ho.vn")
    assert client.get(f"/quan-tri/don-hang/{order.code}/bien-nhan/{part.id}").status_code == 403


def test_only_the_pdf_adapter_imports_weasyprint():
    package = Path(__file__).resolve().parents[2] / "ocop_market"
    importers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                       if "weasyprint" in p.read_text(encoding="utf-8").replace("# ", "")
                       and "import" in p.read_text(encoding="utf-8")
                       and any(line.lstrip().startswith(("import weasyprint", "from weasyprint"))
                               for line in p.read_text(encoding="utf-8").splitlines()))
    assert importers == ["pdf.py"]
