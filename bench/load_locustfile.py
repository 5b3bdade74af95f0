"""Locust users for bench/load.py (run by bench/.venv's locust, never imported by the app).

ShopBuyer: a signed-in buyer (one seeded account per locust user, CSRF token scraped from the login form)
doing a mix of home, search (without and with diacritics, with filters/facets), product pages, add to cart
(CSRF from the product page's form) and cash-on-delivery checkout (CSRF and province from the checkout form).
BareUser: GET / on bench/bare_app.py, the ceiling.

The plan (buyer logins, product slugs, search URLs) is the JSON file named by LOAD_PLAN, written by
bench/load_seed.py. LOAD_WAIT (seconds, default 0) is the think time between tasks: 0 measures the most the
server does with this many users.
"""
from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

from locust import FastHttpUser, constant, events, task

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PROVINCE_RE = re.compile(r'<select[^>]*name="province_id"[^>]*>(.*?)</select>', re.S)
OPTION_RE = re.compile(r'<option[^>]*value="(\d+)"')
ORDER_RE = re.compile(r"/don-hang/([A-Za-z0-9-]+)$")
WAIT = float(os.environ.get("LOAD_WAIT", "0"))


def _plan() -> dict:
    path = os.environ.get("LOAD_PLAN")
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


PLAN = _plan()
_next_buyer = iter(PLAN.get("buyers", []))


STATUS: Counter = Counter()


@events.request.add_listener
def _count_status(response=None, **_kw):
    STATUS[str(getattr(response, "status_code", None) or 0)] += 1


@events.quitting.add_listener
def _write_status(**_kw):
    path = os.environ.get("LOAD_STATUS_OUT")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(dict(STATUS), f)


def _search_kind(url: str) -> str:
    params = parse_qs(urlsplit(url).query)
    if set(params) - {"q", "sort"}:
        return "search: filters + facets"
    q = params.get("q", [""])[0]
    return "search: diacritics" if any(ord(c) > 127 for c in q) else "search: no diacritics"


SEARCHES = [(u, _search_kind(u)) for u in PLAN.get("searches", [])]


def _csrf(resp) -> str | None:
    m = CSRF_RE.search(resp.text or "")
    return m.group(1) if m else None


class ShopBuyer(FastHttpUser):
    wait_time = constant(WAIT)

    def on_start(self):
        self.cart_lines = 0
        login = next(_next_buyer, None)
        if login is None:
            raise RuntimeError("more locust users than seeded buyers: seed with a larger --buyers")
        with self.client.get("/tai-khoan/dang-nhap", name="login (GET form)", catch_response=True) as resp:
            token = _csrf(resp)
            if token is None:
                resp.failure("no csrf_token in the login form")
                return
        with self.client.post("/tai-khoan/dang-nhap", name="login (POST)", allow_redirects=False, catch_response=True,
                              data={"csrf_token": token, "login": login, "password": PLAN["password"]}) as resp:
            if resp.status_code != 302:
                resp.failure(f"login answered {resp.status_code}, not a redirect")

    @task(3)
    def home(self):
        self.client.get("/", name="home")

    @task(4)
    def search(self):
        url, kind = random.choice(SEARCHES)
        self.client.get(url, name=kind)

    @task(4)
    def product(self):
        self.client.get(f"/san-pham/{random.choice(PLAN['product_slugs'])}", name="product page")

    def _add_one(self) -> bool:
        item = random.choice(PLAN["cart_products"])
        with self.client.get(f"/san-pham/{item['slug']}", name="product page", catch_response=True) as resp:
            token = _csrf(resp)
            if token is None:
                resp.failure("no add-to-cart form (csrf_token) on the product page")
                return False
        with self.client.post(f"/gio-hang/them/{item['id']}", name="add to cart (POST)", allow_redirects=False,
                              catch_response=True, data={"csrf_token": token, "quantity": "1"}) as resp:
            if resp.status_code != 302:
                resp.failure(f"add to cart answered {resp.status_code}")
                return False
        self.cart_lines += 1
        self.client.get("/gio-hang", name="cart")
        return True

    @task(2)
    def add_to_cart(self):
        self._add_one()

    @task(1)
    def checkout(self):
        if self.cart_lines == 0 and not self._add_one():
            return
        with self.client.get("/thanh-toan", name="checkout (GET form)", catch_response=True) as resp:
            token = _csrf(resp)
            select = PROVINCE_RE.search(resp.text or "")
            options = OPTION_RE.findall(select.group(1)) if select else []
            if token is None or not options:
                resp.failure("checkout form without csrf_token or provinces")
                return
        form = {
            "csrf_token": token, "contact_name": "Người mua thử tải", "phone": "0912345678",
            "address_line": "Số 1, thôn Bản Giốc", "commune": "Trùng Khánh", "province_id": random.choice(options),
            "payment_method": "cod", "note": "",
        }
        with self.client.post("/thanh-toan", name="checkout (POST)", data=form, allow_redirects=False,
                              catch_response=True) as resp:
            location = resp.headers.get("Location", "") if resp.status_code == 302 else ""
            m = ORDER_RE.search(location)
            if m is None:
                resp.failure(f"checkout answered {resp.status_code} {location!r}, not the order page")
                return
        self.cart_lines = 0
        self.client.get(f"/don-hang/{m.group(1)}", name="order page")


class BareUser(FastHttpUser):
    wait_time = constant(WAIT)

    @task
    def ok(self):
        self.client.get("/", name="bare: ok")


#: X-Cache of every response by request name (HIT, MISS, or none: a page rendered for a signed-in visitor).
CACHE: Counter = Counter()


@events.request.add_listener
def _count_cache(name=None, response=None, **_kw):
    headers = getattr(response, "headers", None) or {}
    CACHE[f"{name}|{headers.get('X-Cache') or '-'}"] += 1


@events.quitting.add_listener
def _write_cache(**_kw):
    path = os.environ.get("LOAD_CACHE_OUT")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(dict(CACHE), f)


def _page_spec() -> dict:
    """LOAD_PAGE names a JSON file: {"name": page, "urls": [...], "cookies": [...] or []} (bench/load.py --pages)."""
    path = os.environ.get("LOAD_PAGE")
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


PAGE = _page_spec()
_next_cookie = iter(PAGE.get("cookies") or [])


class PageUser(FastHttpUser):
    """One page kind, over and over (its URLs at random): anonymous, or signed in with the next session cookie
    (bench/load.py signs in before the run, so the password hashing of the logins is not in the figures)."""

    wait_time = constant(WAIT)

    def on_start(self):
        self.headers = {}
        if PAGE.get("cookies"):
            cookie = next(_next_cookie, None)
            if cookie is None:
                raise RuntimeError("more locust users than signed-in sessions in the page spec")
            self.headers = {"Cookie": cookie}

    @task
    def page(self):
        with self.client.get(random.choice(PAGE["urls"]), name=PAGE["name"], headers=self.headers,
                             allow_redirects=False, catch_response=True) as resp:
            if resp.status_code != 200:  # a redirect to the login page would be a signed-out visitor
                resp.failure(f"answered {resp.status_code}")
