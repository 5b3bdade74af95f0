"""Staff area: queues, verification, review, certificates, audit log, records entered on a household's behalf."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import g
from sqlalchemy import select

from ocop_market.audit import AuditEntry
from ocop_market.catalog import producers
from ocop_market.catalog.models import Producer, Product
from ocop_market.extensions import db
from ocop_market.timeutil import add_months, local_today
from tests.conftest import csrf_from, make_producer, make_product, make_user


@pytest.fixture
def staff(ctx):
    return make_user("canbo@example.vn", role="staff", name="Cán bộ Nông Văn Minh")


@pytest.fixture
def staff_client(client, auth, staff):
    assert auth.login("canbo@example.vn").status_code == 302
    return client


def audit_rows(action: str, entity_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.entity_id == entity_id)
    ))


def fresh_token(client, page_url: str) -> str:
    # The `ctx` fixture keeps one app context, hence one `g`, across requests; Flask-WTF caches the
    # signed token in `g`, which would outlive the session cleared at login.
    g.pop("csrf_token", None)
    return csrf_from(client.get(page_url).get_data(as_text=True))


def post_with_token(client, page_url: str, url: str, data: dict | None = None, **kw):
    token = fresh_token(client, page_url)
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kw)


def stat(html: str, name: str) -> int:
    m = re.search(rf'id="stat-{name}">(\d+)<', html)
    assert m, f"no {name} counter"
    return int(m.group(1))


# ---------------------------------------------------------------- home
def test_staff_home_counts_the_queues_and_expiring_certificates(staff_client, ctx):
    owner = make_user("hoa@example.vn", role="producer")
    pending = make_producer(owner=owner, name="Hộ Lục Thị Hoa", verified=False)
    make_producer(name="HTX Miến dong Phja Đén", verified=True)
    make_product(pending, name="Miến dong", status="pending")
    verified = make_producer(name="HTX Hạt dẻ", verified=True, commune="Xã Đình Phong")
    # Expires in about 30 days, in about 200 days, and already expired.
    make_product(verified, name="Hạt dẻ rang", status="approved",
                 decision_date=add_months(local_today() + dt.timedelta(days=30), -36))
    make_product(verified, name="Hạt dẻ sống", status="approved",
                 decision_date=add_months(local_today() + dt.timedelta(days=200), -36))
    make_product(verified, name="Hạt dẻ luộc", status="approved",
                 decision_date=add_months(local_today() - dt.timedelta(days=5), -36))

    html = staff_client.get("/quan-tri/").get_data(as_text=True)
    assert stat(html, "pending-producers") == 1
    assert stat(html, "pending-products") == 1
    assert stat(html, "expiring") == 1
    assert "/quan-tri/co-so/cho-xac-minh" in html
    assert "/quan-tri/san-pham/cho-duyet" in html

    page = staff_client.get("/quan-tri/chung-nhan/sap-het-han").get_data(as_text=True)
    soon, _, expired = page.partition("Đã hết hạn")
    assert "Hạt dẻ rang" in soon and "Hạt dẻ sống" not in soon
    assert "Hạt dẻ luộc" in expired


def test_buyer_cannot_open_the_staff_home(client, auth, ctx):
    make_user("mua@example.vn")
    auth.login("mua@example.vn")
    assert client.get("/quan-tri/").status_code == 403


# ---------------------------------------------------------------- producers
def test_producer_queue_shows_who_entered_the_record(staff_client, staff, ctx):
    owner = make_user("hoa@example.vn", role="producer", name="Lục Thị Hoa")
    make_producer(owner=owner, name="Hộ Lục Thị Hoa", verified=False)
    make_producer(name="Hộ Nông Văn Páo", verified=False, actor=staff, commune="Xã Quang Hán")
    make_producer(name="HTX Đã xác minh", verified=True)

    html = staff_client.get("/quan-tri/co-so/cho-xac-minh").get_data(as_text=True)
    assert "Hộ Lục Thị Hoa" in html and "Hộ Nông Văn Páo" in html
    assert "HTX Đã xác minh" not in html
    assert "Nhập bởi Lục Thị Hoa" in html
    assert "Nhập bởi Cán bộ Nông Văn Minh" in html
    assert html.count("Nhập hộ") == 1


def test_producer_list_filters_by_status(staff_client, ctx):
    make_producer(name="Hộ chờ", verified=False)
    make_producer(name="HTX xác minh", verified=True, commune="Xã khác")
    html = staff_client.get("/quan-tri/co-so?status=verified").get_data(as_text=True)
    assert "HTX xác minh" in html and "Hộ chờ" not in html
    html = staff_client.get("/quan-tri/co-so").get_data(as_text=True)
    assert "HTX xác minh" in html and "Hộ chờ" in html
    assert staff_client.get("/quan-tri/co-so?status=nonsense").status_code == 400
    assert staff_client.get("/quan-tri/co-so?page=abc").status_code == 400


def test_producer_detail_shows_every_field(staff_client, ctx):
    owner = make_user("hoa@example.vn", role="producer")
    producer = make_producer(owner=owner, name="Hộ Lục Thị Hoa", verified=False, category="near_poor")
    html = staff_client.get(f"/quan-tri/co-so/{producer.id}").get_data(as_text=True)
    for text in ("Hộ Lục Thị Hoa", "Hộ sản xuất kinh doanh", "Cao Bằng", "Xã Trùng Khánh", "Hộ cận nghèo",
                 "Gia đình trồng hạt dẻ ba đời.", "hoa@example.vn", "Chờ xác minh"):
        assert text in html


def test_verify_producer_writes_audit_row(staff_client, staff, ctx):
    producer = make_producer(name="Hộ Lục Thị Hoa", verified=False)
    url = f"/quan-tri/co-so/{producer.id}"
    resp = post_with_token(staff_client, url, f"{url}/xac-minh", follow_redirects=True)
    assert resp.status_code == 200
    assert "Đã xác minh cơ sở" in resp.get_data(as_text=True)
    db.session.expire_all()
    producer = db.session.get(Producer, producer.id)
    assert producer.status == "verified"
    assert producer.verified_by_id == staff.id
    rows = audit_rows("producer.verify", producer.id)
    assert [r.actor_id for r in rows] == [staff.id]


def test_reject_producer_needs_a_reason(staff_client, staff, ctx):
    producer = make_producer(name="Hộ Lục Thị Hoa", verified=False)
    url = f"/quan-tri/co-so/{producer.id}"
    for reason in ("", "   "):
        resp = post_with_token(staff_client, url, f"{url}/tu-choi", {"reason": reason})
        assert resp.status_code == 400
        assert "Vui lòng nêu lý do từ chối" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Producer, producer.id).status == "pending"
    assert audit_rows("producer.reject", producer.id) == []

    # A reason given leads to the confirm page first, which shows it; nothing is refused yet.
    resp = post_with_token(staff_client, url, f"{url}/tu-choi", {"reason": "Thiếu giấy xác nhận hộ nghèo"})
    assert resp.status_code == 200 and "Từ chối hồ sơ “Hộ Lục Thị Hoa”?" in resp.get_data(as_text=True)
    assert "Thiếu giấy xác nhận hộ nghèo</textarea>" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Producer, producer.id).status == "pending"
    resp = post_with_token(staff_client, url, f"{url}/tu-choi", {"reason": "Thiếu giấy xác nhận hộ nghèo",
                                                                  "confirmed": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    producer = db.session.get(Producer, producer.id)
    assert producer.status == "rejected"
    assert producer.rejection_reason == "Thiếu giấy xác nhận hộ nghèo"
    [row] = audit_rows("producer.reject", producer.id)
    assert row.actor_id == staff.id and row.detail_dict["reason"] == "Thiếu giấy xác nhận hộ nghèo"
    assert "Thiếu giấy xác nhận hộ nghèo" in staff_client.get(url).get_data(as_text=True)


def test_unknown_ids_are_404(staff_client, ctx):
    producer = make_producer(name="Hộ bất kỳ", verified=False)
    huge = "9" * 25  # would overflow the database driver if it reached it
    for url in ("/quan-tri/co-so/99999", "/quan-tri/san-pham/99999", f"/quan-tri/co-so/{huge}",
                f"/quan-tri/san-pham/{huge}", f"/quan-tri/san-pham/{huge}/anh", f"/quan-tri/co-so/{huge}/sua"):
        assert staff_client.get(url).status_code == 404, url
    for url in ("/quan-tri/co-so/99999/xac-minh", "/quan-tri/co-so/99999/tu-choi",
                "/quan-tri/san-pham/99999/duyet", "/quan-tri/san-pham/99999/tu-choi"):
        resp = post_with_token(staff_client, f"/quan-tri/co-so/{producer.id}", url, {"reason": "x"})
        assert resp.status_code == 404, url


# ---------------------------------------------------------------- listings
def test_product_queue_shows_photo_certificate_and_producer(staff_client, app, staff, ctx):
    from ocop_market.catalog import photos
    from tests.conftest import png_bytes

    producer = make_producer(name="HTX Hạt dẻ Trùng Khánh", verified=True)
    product = make_product(producer, name="Hạt dẻ rang", status="pending")
    photos.add_photo(staff, product, png_bytes(), app.config)
    make_product(producer, name="Hạt dẻ đã duyệt", status="approved")
    db.session.commit()

    html = staff_client.get("/quan-tri/san-pham/cho-duyet").get_data(as_text=True)
    assert "Hạt dẻ rang" in html and "Hạt dẻ đã duyệt" not in html
    assert f"/anh/320/{product.images[0].stored_name}" in html
    assert "HTX Hạt dẻ Trùng Khánh" in html
    assert "123/QĐ-UBND" in html and "Còn hiệu lực" in html
    assert product.certificate.expires_on.strftime("%d/%m/%Y") in html


def test_approve_product_makes_it_public_and_writes_audit(staff_client, client, staff, ctx):
    producer = make_producer(name="HTX Hạt dẻ", verified=True)
    product = make_product(producer, name="Hạt dẻ rang", status="pending")
    assert client.get(f"/san-pham/{product.slug}").status_code == 404

    url = f"/quan-tri/san-pham/{product.id}"
    resp = post_with_token(staff_client, url, f"{url}/duyet")
    assert resp.status_code == 302
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.status == "approved" and product.reviewed_by_id == staff.id
    assert [r.actor_id for r in audit_rows("product.approve", product.id)] == [staff.id]
    assert client.get(f"/san-pham/{product.slug}").status_code == 200


def test_approving_an_archived_listing_is_a_conflict(staff_client, ctx):
    product = make_product(make_producer(), name="Hạt dẻ cũ", status="archived")
    url = f"/quan-tri/san-pham/{product.id}"
    resp = post_with_token(staff_client, url, f"{url}/duyet")
    assert resp.status_code == 409
    assert "Không thể chuyển sản phẩm" in resp.get_data(as_text=True)
    resp = post_with_token(staff_client, url, f"{url}/tu-choi", {"reason": "Ảnh mờ", "confirmed": "1"})
    assert resp.status_code == 409
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "archived"
    assert audit_rows("product.approve", product.id) == []


def test_reject_product_needs_a_reason(staff_client, staff, ctx):
    product = make_product(make_producer(), name="Miến dong", status="pending")
    url = f"/quan-tri/san-pham/{product.id}"
    resp = post_with_token(staff_client, url, f"{url}/tu-choi", {"reason": ""})
    assert resp.status_code == 400
    assert "Vui lòng nêu lý do từ chối" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "pending"

    resp = post_with_token(staff_client, url, f"{url}/tu-choi", {"reason": "Ảnh chưa rõ nhãn", "confirmed": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.status == "rejected" and product.rejection_reason == "Ảnh chưa rõ nhãn"
    [row] = audit_rows("product.reject", product.id)
    assert row.actor_id == staff.id and row.detail_dict["reason"] == "Ảnh chưa rõ nhãn"


def test_product_list_filters_by_status(staff_client, ctx):
    producer = make_producer()
    make_product(producer, name="Bản nháp A", status="draft")
    make_product(producer, name="Đã duyệt B", status="approved")
    html = staff_client.get("/quan-tri/san-pham?status=draft").get_data(as_text=True)
    assert "Bản nháp A" in html and "Đã duyệt B" not in html
    assert staff_client.get("/quan-tri/san-pham?status=x").status_code == 400


# ---------------------------------------------------------------- audit log
def test_audit_log_filters_by_action_and_actor(staff_client, staff, ctx):
    other = make_user("canbo2@example.vn", role="staff", name="Cán bộ Hoàng Thị Lan")
    a = make_producer(name="Hộ A", verified=False)
    b = make_producer(name="Hộ B", verified=False, commune="Xã B")
    url = f"/quan-tri/co-so/{a.id}"
    post_with_token(staff_client, url, f"{url}/xac-minh")

    producers.reject_producer(other, db.session.get(Producer, b.id), "Sai xã")
    db.session.commit()

    html = staff_client.get("/quan-tri/nhat-ky").get_data(as_text=True)
    verified, refused = "<td>Xác minh cơ sở</td>", "<td>Từ chối xác minh cơ sở</td>"  # words, not codes (issue 14)
    assert verified in html and refused in html and "Lý do: Sai xã" in html
    assert "Cán bộ Hoàng Thị Lan" in html
    assert '<option value="producer.verify">Xác minh cơ sở</option>' in html

    html = staff_client.get("/quan-tri/nhat-ky?action=producer.verify").get_data(as_text=True)
    body = html.split("<tbody>", 1)[1]
    assert verified in body and refused not in body

    html = staff_client.get(f"/quan-tri/nhat-ky?actor={other.id}").get_data(as_text=True)
    body = html.split("<tbody>", 1)[1]
    assert refused in body and "Sai xã" in body and verified not in body

    assert staff_client.get("/quan-tri/nhat-ky?actor=abc").status_code == 400
    assert staff_client.get("/quan-tri/nhat-ky?actor=" + "9" * 25).status_code == 400
    assert staff_client.get("/quan-tri/nhat-ky?page=0").status_code == 400


# ---------------------------------------------------------------- on a household's behalf
def province_id(code="CB") -> int:
    from ocop_market.places import Province

    return db.session.scalar(select(Province.id).where(Province.code == code))


def producer_form(**over) -> dict:
    data = {
        "kind": "household", "name": "Hộ bà Hoàng Thị Mai", "representative": "Hoàng Thị Mai",
        "phone": "", "province_id": str(province_id()), "commune": "Xã Phan Thanh", "village": "Bản Nà Mằn",
        "legacy_district": "Nguyên Bình", "household_category": "poor", "category_assessed_on": "2025-01-10",
        "ethnic_minority": "y", "story": "Gia đình làm miến dong từ năm 1990.",
    }
    data.update(over)
    return data


def product_form(**over) -> dict:
    from ocop_market.catalog import services

    data = {
        "name": "Miến dong Phja Đén", "group_id": str(services.group_by_code("food").id),
        "description": "Miến dong làm thủ công.\nPhơi nắng tự nhiên.", "unit": "gói 500g",
        "price_vnd": "85.000", "stock": "40",
        "certificate-stars": "3", "certificate-decision_no": "456/QĐ-UBND",
        "certificate-decision_date": (local_today() - dt.timedelta(days=60)).isoformat(),
        "certificate-issuing_authority": "UBND tỉnh Cao Bằng", "certificate-level": "province",
        "certificate-score": "62",
    }
    data.update(over)
    return data


def test_staff_enters_a_household_record_and_it_becomes_public(staff_client, client, staff, ctx):
    import io

    from tests.conftest import png_bytes

    resp = post_with_token(staff_client, "/quan-tri/co-so/moi", "/quan-tri/co-so/moi", producer_form())
    assert resp.status_code == 302, resp.get_data(as_text=True)
    producer = db.session.scalar(select(Producer).where(Producer.name == "Hộ bà Hoàng Thị Mai"))
    assert producer.owner_id is None and producer.created_by_id == staff.id
    assert producer.status == "pending" and producer.household_category == "poor"
    assert producer.entered_on_behalf
    [created] = audit_rows("producer.create", producer.id)
    assert created.actor_id == staff.id and created.detail_dict["on_behalf"] is True

    page = f"/quan-tri/co-so/{producer.id}"
    html = staff_client.get(page).get_data(as_text=True)
    assert "Nhập bởi Cán bộ Nông Văn Minh" in html and "Nhập hộ" in html
    assert "Chưa có — cán bộ quản lý thay" in html

    resp = post_with_token(staff_client, f"{page}/san-pham/moi", f"{page}/san-pham/moi", product_form())
    assert resp.status_code == 302, resp.get_data(as_text=True)
    product = db.session.scalar(select(Product).where(Product.producer_id == producer.id))
    assert product.price_vnd == 85_000 and product.stock == 40 and product.status == "draft"
    assert product.created_by_id == staff.id
    assert product.certificate.decision_no == "456/QĐ-UBND" and product.certificate.stars == 3
    assert audit_rows("certificate.set", product.id)[0].actor_id == staff.id

    purl = f"/quan-tri/san-pham/{product.id}"
    token = fresh_token(staff_client, f"{purl}/anh")
    resp = staff_client.post(f"{purl}/anh", data={
        "csrf_token": token, "photos": [(io.BytesIO(png_bytes()), "mien.png")], "alt_text": "Bó miến dong",
    }, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert audit_rows("product.photo_add", product.id)[0].actor_id == staff.id

    # The product page says who typed it in.
    assert "Nhập bởi Cán bộ Nông Văn Minh" in staff_client.get(purl).get_data(as_text=True)

    # Staff put the listing in the queue, approve it and verify the household: it is public.
    assert post_with_token(staff_client, purl, f"{purl}/gui-duyet").status_code == 302
    assert post_with_token(staff_client, purl, f"{purl}/duyet").status_code == 302
    db.session.expire_all()
    assert client.get(f"/san-pham/{product.slug}").status_code == 404  # producer not verified yet
    assert post_with_token(staff_client, page, f"{page}/xac-minh").status_code == 302

    public = client.get(f"/san-pham/{product.slug}")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "Miến dong Phja Đén" in html and "85.000\u00a0₫" in html and "456/QĐ-UBND" in html
    assert "/anh/960/" in html
    for action in ("product.submit", "product.approve"):
        assert [r.actor_id for r in audit_rows(action, product.id)] == [staff.id]
    assert [r.actor_id for r in audit_rows("producer.verify", producer.id)] == [staff.id]


def test_producer_form_errors_rerender_not_500(staff_client, ctx):
    resp = post_with_token(staff_client, "/quan-tri/co-so/moi", "/quan-tri/co-so/moi", producer_form(name=""))
    assert resp.status_code == 400
    assert "Vui lòng nhập tên cơ sở." in resp.get_data(as_text=True)

    assert post_with_token(staff_client, "/quan-tri/co-so/moi", "/quan-tri/co-so/moi",
                           producer_form()).status_code == 302
    # The same name in the same commune is refused with a message, not an IntegrityError.
    resp = post_with_token(staff_client, "/quan-tri/co-so/moi", "/quan-tri/co-so/moi", producer_form())
    assert resp.status_code == 409
    assert "Đã có cơ sở cùng tên" in resp.get_data(as_text=True)
    assert len(db.session.scalars(select(Producer)).all()) == 1


def test_staff_edit_producer_records_who_changed_it(staff_client, staff, ctx):
    owner = make_user("hoa@example.vn", role="producer")
    producer = make_producer(owner=owner, name="Hộ Lục Thị Hoa", verified=False)
    url = f"/quan-tri/co-so/{producer.id}/sua"
    resp = post_with_token(staff_client, url, url, producer_form(name="Hộ Lục Thị Hoa", commune="Xã Trùng Khánh",
                                                                 story="Đã sửa câu chuyện."))
    assert resp.status_code == 302
    db.session.expire_all()
    producer = db.session.get(Producer, producer.id)
    assert producer.story == "Đã sửa câu chuyện." and producer.updated_by_id == staff.id
    assert producer.owner_id == owner.id  # an edit never moves ownership
    assert audit_rows("producer.update", producer.id)[0].actor_id == staff.id


def test_product_form_errors_rerender_not_500(staff_client, ctx):
    producer = make_producer()
    make_product(producer, name="Miến dong Phja Đén", status="draft")
    url = f"/quan-tri/co-so/{producer.id}/san-pham/moi"
    resp = post_with_token(staff_client, url, url, product_form(name="Miến khác", price_vnd="-5"))
    assert resp.status_code == 400
    assert "Vui lòng chỉ ghi chữ số" in resp.get_data(as_text=True)
    resp = post_with_token(staff_client, url, url, product_form(**{"certificate-stars": "2"}))
    assert resp.status_code == 400
    # A second listing with the same name for this producer is a conflict shown on the form.
    resp = post_with_token(staff_client, url, url, product_form())
    assert resp.status_code == 409
    assert "Cơ sở đã có sản phẩm cùng tên." in resp.get_data(as_text=True)
    assert len(db.session.scalars(select(Product)).all()) == 1
    assert post_with_token(staff_client, url, "/quan-tri/co-so/99999/san-pham/moi", product_form()).status_code == 404


def test_non_image_upload_is_refused_with_a_message(staff_client, ctx):
    import io

    product = make_product(make_producer(), status="draft")
    url = f"/quan-tri/san-pham/{product.id}/anh"
    token = fresh_token(staff_client, url)
    resp = staff_client.post(url, data={"csrf_token": token, "photos": [(io.BytesIO(b"<svg></svg>"), "x.svg")]},
                             content_type="multipart/form-data")
    assert resp.status_code == 400
    db.session.expire_all()
    assert db.session.get(Product, product.id).images == []
    assert audit_rows("product.photo_add", product.id) == []
