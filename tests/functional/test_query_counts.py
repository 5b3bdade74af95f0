"""SQL statements per page (issue 15, query discipline): few, and the same at any catalogue size, signed in or not.

The response cache off (the test configuration), so every request renders. A card's producer and province come with
the product rows; the groups and provinces are per-process copies (reference_cache); the promotion settings come
inside the placements' own query; the catalogue's total is counted up to a cap inside the page's own statement; a
signed-in person's account, login session, cart badge and hub membership come in the user loader's one statement.
The shop grows from 100 products to 5,000 between the two counts, and no page may send one statement more.
(Statements that read or write; PostgreSQL's savepoints around page slots are left out, see `note`.)
"""
from __future__ import annotations

import pytest
from sqlalchemy import event, insert

from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from tests.conftest import Auth, csrf_from, make_producer, make_product, make_user

#: The issue's bound for every public page, whoever asks.
PUBLIC_LIMIT = 5
#: The signed-in areas' own pages. The producer's dashboard also shows their new orders (the orders slot) and their
#: promotion figures for 8 weeks (four statements of the promotions slot) beside their listings (three): constant in
#: the catalogue, not within five.
OWN_PAGE_LIMITS = {
    "cart": 4, "order history": 2, "producer dashboard": 11, "producer orders": 5,
    "staff desk": 4, "staff listing queue": 3, "staff producer queue": 3, "staff orders": 3,
}
OWN_PAGES = {
    "buyer": {"cart": "/gio-hang", "order history": "/don-hang"},
    "producer": {"producer dashboard": "/gian-hang/", "producer orders": "/gian-hang/don-hang/"},
    "staff": {"staff desk": "/quan-tri/", "staff listing queue": "/quan-tri/san-pham/cho-duyet",
              "staff producer queue": "/quan-tri/co-so/cho-xac-minh", "staff orders": "/quan-tri/don-hang/"},
}
LOGINS = {"buyer": "mua@example.vn", "producer": "ho@example.vn", "staff": "canbo@example.vn"}


def _urls(slug, producer_slug, product_id):
    return {
        "home": "/", "catalog list": "/san-pham", "group list": "/san-pham?group=food", "search": "/tim-kiem?q=hat+de",
        "product": f"/san-pham/{slug}", "producer": f"/co-so/{producer_slug}", "api search": "/api/v1/products?q=hat",
        "api product": f"/api/v1/products/{product_id}",
    }


def _count(app, client, urls) -> dict[str, int]:
    counts = {}
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        # On PostgreSQL each page slot runs inside a SAVEPOINT (slots.py: a failing extra must not abort the page's
        # transaction), two statements that read nothing; counted apart, they are the same on every page size.
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        for name, url in urls.items():
            client.get(url)  # the first request of a page may fill per-process copies
            seen.clear()
            assert client.get(url).status_code == 200, url
            counts[name] = len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return counts


def _grow(app, template_id: int, n: int, batch: str = "a") -> None:
    """n more public products like the template (bulk insert, then the index rebuilt as `search reindex` does)."""
    with app.app_context():
        template = db.session.get(Product, template_id)
        columns = {c.key: getattr(template, c.key) for c in Product.__table__.columns if c.key != "id"}
        db.session.execute(insert(Product), [
            {**columns, "slug": f"{template.slug}-{batch}{i}", "name": f"{template.name} {batch}{i}"} for i in range(n)])
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0


def _shop(app):
    with app.app_context():
        owner = make_user(LOGINS["producer"], role="producer")
        make_user(LOGINS["buyer"])
        make_user(LOGINS["staff"], role="staff")
        producers = [make_producer(owner if i == 0 else None, name=f"Hộ sản xuất số {i}", commune=f"Xã số {i}")
                     for i in range(3)]
        products = [make_product(producers[i % 3], name=f"Hạt dẻ loại {i}") for i in range(12)]
        return _urls(products[0].slug, producers[0].slug, products[0].id), products[0].id, products[1].id


def _clients(app, product_url: str, product_id: int) -> dict:
    """A client per kind of visitor, signed in through the real form; the buyer has a line in the cart."""
    clients = {"anonymous": app.test_client()}
    for role, login in LOGINS.items():
        client = app.test_client()
        assert Auth(client).login(login).status_code == 302, login
        clients[role] = client
    page = clients["buyer"].get(product_url).get_data(as_text=True)
    added = clients["buyer"].post(f"/gio-hang/them/{product_id}", data={"csrf_token": csrf_from(page), "quantity": "1"})
    assert added.status_code == 302
    return clients


@pytest.mark.parametrize("app_config", [{"SEARCH_APPLY": "inline"}], indirect=True)
def test_each_page_sends_few_statements_whoever_asks_whatever_the_catalogue_size(app):
    urls, product_id, template_id = _shop(app)
    _grow(app, template_id, 100 - 12)
    clients = _clients(app, urls["product"], product_id)

    def count_all() -> dict[tuple[str, str], int]:
        counts = {}
        for who, client in clients.items():
            pages = {**urls, **OWN_PAGES.get(who, {})}
            counts.update({(who, name): n for name, n in _count(app, client, pages).items()})
        return counts

    small = count_all()
    _grow(app, template_id, 5_000 - 100, batch="b")
    large = count_all()
    assert large == small, {key: (small[key], large[key]) for key in small if small[key] != large[key]}
    too_many = {key: n for key, n in large.items() if n > OWN_PAGE_LIMITS.get(key[1], PUBLIC_LIMIT)}
    assert too_many == {}
    # Signed in costs one statement more than anonymous on a public page (the loader's), never three.
    for who in LOGINS:
        assert {name: large[(who, name)] - large[("anonymous", name)] for name in urls
                if name not in ("api search", "api product")} == {name: 1 for name in urls
                                                                  if name not in ("api search", "api product")}


@pytest.mark.parametrize("app_config", [{"SEARCH_APPLY": "inline"}], indirect=True)
def test_the_catalogue_total_is_counted_up_to_a_cap_and_the_pager_still_reaches_every_page(app):
    urls, _product_id, template_id = _shop(app)
    client = app.test_client()
    assert "12 sản phẩm" in client.get("/san-pham").get_data(as_text=True)
    _grow(app, template_id, 1_200)  # 1,212 listings: past the cap of 1,000
    page = client.get("/san-pham").get_data(as_text=True)
    assert "Hơn 1.000 sản phẩm" in page and "1212" not in page and "1.212" not in page
    assert "More than 1,000 products" in client.get("/san-pham?lang=en").get_data(as_text=True)
    # Deep in the list the pager still links two pages on and the next page (24 a page: page 48 ends at 1,152).
    deep = client.get("/san-pham?page=48").get_data(as_text=True)
    assert 'href="/san-pham?page=50"' in deep and 'rel="next"' in deep
    last = client.get("/san-pham?page=51").get_data(as_text=True)  # 1,201-1,212: the last page, exact again
    assert "1212 sản phẩm" in last and 'rel="next"' not in last
    assert client.get("/san-pham?page=52").status_code == 404
