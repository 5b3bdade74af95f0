"""Issue 14: "Đã bán" — units delivered to buyers — on cards, the product page and search results, and a
"Bán chạy" (best-selling) order for the product list."""
from __future__ import annotations

import re

from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.orders import services
from tests.conftest import make_user
from tests.functional.test_orders import _place, shop  # noqa: F401  (the fixture)


def deliver(order, producer_id, staff):
    po = next(p for p in order.producer_orders if p.producer_id == producer_id)
    for to in ("confirmed", "shipped", "delivered"):
        services.move(po, to, staff, "staff")
    db.session.commit()
    return po


def test_delivered_units_count_as_sold_and_lead_the_best_selling_list(client, auth, shop):  # noqa: F811
    staff = make_user("canbo@tinh.vn", role="staff")
    order = _place(client, auth, shop)  # 2 chestnut bags (Hộ bà Hoa), 1 noodle pack (HTX Nguyên Bình)
    assert db.session.get(Product, shop["chestnut"].id).sold_count == 0
    page = client.get(f"/san-pham/{shop['chestnut'].slug}").get_data(as_text=True)
    assert "Đã bán" not in page  # placed is not sold
    deliver(order, shop["pa"].id, staff)
    db.session.expire_all()
    assert db.session.get(Product, shop["chestnut"].id).sold_count == 2
    assert db.session.get(Product, shop["noodles"].id).sold_count == 0
    page = client.get(f"/san-pham/{shop['chestnut'].slug}").get_data(as_text=True)
    assert '<span class="sold-count">Đã bán 2</span>' in page
    # Completing (the buyer confirms receipt) does not count the same units again.
    po = next(p for p in order.producer_orders if p.producer_id == shop["pa"].id)
    services.move(po, "completed", staff, "staff")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Product, shop["chestnut"].id).sold_count == 2
    # Cards on the list and in search results.
    listing = client.get("/san-pham").get_data(as_text=True)
    assert '<p class="sold-count">Đã bán 2</p>' in listing
    found = client.get("/tim-kiem?q=hat+de").get_data(as_text=True)
    assert '<p class="sold-count">Đã bán 2</p>' in found
    # "Bán chạy": the most sold first, whatever was listed later.
    best = client.get("/san-pham?sort=best_selling").get_data(as_text=True)
    assert '<option value="best_selling" selected>Bán chạy</option>' in best
    slugs = re.findall(r'<h3><a href="/san-pham/([^"]+)"', best)
    assert slugs[0] == shop["chestnut"].slug and shop["noodles"].slug in slugs
    newest = re.findall(r'<h3><a href="/san-pham/([^"]+)"', client.get("/san-pham").get_data(as_text=True))
    assert newest[0] == shop["noodles"].slug  # the list's default order is unchanged


def test_sold_counts_read_as_vietnamese_numbers(client, auth, shop, app):  # noqa: F811
    db.session.get(Product, shop["chestnut"].id).sold_count = 1234
    db.session.commit()
    assert "Đã bán 1.234" in client.get(f"/san-pham/{shop['chestnut'].slug}").get_data(as_text=True)
