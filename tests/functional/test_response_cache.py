"""The response cache for anonymous visitors (ocop_market/response_cache.py, issue 15).

Two clients per cached route: nothing personal (a user's name, a cart, a flash, a CSRF token) reaches another
visitor; signed-in users are never served from the cache; a hit runs no SQL and renders no template; a change of
each kind shows on the next request after its commit; ETag revalidation; promotion impressions counted on hits.
"""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
import uuid

import pytest
from flask import template_rendered
from sqlalchemy import event, func, select, text

from ocop_market import create_app
from ocop_market.catalog import listings
from ocop_market.catalog.models import Producer, Product, ProductGroup, ProductImage
from ocop_market.extensions import db
from ocop_market.promotions import allocation as weekly
from ocop_market.promotions import placements
from ocop_market.promotions.models import DailyCounter, PromotionRequest, RequestedWeek
from ocop_market.response_cache import cached_for_visitors, placeholder
from tests.conftest import Auth, csrf_from, make_producer, make_product, make_user

BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126 Mobile Safari/537.36"}
SAME_ORIGIN = {**BROWSER, "Origin": "http://localhost"}
BUYER_NAME = "Nguyễn Thị Riêng Tư"
CART_BADGE = 'class="cart-link">Giỏ hàng <span class="badge">1</span>'


@pytest.fixture
def app_config():
    return {"RESPONSE_CACHE": True}


@pytest.fixture
def shop(app):
    with app.app_context():
        producer = make_producer()
        nuts = make_product(producer)
        noodles = make_product(producer, name="Miến dong Nguyên Bình", price=60_000)
        make_user("rieng@example.vn", name=BUYER_NAME)
        return {"slug": nuts.slug, "id": nuts.id, "producer": producer.slug, "producer_id": producer.id,
                "other_slug": noodles.slug, "other_id": noodles.id}


ROUTES = {
    "home": lambda s: "/",
    "catalog list": lambda s: "/san-pham",
    "group list": lambda s: "/san-pham?group=food",
    "search": lambda s: "/tim-kiem?q=hat+de",
    "product": lambda s: f"/san-pham/{s['slug']}",
    "producer": lambda s: f"/co-so/{s['producer']}",
    "api search": lambda s: "/api/v1/products?q=hat",
    "api product": lambda s: f"/api/v1/products/{s['id']}",
}
PAGES = [name for name in ROUTES if not name.startswith("api")]


class Watch:
    """SQL statements sent and templates rendered while it is open."""

    def __init__(self, app):
        self.app, self.statements, self.templates = app, [], []

    def _sql(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)

    def _rendered(self, _app, template, _context, **_extra):
        self.templates.append(template.name)

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._sql)
        template_rendered.connect(self._rendered, self.app)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._sql)
        template_rendered.disconnect(self._rendered, self.app)


def _tokens(html: str) -> list[str]:
    return re.findall(r'name="csrf_token" value="([^"]*)"', html)


def _guest_with_cart(app, shop):
    """A guest who put the other product in the cart (its page, not the ones under test, served them the token)."""
    guest = app.test_client()
    page = guest.get(f"/san-pham/{shop['other_slug']}", headers=BROWSER)
    token = csrf_from(page.get_data(as_text=True))
    added = guest.post(f"/gio-hang/them/{shop['other_id']}", data={"quantity": 2, "csrf_token": token},
                       headers=SAME_ORIGIN)
    assert added.status_code == 302, added.get_data(as_text=True)
    return guest


# ---------------------------------------------------------------- hits: no SQL, no rendering, no cookie
@pytest.mark.parametrize("route", list(ROUTES))
def test_a_second_visitor_is_served_from_the_cache_without_sql_or_rendering(app, shop, route):
    url = ROUTES[route](shop)
    first = app.test_client().get(url, headers=BROWSER)
    assert first.status_code == 200 and first.headers["X-Cache"] == "MISS"
    assert "Set-Cookie" not in first.headers
    with Watch(app) as watch:
        second = app.test_client().get(url, headers=BROWSER)
    assert second.status_code == 200 and second.headers["X-Cache"] == "HIT"
    assert watch.statements == [] and watch.templates == []
    assert "Set-Cookie" not in second.headers
    assert second.headers["Vary"] == "Cookie"
    # The same page, but for the CSRF token each visitor gets.
    strip = re.compile(r'name="csrf_token" value="[^"]*"')
    assert strip.sub("", second.get_data(as_text=True)) == strip.sub("", first.get_data(as_text=True))
    assert placeholder(app) not in second.get_data(as_text=True)


def test_the_language_is_part_of_the_key(app, shop):
    vi = app.test_client().get("/", headers=BROWSER)
    english = app.test_client()
    english.set_cookie("lang", "en")
    en = english.get("/", headers=BROWSER)
    assert en.headers["X-Cache"] == "MISS" and "All products" in en.get_data(as_text=True)
    again = app.test_client().get("/", headers=BROWSER)
    assert again.headers["X-Cache"] == "HIT" and again.get_data() == vi.get_data()
    assert app.test_client().get("/?lang=en", headers=BROWSER).headers["X-Cache"] == "MISS"


# ---------------------------------------------------------------- nothing personal, ever
@pytest.mark.parametrize("route", list(ROUTES))
def test_no_user_cart_or_flash_of_one_visitor_reaches_another(app, shop, route):
    url = ROUTES[route](shop)
    buyer = app.test_client()
    Auth(buyer).login("rieng@example.vn")
    guest = _guest_with_cart(app, shop)  # a cart line, and the "added" flash still waiting
    personal = [buyer.get(url, headers=BROWSER), guest.get(url, headers=BROWSER)]
    for response in personal:
        assert response.status_code == 200 and "X-Cache" not in response.headers
        assert response.headers["Cache-Control"] == "private, no-store"
    if route in PAGES:
        assert BUYER_NAME in personal[0].get_data(as_text=True)
        guest_page = personal[1].get_data(as_text=True)
        assert "Đã thêm vào giỏ hàng." in guest_page and CART_BADGE in guest_page
    # Nothing of theirs was stored: the next anonymous visitor gets a fresh render, and then a hit, both clean.
    for expected in ("MISS", "HIT"):
        stranger = app.test_client().get(url, headers=BROWSER)
        assert stranger.headers["X-Cache"] == expected
        html = stranger.get_data(as_text=True)
        assert BUYER_NAME not in html and "Đã thêm vào giỏ hàng." not in html
        assert CART_BADGE not in html and "Đăng xuất" not in html
    # And signed-in users are never served from the cache, even when it holds the page.
    again = buyer.get(url, headers=BROWSER)
    assert "X-Cache" not in again.headers
    if route in PAGES:
        assert BUYER_NAME in again.get_data(as_text=True)


def test_no_token_of_one_visitor_reaches_another_and_a_token_filled_on_a_hit_works(app, shop):
    url = f"/san-pham/{shop['slug']}"
    assert app.test_client().get(url, headers=BROWSER).headers["X-Cache"] == "MISS"
    # One visitor whose session already has a token (from the sign-in page, never cached), one without a session.
    known, fresh = app.test_client(), app.test_client()
    known.get("/tai-khoan/dang-nhap")
    pages = [c.get(url, headers=BROWSER) for c in (known, fresh, fresh)]
    assert [p.headers["X-Cache"] for p in pages] == ["HIT"] * 3
    assert all("Set-Cookie" not in p.headers for p in pages)
    tokens = [_tokens(p.get_data(as_text=True)) for p in pages]
    assert all(len(t) == 1 and t[0] for t in tokens)
    known_token, fresh_token, fresh_again = (t[0] for t in tokens)
    assert len({known_token, fresh_token, fresh_again}) == 3  # a token of its own per response without a session
    assert all(p.headers["Cache-Control"].startswith("private") for p in pages)  # no proxy keeps a token page

    def add(client, token, headers=SAME_ORIGIN):
        return client.post(f"/gio-hang/them/{shop['id']}", data={"quantity": 1, "csrf_token": token}, headers=headers)

    # Tokens are not interchangeable: the one filled for another visitor is refused.
    assert add(known, fresh_token).status_code == 400
    # Without a session, a token from the page works from our own origin only, and starts the session then.
    stranger = app.test_client()
    assert add(stranger, fresh_token, BROWSER).status_code == 400  # no Origin, Referer or Sec-Fetch-Site
    assert add(stranger, fresh_token, {**BROWSER, "Origin": "https://evil.example"}).status_code == 400
    assert add(stranger, fresh_token, {**BROWSER, "Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"}
               ).status_code == 400
    assert add(stranger, "forged." + fresh_token[7:], SAME_ORIGIN).status_code == 400
    assert add(fresh, fresh_token).status_code == 302
    assert CART_BADGE in fresh.get(url, headers=BROWSER).get_data(as_text=True)
    assert add(known, known_token, {**BROWSER, "Referer": f"http://localhost{url}"}).status_code == 302
    assert add(app.test_client(), fresh_again, {**BROWSER, "Sec-Fetch-Site": "same-origin"}).status_code == 302


# ---------------------------------------------------------------- what is never stored
def test_errors_and_responses_that_set_cookies_are_never_stored(app, shop):
    @app.get("/test-cookie-page")
    @cached_for_visitors
    def cookie_page():
        from flask import make_response

        response = make_response("hello")
        response.set_cookie("seen", "1")
        return response

    for url in ("/san-pham/khong-co-san-pham-nay", "/test-cookie-page", "/san-pham?sort=bogus"):
        first = app.test_client().get(url, headers=BROWSER)
        second = app.test_client().get(url, headers=BROWSER)
        assert "X-Cache" not in second.headers, url
        assert first.status_code == second.status_code


# ---------------------------------------------------------------- freshness
def _page(app, url):
    response = app.test_client().get(url, headers=BROWSER)
    return response.headers.get("X-Cache"), response.status_code, response.get_data(as_text=True)


def _warm(app, url):
    app.test_client().get(url, headers=BROWSER)
    cache, status, html = _page(app, url)
    assert cache == "HIT"
    return html


def test_price_stock_hiding_producer_photo_and_group_changes_show_on_the_next_request(app, shop):
    product_url, producer_url = f"/san-pham/{shop['slug']}", f"/co-so/{shop['producer']}"
    assert "150.000" in _warm(app, product_url)
    with app.app_context():
        db.session.get(Product, shop["id"]).price_vnd = 175_000
        db.session.commit()
    cache, _, html = _page(app, product_url)
    assert cache == "MISS" and "175.000" in html and "150.000" not in html

    assert "Thêm vào giỏ" in _warm(app, product_url)
    with app.app_context():  # sold out, as the order's conditional UPDATE does it (no flush, a bulk statement)
        db.session.execute(db.update(Product).where(Product.id == shop["id"]).values(stock=0))
        db.session.commit()
    cache, _, html = _page(app, product_url)
    assert cache == "MISS" and "Hết hàng" in html and "Thêm vào giỏ" not in html

    assert "Trùng Khánh" in _warm(app, producer_url)
    with app.app_context():
        db.session.get(Producer, shop["producer_id"]).name = "Hợp tác xã Hạt dẻ Mới"
        db.session.commit()
    for url in (product_url, producer_url):
        cache, _, html = _page(app, url)
        assert cache == "MISS" and "Hợp tác xã Hạt dẻ Mới" in html

    _warm(app, product_url)
    with app.app_context():
        db.session.add(ProductImage(product_id=shop["id"], stored_name=uuid.uuid4().hex, original_format="png",
                                    width=10, height=10, size_bytes=100))
        db.session.commit()
        stored = db.session.scalar(select(ProductImage.stored_name))
    cache, _, html = _page(app, product_url)
    assert cache == "MISS" and stored in html

    assert "Thực phẩm" in _warm(app, "/")
    with app.app_context():
        db.session.scalar(select(ProductGroup).where(ProductGroup.code == "food")).name_vi = "Đặc sản ăn được"
        db.session.commit()
    cache, _, html = _page(app, "/")
    assert cache == "MISS" and "Đặc sản ăn được" in html

    for url in ("/", "/san-pham", "/tim-kiem?q=hat+de", product_url):
        assert product_url in _warm(app, url)
    with app.app_context():
        owner = make_user("canbo@example.vn", role="staff")
        listings.archive_product(owner, db.session.get(Product, shop["id"]))
        db.session.commit()
    for url in ("/", "/san-pham", "/tim-kiem?q=hat+de"):
        cache, status, html = _page(app, url)
        assert cache == "MISS" and status == 200 and product_url not in html, url
    assert _page(app, product_url)[1] == 404


def _promote(app, shop):
    with app.app_context():
        item = db.session.get(Product, shop["id"])
        db.session.add(ProductImage(product_id=item.id, stored_name=uuid.uuid4().hex, original_format="png",
                                    width=10, height=10, size_bytes=100))
        request = PromotionRequest(producer_id=item.producer_id, product_id=item.id)
        request.weeks = [RequestedWeek(week=placements.current_week(), state="waiting", reason="")]
        db.session.add(request)
        db.session.commit()
        weekly.allocate_week(placements.current_week())
        db.session.commit()


def test_a_new_promotion_slot_shows_on_the_next_request(app, shop):
    html = _warm(app, "/")
    assert "Tuần này chưa có sản phẩm được chương trình hỗ trợ quảng bá." in html
    _promote(app, shop)
    cache, _, html = _page(app, "/")
    assert cache == "MISS" and "/qc/" in html


@pytest.mark.parametrize("app_config", [{"RESPONSE_CACHE": True, "RESPONSE_CACHE_TTL": 1}])
def test_a_change_made_outside_the_app_shows_after_the_ttl_and_the_cart_refuses_a_sold_out_product(app, shop):
    url = f"/san-pham/{shop['slug']}"
    app.test_client().get(url, headers=BROWSER)
    with app.app_context(), db.engine.begin() as conn:  # another program: no session, no generation bump
        conn.execute(text("UPDATE products SET stock = 0 WHERE id = :id"), {"id": shop["id"]})
    visitor = app.test_client()
    page = visitor.get(url, headers=BROWSER)
    assert page.headers["X-Cache"] == "HIT" and "Thêm vào giỏ" in page.get_data(as_text=True)  # stale, for now
    refused = visitor.post(f"/gio-hang/them/{shop['id']}",
                           data={"quantity": 1, "csrf_token": csrf_from(page.get_data(as_text=True))}, headers=SAME_ORIGIN)
    assert refused.status_code == 400 and "Sản phẩm đã hết hàng." in refused.get_data(as_text=True)
    time.sleep(1.2)
    cache, _, html = _page(app, url)
    assert cache == "MISS" and "Hết hàng" in html and "Thêm vào giỏ" not in html


# ---------------------------------------------------------------- revalidation
def test_etag_revalidation_answers_304_until_the_page_changes(app, shop):
    client = app.test_client()
    first = client.get("/", headers=BROWSER)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Cache-Control"] == "public, max-age=15"
    for _ in range(2):
        again = client.get("/", headers={**BROWSER, "If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    product = client.get(f"/san-pham/{shop['slug']}", headers=BROWSER)
    assert product.headers["Cache-Control"] == "private, max-age=15"  # it carries a CSRF token
    assert client.get(f"/san-pham/{shop['slug']}", headers={**BROWSER, "If-None-Match": product.headers["ETag"]}
                      ).status_code == 304
    with app.app_context():
        db.session.get(Product, shop["id"]).price_vnd = 99_000
        db.session.commit()
    changed = client.get("/", headers={**BROWSER, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and "99.000" in changed.get_data(as_text=True)


# ---------------------------------------------------------------- promotion impressions
def _impressions(app, product_id):
    with app.app_context():
        return db.session.scalar(select(func.coalesce(func.sum(DailyCounter.impressions), 0))
                                 .where(DailyCounter.product_id == product_id))


def test_promotion_impressions_are_counted_on_hits(app, shop):
    _promote(app, shop)
    served = [app.test_client().get("/", headers=BROWSER).headers["X-Cache"] for _ in range(3)]
    assert served == ["MISS", "HIT", "HIT"]
    assert _impressions(app, shop["id"]) == 3  # written at once in tests (PROMOTION_COUNTER_FLUSH_EVENTS=1)
    bot = app.test_client().get("/", headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
    assert bot.headers["X-Cache"] == "HIT" and _impressions(app, shop["id"]) == 3  # robots count nowhere


# ---------------------------------------------------------------- shared by every instance
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server of this test's own on loopback (nothing shared with other runs)."""
    server = shutil.which("redis-server")
    assert server, "redis-server is needed (apt-get install redis-server)"
    port = _free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    conn = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(200):
            try:
                conn.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("backend", ["files", "redis"])
def test_two_instances_share_entries_and_the_generation(app, shop, backend, request):
    extra = {"REDIS_URL": request.getfixturevalue("redis_url")} if backend == "redis" else {}
    one, two = (create_app({**app.config, **extra}) for _ in range(2))
    assert type(one.extensions["response_cache"]).__name__ == ("RedisCache" if backend == "redis" else "FileSystemCache")
    url = f"/san-pham/{shop['slug']}"
    assert one.test_client().get(url, headers=BROWSER).headers["X-Cache"] == "MISS"
    assert two.test_client().get(url, headers=BROWSER).headers["X-Cache"] == "HIT"
    with one.app_context():
        db.session.get(Product, shop["id"]).price_vnd = 123_000
        db.session.commit()
    seen = two.test_client().get(url, headers=BROWSER)
    assert seen.headers["X-Cache"] == "MISS" and "123.000" in seen.get_data(as_text=True)
    for instance in (one, two):
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()


def test_no_cached_view_carries_a_rate_limit_the_hit_would_skip(app):
    """Hits skip Flask-Limiter (response_cache._exempt_from_rate_limits): right only while no cached view has a
    limit of its own. A limit decorator marks the view by its qualified name."""
    from flask_limiter.util import get_qualified_name

    from ocop_market.extensions import limiter

    cached = {endpoint: get_qualified_name(view) for endpoint, view in app.view_functions.items()
              if getattr(view, "_response_cache", False)}
    assert "catalog.home" in cached and len(cached) >= 7, cached  # home, lists, search, product, producer, API
    marked = limiter._marked_for_limiting  # the names of views with a limit decorator (Flask-Limiter's own set)
    assert "ocop_market.accounts.views.login.login" in marked  # the set is what this test reads it to be
    assert not {name for name in cached.values() if name in marked}


def test_a_page_view_with_nul_in_its_query_is_still_refused_and_a_form_post_too(client, shop):
    assert client.get("/tim-kiem?q=hat%00de").status_code == 400
    assert client.post("/tai-khoan/dang-nhap", data={"login": "a\x00b", "password": "x"}).status_code == 400
