"""`flask seed demo` and `flask seed logins`: the shop a newcomer sees after `make run`."""
from __future__ import annotations

import os

from sqlalchemy import func, select

from ocop_market.accounts import services as accounts
from ocop_market.audit import AuditEntry
from ocop_market.catalog import images, services
from ocop_market.catalog.models import Producer, Product
from ocop_market.demo import DEMO_USERS
from ocop_market.extensions import db
from ocop_market.places import Province
from tests.conftest import csrf_from


def counts(app) -> dict[str, int]:
    """Rows in every table: a second run must not add, say, an audit or outbox row either."""
    with app.app_context():
        rows = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        # ...and must not touch the rows that exist.
        rows["producers_changed"] = db.session.execute(select(Producer.id, Producer.updated_at, Producer.status)).all()
        rows["products_changed"] = db.session.execute(select(Product.id, Product.updated_at, Product.status)).all()
        return rows


def test_seed_demo_builds_a_rich_shop_and_is_idempotent(app, runner, client):
    app.config["DEMO_PHOTO_SIZE"] = 160  # encoding full-size placeholders would only slow the test down
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    first = counts(app)

    with app.app_context():
        public = db.session.scalars(services.public_products()).all()
        assert len(public) >= 30
        assert all(p.images for p in public)
        for image in (p.cover for p in public[:5]):
            upload_dir = app.config["UPLOAD_DIR"]
            assert os.path.exists(images.original_path(upload_dir, image.stored_name, image.original_format))
            assert os.path.exists(images.thumb_path(upload_dir, image.stored_name, 320))
        assert any(len(p.images) == 2 for p in public)

        verified = db.session.scalars(select(Producer).where(Producer.status == "verified")).all()
        assert len(verified) >= 12
        provinces = {p.province.name for p in verified}
        assert "Cao Bằng" in provinces and len(provinces) >= 3
        assert {p.household_category for p in verified} == {"poor", "near_poor", "escaped", "none"}
        assert any(p.ethnic_minority for p in verified)
        assert all(p.story for p in verified)
        assert {p.group.code for p in public} == {"food", "drinks", "herbal", "handicraft", "ornamental", "tourism"}
        names = " | ".join(p.name for p in public)
        for word in ("Đường phèn", "Cà phê", "Hạt điều", "Cá ", "Hạt dẻ Trùng Khánh", "Miến dong", "Dao Phúc Sen"):
            assert word in names, word
        stars = {p.ocop_stars for p in public}
        assert {3, 4, 5} <= stars
        expired = [p for p in public if p.certificate and not p.certificate.is_valid()]
        assert expired and expired[0].ocop_stars is None
        assert any(not p.certificates for p in public)

        # The staff queues are not empty.
        assert db.session.scalar(select(func.count()).select_from(Product).where(Product.status == "pending")) >= 2
        assert db.session.scalar(select(func.count()).select_from(Producer).where(Producer.status == "pending")) >= 1

        for demo_user in DEMO_USERS:
            user = accounts.authenticate(demo_user.email, demo_user.password)
            assert user is not None and user.role == demo_user.role
        db.session.rollback()
        staff = accounts.find_by_login("canbo@ocop.local")
        assert db.session.get(Province, staff.province_id).name == "Cao Bằng"
        owner = accounts.find_by_login("nhasanxuat@ocop.local")
        own = services.producer_of(owner)
        assert own is not None and own.is_verified and own.products
        assert db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "catalog.import")) == 1

    with app.app_context():
        chestnut = db.session.scalar(services.public_products().where(Product.name == "Hạt dẻ Trùng Khánh"))
        slug, stored_name = chestnut.slug, chestnut.cover.stored_name
    page = client.get(f"/san-pham/{slug}")
    assert page.status_code == 200
    assert stored_name in page.get_data(as_text=True)
    # The demo's programme shipping subsidy is live: the cart takes it off the household's shipping fee.
    with app.app_context():
        chestnut_id = chestnut.id
    token = csrf_from(page.get_data(as_text=True))
    assert client.post(f"/gio-hang/them/{chestnut_id}", data={"quantity": "1", "csrf_token": token}).status_code == 302
    assert ("Hỗ trợ phí giao của chương trình “Đưa nông sản Trùng Khánh về xuôi”: −15.000\u00a0₫"
            in client.get("/gio-hang").get_data(as_text=True))
    # The demo's fee table by zone and weight is in use, and its listings weigh what their units say.
    from ocop_market.orders import fees

    with app.app_context():
        assert fees.current_input() is not None
        assert len(set(db.session.scalars(select(Product.weight_grams)))) >= 3
    assert "Phí giao dự kiến" in page.get_data(as_text=True) and "Liên miền" in page.get_data(as_text=True)

    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0, again.output
    assert "không có gì thay đổi" in again.output
    assert counts(app) == first


def test_seed_logins_prints_every_demo_login(runner):
    result = runner.invoke(args=["seed", "logins"])
    assert result.exit_code == 0
    for demo_user in DEMO_USERS:
        assert demo_user.email in result.output and demo_user.password in result.output
    assert "admin@ocop.local" in result.output and "ocop-admin-2026" in result.output
