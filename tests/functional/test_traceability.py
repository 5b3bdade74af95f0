"""Traceability stamps (issue 17): a producer records a lot of a listing and prints a sheet of QR stamps; the QR opens
a public page with the product, the producer, the OCOP certificate and its validity today, and the lot. A wrong lot
code is a clear 404 in the reader's language; bad dates, quantities and codes are refused with a message."""
from __future__ import annotations

import datetime as dt
import io
import re

import flask_babel
import pytest
import segno
from pypdf import PdfReader
from sqlalchemy import select

from ocop_market.catalog.models import ProductBatch
from ocop_market.extensions import db
from ocop_market.timeutil import local_today
from tests.conftest import csrf_from, make_producer, make_product, make_user


@pytest.fixture
def world(ctx):
    owner = make_user("hoa@ho.vn", role="producer")
    other = make_user("sang@ho.vn", role="producer")
    producer = make_producer(owner=owner, name="Hộ bà Lục Thị Hoa")
    make_producer(owner=other, name="Hộ ông Nông Văn Sáng")
    product = make_product(producer, name="Hạt dẻ Trùng Khánh", stars=4)
    return {"producer": producer, "product": product}


def _form(client, product):
    page = client.get(f"/gian-hang/san-pham/{product.id}/lo")
    assert page.status_code == 200
    return csrf_from(page.get_data(as_text=True))


def _post(client, product, token, **over):
    today = local_today()
    data = {"csrf_token": token, "lot_code": "l2512-01", "produced_on": (today - dt.timedelta(days=3)).isoformat(),
            "expires_on": (today + dt.timedelta(days=180)).isoformat(), "quantity": "500"}
    data.update(over)
    return client.post(f"/gian-hang/san-pham/{product.id}/lo", data=data)


def _read_in_english(client):
    client.get("/ngon-ngu/en")
    # The `ctx` fixture's requests share one `g`, where Flask-Babel keeps the locale it chose first.
    flask_babel.refresh()


def test_a_producer_records_a_lot_and_a_buyer_checks_it_from_the_stamp(client, auth, world):
    product = world["product"]
    auth.login("hoa@ho.vn")
    resp = _post(client, product, _form(client, product))
    assert resp.status_code == 302
    batch = db.session.scalar(select(ProductBatch))
    assert (batch.lot_code, batch.quantity) == ("L2512-01", 500)  # stored upper-case
    listing = client.get(f"/gian-hang/san-pham/{product.id}/lo").get_data(as_text=True)
    assert "L2512-01" in listing and f"/gian-hang/san-pham/{product.id}/lo/{batch.id}/tem" in listing
    auth.logout()

    # Anyone, signed out, scanning the stamp; the code as printed or typed in lower case.
    for lot in ("L2512-01", "l2512-01"):
        page = client.get(f"/truy-xuat/{product.slug}/{lot}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Hạt dẻ Trùng Khánh" in html and "Hộ bà Lục Thị Hoa" in html
        assert "L2512-01" in html and batch.produced_on.strftime("%d/%m/%Y") in html
        assert batch.expires_on.strftime("%d/%m/%Y") in html
        assert "123/QĐ-UBND" in html and "Còn hiệu lực" in html and "4 sao" in html


def test_the_stamp_sheet_prints_32_qr_codes_that_open_the_lot_page(client, auth, world):
    product = world["product"]
    auth.login("hoa@ho.vn")
    _post(client, product, _form(client, product), quantity="100")
    batch = db.session.scalar(select(ProductBatch))
    sheet = client.get(f"/gian-hang/san-pham/{product.id}/lo/{batch.id}/tem")
    assert sheet.status_code == 200
    html = sheet.get_data(as_text=True)
    qr_path = f"/truy-xuat/{product.slug}/L2512-01/qr.svg"
    assert html.count(f'src="{qr_path}"') == 32
    assert '/static/css/stamps.css' in html and "in 4 tờ" in html  # 100 packages, 32 a sheet
    assert "@page" in open(client.application.static_folder + "/css/stamps.css", encoding="utf-8").read()
    svg = client.get(qr_path)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    expected = io.BytesIO()
    segno.make(f"http://localhost/truy-xuat/{product.slug}/L2512-01", error="m").save(
        expected, kind="svg", scale=4, border=1, dark="#000000")
    assert svg.data == expected.getvalue()  # the QR holds the lot page's address

    pdf = client.get(f"/gian-hang/san-pham/{product.id}/lo/{batch.id}/tem.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert text.count("L2512-01") == 32 and "Hạt dẻ Trùng Khánh" in text and "Tem truy xuất".upper() in text.upper()


def _days_from_today(days: int):
    """A date field's value worked out when the test runs, not when pytest collects it: a run that crosses
    midnight in Vietnam would otherwise send "tomorrow" as a date that has become today."""
    return lambda: (local_today() + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize("over, status, message", [
    ({"produced_on": _days_from_today(1)}, 400, "Ngày sản xuất không thể ở tương lai."),
    ({"produced_on": "1999-12-31", "expires_on": ""}, 400, "Ngày sản xuất quá xa"),
    ({"produced_on": "31/02/2025"}, 400, "Ngày không hợp lệ"),
    ({"expires_on": _days_from_today(-10)}, 400, "Hạn sử dụng phải sau ngày sản xuất."),
    ({"expires_on": _days_from_today(366 * 11)}, 400, "Hạn sử dụng quá xa"),
    ({"quantity": "0"}, 400, "Giá trị phải từ 1 đến 1.000.000."),
    ({"quantity": "-1"}, 400, "Vui lòng chỉ ghi chữ số"),
    ({"quantity": "1.5"}, 400, "Vui lòng chỉ ghi chữ số"),
    ({"quantity": "1" + "0" * 20}, 400, "Giá trị phải từ 1 đến 1.000.000."),
    ({"quantity": ""}, 400, "Vui lòng nhập số lượng."),
    ({"lot_code": "lô 1"}, 400, "Mã lô chỉ gồm chữ cái không dấu"),
    ({"lot_code": "L/1"}, 400, "Mã lô chỉ gồm chữ cái không dấu"),
    ({"lot_code": "L" * 33}, 400, "Tối đa 32 ký tự."),
])
def test_bad_lots_are_refused_with_a_message_and_nothing_saved(client, auth, world, over, status, message):
    product = world["product"]
    auth.login("hoa@ho.vn")
    over = {name: value() if callable(value) else value for name, value in over.items()}
    resp = _post(client, product, _form(client, product), **over)
    assert resp.status_code == status
    assert message in resp.get_data(as_text=True)
    assert db.session.scalar(select(ProductBatch)) is None


def test_a_lot_code_is_used_once_per_listing(client, auth, world):
    product = world["product"]
    auth.login("hoa@ho.vn")
    token = _form(client, product)
    assert _post(client, product, token).status_code == 302
    resp = _post(client, product, token, lot_code="L2512-01")
    assert resp.status_code == 409
    assert "Sản phẩm này đã có lô mã “L2512-01”" in resp.get_data(as_text=True)
    # another listing may use the same code
    second = make_product(world["producer"], name="Miến dong Nguyên Bình")
    assert _post(client, second, _form(client, second)).status_code == 302


def test_the_refusal_speaks_english_to_an_english_reader(client, auth, world):
    product = world["product"]
    auth.login("hoa@ho.vn")
    _read_in_english(client)
    resp = _post(client, product, _form(client, product),
                 produced_on=(local_today() + dt.timedelta(days=1)).isoformat())
    assert resp.status_code == 400
    assert "The production date cannot be in the future." in resp.get_data(as_text=True)


def test_a_wrong_lot_code_is_a_clear_404_in_the_readers_language(client, auth, world):
    product = world["product"]
    auth.login("hoa@ho.vn")
    _post(client, product, _form(client, product))
    auth.logout()
    resp = client.get(f"/truy-xuat/{product.slug}/L9999")
    assert resp.status_code == 404
    assert "Không tìm thấy lô hàng mã “L9999” của sản phẩm này. Tem có thể bị làm giả" in resp.get_data(as_text=True)
    assert client.get(f"/truy-xuat/{product.slug}/L9999/qr.svg").status_code == 404
    assert client.get("/truy-xuat/khong-co-san-pham/L2512-01").status_code == 404
    assert client.get(f"/truy-xuat/{product.slug}/" + "%3Cscript%3E").status_code == 404
    _read_in_english(client)
    resp = client.get(f"/truy-xuat/{product.slug}/L9999")
    assert resp.status_code == 404
    assert "No lot “L9999” of this product was found. The stamp may be forged" in resp.get_data(as_text=True)


def test_the_lot_page_says_when_the_certificate_has_run_out(client, auth, world):
    old = make_product(world["producer"], name="Rượu ngô Bảo Lạc", stars=3,
                       decision_date=local_today() - dt.timedelta(days=37 * 31))
    auth.login("hoa@ho.vn")
    _post(client, old, _form(client, old), lot_code="R1")
    html = client.get(f"/truy-xuat/{old.slug}/R1").get_data(as_text=True)
    assert "Đã hết hiệu lực" in html and "Còn hiệu lực" not in html


def test_a_lot_of_a_listing_never_published_is_not_public_and_an_archived_ones_still_is(client, auth, world):
    draft = make_product(world["producer"], name="Thạch đen Thạch An", status="draft")
    auth.login("hoa@ho.vn")
    _post(client, draft, _form(client, draft), lot_code="T1")
    assert client.get(f"/truy-xuat/{draft.slug}/T1").status_code == 404
    product = world["product"]
    _post(client, product, _form(client, product), lot_code="H1")
    product.status = "archived"
    db.session.commit()
    page = client.get(f"/truy-xuat/{product.slug}/H1")
    assert page.status_code == 200 and "không còn bán" in page.get_data(as_text=True)


def test_another_producer_cannot_see_or_add_lots(client, auth, world):
    product = world["product"]
    auth.login("hoa@ho.vn")
    _post(client, product, _form(client, product))
    batch = db.session.scalar(select(ProductBatch))
    auth.logout()
    auth.login("sang@ho.vn")
    for path in (f"/gian-hang/san-pham/{product.id}/lo", f"/gian-hang/san-pham/{product.id}/lo/{batch.id}/tem",
                 f"/gian-hang/san-pham/{product.id}/lo/{batch.id}/tem.pdf"):
        assert client.get(path).status_code == 404, path
    page = client.get("/gian-hang/san-pham/moi")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert _post(client, product, token, lot_code="X1").status_code == 404
    assert db.session.scalar(select(ProductBatch).where(ProductBatch.lot_code == "X1")) is None


def test_the_demo_household_has_lots_whose_stamps_open_their_page(app, runner, client):
    app.config["DEMO_PHOTO_SIZE"] = 160
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    with app.app_context():
        lots = db.session.scalars(select(ProductBatch).order_by(ProductBatch.lot_code)).all()
        assert [b.lot_code for b in lots] == ["HD2511-01", "HD2512-01"]
        owner_email = lots[0].product.producer.owner.email
        slug = lots[0].product.slug
    assert owner_email == "nhasanxuat@ocop.local"
    page = client.get(f"/truy-xuat/{slug}/HD2512-01")
    assert page.status_code == 200 and "HD2512-01" in page.get_data(as_text=True)
    again = runner.invoke(args=["seed", "demo"])
    assert "không có gì thay đổi" in again.output
