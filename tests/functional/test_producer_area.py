"""The producer's own area through the test client: onboarding, listings, certificate, photos, owner isolation.

These tests do not use the `ctx` fixture while making requests: a pushed app context is reused by every
request, sharing `g` (a stale CSRF token after login) and the database session (a view that forgot to
commit would still look right). Database checks open their own short app context instead.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from ocop_market.catalog import photos
from ocop_market.catalog.models import OcopCertificate, Producer, Product, ProductImage
from ocop_market.extensions import db
from ocop_market.places import Province
from tests.conftest import csrf_from, make_producer, make_product, make_user, png_bytes


# ---------------------------------------------------------------- helpers
def post_form(client, page_url: str, data: dict, url: str | None = None, **kw):
    """GET the page for its CSRF token, then POST the form (to the page itself unless `url`)."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(url or page_url, data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))}, **kw)


def register_producer(client, login="hoa.luc@example.vn", name="Lục Thị Hoa", sms_gateway=None):
    """Sign up through the real form with "I am a producer" ticked (a phone number confirmed with the SMS code
    that reached `sms_gateway`): the new account is signed in and lands on the producer's area."""
    resp = post_form(client, "/tai-khoan/dang-ky", {
        "display_name": name, "login": login, "password": "secret-pass-1", "confirm": "secret-pass-1",
        "is_producer": "y",
    })
    assert resp.status_code == 302, resp.get_data(as_text=True)
    if "@" not in login:
        code = re.search(r"\b(\d{6})\b", sms_gateway.messages[-1].text).group(1)
        resp = post_form(client, "/tai-khoan/xac-nhan-so-dien-thoai", {"code": code})
        assert resp.status_code == 302, resp.get_data(as_text=True)
    assert resp.headers["Location"] == "/gian-hang/"
    return resp


def one(app, stmt):
    with app.app_context():
        return db.session.scalar(stmt)


def onboarding_data(app, **over) -> dict:
    data = {
        "kind": "household", "name": "Hộ bà Lục Thị Hoa", "representative": "Lục Thị Hoa",
        "phone": "0912 345 678", "province_id": str(one(app, select(Province.id).where(Province.code == "CB"))),
        "commune": "Xã Trùng Khánh", "village": "Bản Gun", "legacy_district": "Huyện Trùng Khánh",
        "household_category": "poor", "category_assessed_on": "2024-12-15", "ethnic_minority": "y",
        "woman_headed": "y", "story": "Gia đình trồng hạt dẻ ba đời.\nHạt dẻ rang bằng củi.",
    }
    data.update(over)
    return data


def product_data(app, **over) -> dict:
    from ocop_market.catalog.models import ProductGroup

    data = {
        "name": "Hạt dẻ Trùng Khánh", "group_id": str(one(app, select(ProductGroup.id).where(ProductGroup.code == "food"))),
        "description": "Hạt dẻ rang.\n<b>Thơm bùi</b>", "unit": "túi 500g", "price_vnd": "150.000", "stock": "25",
        "certificate-stars": "4", "certificate-decision_no": "1234/QĐ-UBND",
        "certificate-decision_date": "2024-03-01", "certificate-issuing_authority": "UBND tỉnh Cao Bằng",
        "certificate-level": "province", "certificate-score": "78",
    }
    data.update(over)
    return data


def jpeg_upload(name="hat-de.jpg"):
    return (io.BytesIO(png_bytes(size=(200, 150), fmt="JPEG")), name)


def count(app, column) -> int:
    return one(app, select(db.func.count(column)))


@pytest.fixture
def onboarded(app, client):
    """A producer registered and onboarded through the real pages; returns the producer's id."""
    register_producer(client)
    resp = post_form(client, "/gian-hang/dang-ky-co-so", onboarding_data(app))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return one(app, select(Producer.id))


def new_listing(app, client, **over) -> int:
    resp = post_form(client, "/gian-hang/san-pham/moi", product_data(app, **over))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return one(app, select(Product.id).order_by(Product.id.desc()))


def action(client, url):
    """A one-button POST from the dashboard (CSRF token taken from the dashboard page)."""
    return post_form(client, "/gian-hang/", {}, url=url)


# ---------------------------------------------------------------- the journey
@pytest.fixture
def app_config(request, channels_config):
    """The SMS gateway on loopback, where the sign-up code of a producer who registers by phone arrives."""
    return {**channels_config, **getattr(request, "param", {})}


def test_full_producer_journey(app, client, sms_gateway):
    register_producer(client, login="0912345678", sms_gateway=sms_gateway)
    # The dashboard sends a producer without a record to onboarding.
    assert client.get("/gian-hang/").headers["Location"].endswith("/gian-hang/dang-ky-co-so")

    resp = post_form(client, "/gian-hang/dang-ky-co-so", onboarding_data(app))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        producer = db.session.scalar(select(Producer))
        assert producer.status == "pending"
        assert producer.owner.phone == "+84912345678" and producer.owner.role == "producer"
        assert producer.created_by_id == producer.owner_id  # typed in by the household itself
        assert producer.phone == "+84912345678"
        assert (producer.kind, producer.household_category) == ("household", "poor")
        assert producer.category_assessed_on == dt.date(2024, 12, 15)
        assert producer.ethnic_minority and producer.woman_headed
        assert (producer.commune, producer.village, producer.legacy_district) == (
            "Xã Trùng Khánh", "Bản Gun", "Huyện Trùng Khánh")
        owner_id = producer.owner_id
    assert "Chờ xác minh" in client.get("/gian-hang/").get_data(as_text=True)

    resp = post_form(client, "/gian-hang/san-pham/moi", product_data(app))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        product = db.session.scalar(select(Product))
        pid = product.id
        assert resp.headers["Location"].endswith(f"/gian-hang/san-pham/{pid}/anh")
        assert (product.status, product.price_vnd, product.stock, product.unit) == ("draft", 150_000, 25, "túi 500g")
        assert product.created_by_id == owner_id
        cert = product.certificate
        assert (cert.stars, cert.decision_no, cert.level, cert.score) == (4, "1234/QĐ-UBND", "province", 78)
        assert (cert.decision_date, cert.issuing_authority) == (dt.date(2024, 3, 1), "UBND tỉnh Cao Bằng")

    resp = post_form(client, f"/gian-hang/san-pham/{pid}/anh", {"photos": [jpeg_upload()]},
                     content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    stored_name = one(app, select(ProductImage.stored_name).where(ProductImage.product_id == pid))
    photos_page = client.get(f"/gian-hang/san-pham/{pid}/anh").get_data(as_text=True)
    assert f"/anh/320/{stored_name}" in photos_page
    assert client.get(f"/anh/320/{stored_name}").status_code == 200

    assert action(client, f"/gian-hang/san-pham/{pid}/gui-duyet").status_code == 302
    assert one(app, select(Product.status).where(Product.id == pid)) == "pending"
    html = client.get("/gian-hang/").get_data(as_text=True)
    assert "Chờ duyệt" in html and "Hạt dẻ Trùng Khánh" in html
    # Still hidden from buyers: neither the listing nor the producer is approved/verified yet.
    slug = one(app, select(Product.slug).where(Product.id == pid))
    assert client.get(f"/san-pham/{slug}").status_code == 404
    # The description is plain text: the tag is shown escaped, never interpreted.
    edit = client.get(f"/gian-hang/san-pham/{pid}/sua").get_data(as_text=True)
    assert "<b>Thơm bùi</b>" not in edit and "&lt;b&gt;Thơm bùi&lt;/b&gt;" in edit


def test_onboarding_twice_goes_to_dashboard(app, client, onboarded):
    resp = client.get("/gian-hang/dang-ky-co-so")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/gian-hang/")
    assert count(app, Producer.id) == 1


ONBOARDING_BAD_VALUES = [
    ("phone", "12345", "Số điện thoại di động không hợp lệ"),
    ("province_id", "0", "Vui lòng chọn tỉnh/thành phố"),
    ("province_id", "999999", "Lựa chọn không hợp lệ"),
    ("province_id", "abc", "Vui lòng chọn tỉnh/thành phố"),
    ("name", "  ", "Vui lòng nhập tên cơ sở"),
    ("commune", "", "Vui lòng nhập xã/phường"),
    ("category_assessed_on", "", "Vui lòng nhập ngày được công nhận"),
    ("category_assessed_on", "31/02/2024", "Ngày không hợp lệ"),
    ("category_assessed_on", (dt.date.today() + dt.timedelta(days=40)).isoformat(), "tương lai"),
    ("kind", "martian", "Lựa chọn không hợp lệ"),
    ("household_category", "rich", "Lựa chọn không hợp lệ"),
]


def test_onboarding_bad_values_rerender_with_message(app, client):
    # One signed-in producer tries every bad value (a login per case would cost a password hash each).
    register_producer(client)
    for field, value, message in ONBOARDING_BAD_VALUES:
        resp = post_form(client, "/gian-hang/dang-ky-co-so", onboarding_data(app, **{field: value}))
        assert resp.status_code == 400, (field, value)
        assert message in resp.get_data(as_text=True), (field, value)
    assert count(app, Producer.id) == 0


def test_onboarding_without_category_needs_no_date(app, client):
    register_producer(client)
    resp = post_form(client, "/gian-hang/dang-ky-co-so",
                     onboarding_data(app, household_category="none", category_assessed_on="", phone=""))
    assert resp.status_code == 302
    with app.app_context():
        producer = db.session.scalar(select(Producer))
        assert producer.household_category == "none" and producer.phone is None


def test_edit_profile_and_rejected_record_goes_back_to_queue(app, client, onboarded):
    with app.app_context():
        producer = db.session.get(Producer, onboarded)
        producer.status, producer.rejection_reason = "rejected", "Thiếu xác nhận của UBND xã."
        db.session.commit()
    html = client.get("/gian-hang/").get_data(as_text=True)
    assert "Thiếu xác nhận của UBND xã." in html and "Bị từ chối" in html
    page = client.get("/gian-hang/ho-so").get_data(as_text=True)
    assert 'value="Hộ bà Lục Thị Hoa"' in page and 'value="2024-12-15"' in page  # pre-filled

    resp = post_form(client, "/gian-hang/ho-so", onboarding_data(app, commune="Xã Đình Phong", ethnic_minority=""))
    assert resp.status_code == 302
    with app.app_context():
        producer = db.session.get(Producer, onboarded)
        assert producer.commune == "Xã Đình Phong"
        assert producer.ethnic_minority is False
        assert producer.status == "pending"


# ---------------------------------------------------------------- listing forms
BAD_NUMBERS = [
    ("price_vnd", "0"), ("price_vnd", "-1"), ("price_vnd", "1.5"), ("price_vnd", "abc"),
    ("price_vnd", str(10**20)), ("price_vnd", ""), ("price_vnd", "1e3"), ("price_vnd", "1,5"),
    ("price_vnd", "9" * 5000),
    ("stock", "-1"), ("stock", "1.5"), ("stock", "abc"), ("stock", str(10**20)), ("stock", ""),
    ("certificate-score", "101"), ("certificate-score", "-1"), ("certificate-score", "7.5"),
]


def test_bad_numbers_are_form_errors_not_500(app, client, onboarded):
    for field, value in BAD_NUMBERS:
        resp = post_form(client, "/gian-hang/san-pham/moi", product_data(app, **{field: value}))
        assert resp.status_code == 400, (field, value[:30])
        html = resp.get_data(as_text=True)
        assert 'class="errors"' in html and "Vui lòng sửa các ô" in html, (field, value[:30])
    assert count(app, Product.id) == 0
    # ...and the same on the edit page: the stored listing keeps its numbers.
    pid = new_listing(app, client)
    for field, value in BAD_NUMBERS:
        resp = post_form(client, f"/gian-hang/san-pham/{pid}/sua", product_data(app, **{field: value}))
        assert resp.status_code == 400, (field, value[:30])
    with app.app_context():
        product = db.session.get(Product, pid)
        assert (product.price_vnd, product.stock, product.certificate.score) == (150_000, 25, 78)


BAD_LISTING_VALUES = [
    ({"certificate-stars": "2"}, "Lựa chọn không hợp lệ"),
    ({"certificate-stars": "6"}, "Lựa chọn không hợp lệ"),
    ({"certificate-stars": ""}, "Chỉ sản phẩm 3 đến 5 sao"),
    ({"certificate-decision_no": ""}, "Vui lòng nhập số quyết định"),
    ({"certificate-decision_date": ""}, "Vui lòng nhập ngày quyết định"),
    ({"certificate-decision_date": "hôm qua"}, "Ngày không hợp lệ"),
    ({"certificate-decision_date": (dt.date.today() + dt.timedelta(days=30)).isoformat()}, "tương lai"),
    ({"certificate-level": "village"}, "Lựa chọn không hợp lệ"),
    ({"group_id": "0"}, "Vui lòng chọn nhóm"),
    ({"group_id": "99999"}, "Lựa chọn không hợp lệ"),
    ({"unit": ""}, "Vui lòng nhập đơn vị bán"),
    ({"name": ""}, "Vui lòng nhập tên sản phẩm"),
]


def test_bad_certificate_or_listing_values(app, client, onboarded):
    for over, message in BAD_LISTING_VALUES:
        resp = post_form(client, "/gian-hang/san-pham/moi", product_data(app, **over))
        assert resp.status_code == 400, over
        assert message in resp.get_data(as_text=True), over
    assert count(app, Product.id) == 0
    assert count(app, OcopCertificate.id) == 0


def test_thousands_separator_and_zero_stock_are_accepted(app, client, onboarded):
    pid = new_listing(app, client, price_vnd="1.250.000", stock="0")
    with app.app_context():
        product = db.session.get(Product, pid)
        assert (product.price_vnd, product.stock) == (1_250_000, 0)


def test_certificate_is_optional(app, client, onboarded):
    empty = {k: "" for k in product_data(app) if k.startswith("certificate-")}
    empty["certificate-level"] = "province"  # a select always sends something
    pid = new_listing(app, client, **empty)
    assert count(app, OcopCertificate.id) == 0
    assert one(app, select(Product.status).where(Product.id == pid)) == "draft"


def test_duplicate_name_is_refused_with_message(app, client, onboarded):
    new_listing(app, client)
    resp = post_form(client, "/gian-hang/san-pham/moi", product_data(app))
    assert resp.status_code == 409
    assert "Cơ sở đã có sản phẩm cùng tên." in resp.get_data(as_text=True)
    assert count(app, Product.id) == 1


def test_edit_listing_updates_fields_and_certificate(app, client, onboarded):
    pid = new_listing(app, client)
    page = client.get(f"/gian-hang/san-pham/{pid}/sua").get_data(as_text=True)
    assert 'value="1234/QĐ-UBND"' in page and 'value="150000"' in page  # pre-filled, certificate included
    resp = post_form(client, f"/gian-hang/san-pham/{pid}/sua",
                     product_data(app, price_vnd="175000", stock="3", **{"certificate-stars": "5"}))
    assert resp.status_code == 302
    with app.app_context():
        product = db.session.get(Product, pid)
        assert (product.price_vnd, product.stock, product.certificate.stars) == (175_000, 3, 5)
        assert len(product.certificates) == 1  # the same decision number is updated, not duplicated


def test_bad_edit_changes_nothing(app, client, onboarded):
    pid = new_listing(app, client)
    resp = post_form(client, f"/gian-hang/san-pham/{pid}/sua", product_data(app, name="Tên mới", stock="-5"))
    assert resp.status_code == 400
    with app.app_context():
        product = db.session.get(Product, pid)
        assert (product.name, product.stock) == ("Hạt dẻ Trùng Khánh", 25)


def test_archive_and_restore(app, client, onboarded):
    pid = new_listing(app, client)
    assert action(client, f"/gian-hang/san-pham/{pid}/luu-tru").status_code == 302
    assert one(app, select(Product.status).where(Product.id == pid)) == "archived"
    # An archived listing cannot be edited until restored.
    resp = post_form(client, f"/gian-hang/san-pham/{pid}/sua", product_data(app, price_vnd="1000"))
    assert resp.status_code == 409
    assert one(app, select(Product.price_vnd).where(Product.id == pid)) == 150_000
    assert action(client, f"/gian-hang/san-pham/{pid}/khoi-phuc").status_code == 302
    assert one(app, select(Product.status).where(Product.id == pid)) == "draft"


def test_submitting_twice_is_a_conflict_page(app, client, onboarded):
    pid = new_listing(app, client)
    assert action(client, f"/gian-hang/san-pham/{pid}/gui-duyet").status_code == 302
    resp = action(client, f"/gian-hang/san-pham/{pid}/gui-duyet")
    assert resp.status_code == 409
    assert one(app, select(Product.status).where(Product.id == pid)) == "pending"


def test_action_without_csrf_is_refused(app, client, onboarded):
    pid = new_listing(app, client)
    assert client.post(f"/gian-hang/san-pham/{pid}/gui-duyet").status_code == 400
    assert one(app, select(Product.status).where(Product.id == pid)) == "draft"


# ---------------------------------------------------------------- who may enter
def test_buyers_and_anonymous_cannot_enter(app, client, auth):
    assert client.get("/gian-hang/").status_code == 302  # to the login page
    with app.app_context():
        make_user("buyer@example.vn", role="buyer")
    auth.login("buyer@example.vn")
    assert client.get("/gian-hang/").status_code == 403
    assert client.get("/gian-hang/san-pham/moi").status_code == 403


def test_new_listing_before_onboarding_redirects(app, client, auth):
    with app.app_context():
        make_user("newbie@example.vn", role="producer")
    auth.login("newbie@example.vn")
    resp = client.get("/gian-hang/san-pham/moi")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/gian-hang/dang-ky-co-so")


# ---------------------------------------------------------------- owner isolation
@pytest.fixture
def a_and_b(app, client, auth):
    """Producer A's listing with a photo; producer B (with a shop of their own) logged in."""

    with app.app_context():
        owner_a = make_user("a@example.vn", role="producer")
        product_a = make_product(make_producer(owner=owner_a, name="HTX A"), status="draft")
        image = photos.add_photo(owner_a, product_a, png_bytes(), app.config)
        db.session.commit()
        owner_b = make_user("b@example.vn", role="producer")
        product_b = make_product(make_producer(owner=owner_b, name="HTX B"), name="Miến dong", status="draft")
        ids = {"a": product_a.id, "image_a": image.id, "b": product_b.id}
    assert auth.login("b@example.vn").status_code == 302
    return ids


def test_other_producers_listing_is_not_found(app, client, a_and_b):
    a, image_a, b = a_and_b["a"], a_and_b["image_a"], a_and_b["b"]
    for url in (f"/gian-hang/san-pham/{a}/sua", f"/gian-hang/san-pham/{a}/anh"):
        assert client.get(url).status_code == 404, url
    token = csrf_from(client.get("/gian-hang/").get_data(as_text=True))
    posts = {
        f"/gian-hang/san-pham/{a}/sua": product_data(app, name="Đổi tên", price_vnd="1"),
        f"/gian-hang/san-pham/{a}/anh": {"photos": [jpeg_upload()]},
        f"/gian-hang/san-pham/{a}/gui-duyet": {},
        f"/gian-hang/san-pham/{a}/luu-tru": {},
        f"/gian-hang/san-pham/{a}/khoi-phuc": {},
        f"/gian-hang/san-pham/{a}/anh/{image_a}/xoa": {},
        # A's photo id through B's own listing: still not found, and not deleted.
        f"/gian-hang/san-pham/{b}/anh/{image_a}/xoa": {},
    }
    for url, data in posts.items():
        resp = client.post(url, data={**data, "csrf_token": token}, content_type="multipart/form-data")
        assert resp.status_code == 404, url
    with app.app_context():
        product_a = db.session.get(Product, a)
        assert (product_a.name, product_a.price_vnd, product_a.status) == ("Hạt dẻ Trùng Khánh", 150_000, "draft")
        assert [i.id for i in product_a.images] == [image_a]
    # B's dashboard lists B's listings only.
    html = client.get("/gian-hang/").get_data(as_text=True)
    assert "Miến dong" in html and "Hạt dẻ Trùng Khánh" not in html


def test_unknown_listing_id_is_not_found(client, a_and_b):
    assert client.get("/gian-hang/san-pham/999999/sua").status_code == 404
    assert client.get("/gian-hang/san-pham/999999/anh").status_code == 404


def test_owner_can_delete_own_photo(app, client, auth):
    from ocop_market.catalog import images

    with app.app_context():
        owner = make_user("a@example.vn", role="producer")
        product = make_product(make_producer(owner=owner, name="HTX A"), status="draft")
        image = photos.add_photo(owner, product, png_bytes(), app.config)
        db.session.commit()
        pid, iid, name = product.id, image.id, image.stored_name
    auth.login("a@example.vn")
    resp = post_form(client, f"/gian-hang/san-pham/{pid}/anh", {}, url=f"/gian-hang/san-pham/{pid}/anh/{iid}/xoa")
    assert resp.status_code == 302
    assert count(app, ProductImage.id) == 0
    import os
    assert not os.path.exists(images.original_path(app.config["UPLOAD_DIR"], name, "png"))


def test_a_photo_removal_whose_commit_fails_keeps_row_and_files(app, client, auth):
    """Files are deleted only after the commit: when the commit fails, the photo is still whole."""
    import os

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from ocop_market.catalog import images

    with app.app_context():
        owner = make_user("a@example.vn", role="producer")
        product = make_product(make_producer(owner=owner, name="HTX A"), status="draft")
        image = photos.add_photo(owner, product, png_bytes(), app.config)
        db.session.commit()
        pid, iid, name = product.id, image.id, image.stored_name
    original = images.original_path(app.config["UPLOAD_DIR"], name, "png")
    auth.login("a@example.vn")
    page = client.get(f"/gian-hang/san-pham/{pid}/anh")
    token = csrf_from(page.get_data(as_text=True))

    def refuse_commit(session):  # the removal is flushed by then; only its commit fails
        raise RuntimeError("the database refused the commit")

    event.listen(Session, "before_commit", refuse_commit)
    try:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        resp = client.post(f"/gian-hang/san-pham/{pid}/anh/{iid}/xoa", data={"csrf_token": token})
    finally:
        event.remove(Session, "before_commit", refuse_commit)
    assert resp.status_code == 500
    assert count(app, ProductImage.id) == 1
    assert os.path.exists(original)
    resp = client.post(f"/gian-hang/san-pham/{pid}/anh/{iid}/xoa", data={"csrf_token": token})
    assert resp.status_code == 302
    assert count(app, ProductImage.id) == 0
    assert not os.path.exists(original)


def test_the_dashboard_pages_a_cooperatives_listings_newest_first_with_tabs_by_state(app, client, auth):
    """A cooperative selling for a commune has dozens of listings: 20 a page, the newest first, tabs with the count
    in each state, and a state's tab shows only those (issue 15: the page showed all of them, 76 ms for 72)."""
    with app.app_context():
        owner = make_user("hoptac@ho.vn", role="producer")
        coop = make_producer(owner=owner, name="HTX Nông sản Trùng Khánh")
        for i in range(23):
            make_product(coop, name=f"Sản phẩm số {i:02d}", status="approved")
        for i in range(2):
            make_product(coop, name=f"Chờ duyệt số {i}", status="pending")
    auth.login("hoptac@ho.vn")

    html = client.get("/gian-hang/").get_data(as_text=True)
    names = re.findall(r"<h3>(Sản phẩm số \d+|Chờ duyệt số \d)</h3>", html)
    assert len(names) == 20 and names[:3] == ["Chờ duyệt số 1", "Chờ duyệt số 0", "Sản phẩm số 22"]
    tabs = " ".join(re.sub(r"<[^>]+>", " ", re.search(r'<nav class="listing-tabs".*?</nav>', html, re.S)[0]).split())
    assert tabs == "Tất cả 25 Chờ duyệt 2 Đã duyệt 23"
    assert 'href="/gian-hang/?page=2"' in html

    html = client.get("/gian-hang/?page=2").get_data(as_text=True)
    assert re.findall(r"<h3>(Sản phẩm số \d+)</h3>", html) == [f"Sản phẩm số {i:02d}" for i in range(4, -1, -1)]

    html = client.get("/gian-hang/?status=pending").get_data(as_text=True)
    assert re.findall(r"<h3>([^<]+)</h3>", html.split('class="listing-rows"')[1]) == ["Chờ duyệt số 1", "Chờ duyệt số 0"]
    assert 'aria-current="page">Chờ duyệt' in html and "?page=2" not in html

    assert "Không có sản phẩm nào ở trang này." in client.get("/gian-hang/?page=9").get_data(as_text=True)
    for bad in ("?status=sold", "?page=0", "?page=abc"):
        resp = client.get("/gian-hang/" + bad)
        assert resp.status_code == 400, bad
        assert "không hợp lệ" in resp.get_data(as_text=True), bad
