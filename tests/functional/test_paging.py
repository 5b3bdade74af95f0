"""Paginated lists read `?page=` one way (ocop_market/paging.py): plain digits from 1 to 10,000, else a 400 with
its message — "²" passed isdigit() and made int() fail (a 500 on the product list and the staff lists before)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ocop_market.extensions import db
from ocop_market.orders import staff_views
from ocop_market.orders.models import Order
from tests.conftest import make_producer, make_product, make_user
from tests.functional.test_orders import add, checkout

LISTS = ["/san-pham", "/quan-tri/co-so", "/quan-tri/san-pham", "/quan-tri/nhat-ky", "/quan-tri/don-hang/"]


@pytest.fixture
def staff_client(ctx, client, auth):
    make_user("canbo@example.vn", role="staff")
    make_product(make_producer())
    db.session.commit()
    assert auth.login("canbo@example.vn").status_code == 302
    return client


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("page", ["%C2%B2", "abc", "0", "-1", "10001", "1.5", "99999999999999999999"])
def test_a_bad_page_number_is_a_400_with_its_message(staff_client, url, page):
    resp = staff_client.get(f"{url}?page={page}")
    assert resp.status_code == 400
    assert "Số trang không hợp lệ." in resp.get_data(as_text=True)


@pytest.mark.parametrize("url", LISTS)
def test_the_first_page_of_every_list(staff_client, url):
    assert staff_client.get(url).status_code == 200
    assert staff_client.get(f"{url}?page=1").status_code == 200


def test_staff_order_list_pages_keep_their_filters(ctx, client, auth, monkeypatch):
    """The staff order list pages with db.paginate and the shared pagination links (it counted by hand before)."""
    make_user("canbo@example.vn", role="staff")
    make_user("mua@khach.vn")
    product = make_product(make_producer(), stock=20)
    db.session.commit()
    auth.login("mua@khach.vn")
    for _ in range(3):
        add(client, product, "1")
        assert checkout(client).status_code == 302
    auth.logout()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 3
    monkeypatch.setattr(staff_views, "PER_PAGE", 2)
    auth.login("canbo@example.vn")

    first = client.get("/quan-tri/don-hang/?method=cod").get_data(as_text=True)
    codes = set(db.session.scalars(select(Order.code)))
    shown = {c for c in codes if f">{c}</a>" in first}
    assert len(shown) == 2
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "page=2" in next_link and "method=cod" in next_link
    second = client.get(next_link).get_data(as_text=True)
    assert {c for c in codes if f">{c}</a>" in second} == codes - shown
    assert 'rel="next"' not in second
