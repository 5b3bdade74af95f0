"""SECURITY.md 10, 23 and issue 7: hypothesis-generated form values on every form never produce a 500.

Walks app.url_map for every POST rule (the Stripe webhook excepted: it has its own signature tests), signs in
as the role that owns the route, reads the form that posts there (field names, select options, default
values) from the pages that show it, and posts generated values: Vietnamese text, control characters, huge,
negative and decimal numbers, empty strings, very long strings, odd unicode, uploads of random bytes, plus
extra fields nobody asked for. Every answer must be below 500.

One app (and one small data set) per test function; state carries over between examples on purpose (an
archived listing, a cancelled order, a changed password all make later requests take other paths).
"""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from ocop_market.accounts.sessions import open_session
from ocop_market.extensions import db
from tests.conftest import make_producer, make_product, make_user, png_bytes

from .conftest import CSRF_EXEMPT_PATHS, is_producer_rule, is_staff_rule, sign_in

ANONYMOUS_ENDPOINTS = {"accounts.login", "accounts.register"}
PASSWORD = "secret-pass-1"


@pytest.fixture
def app_config():
    # The login and registration limits answer 429 after a few posts; the fuzz wants the forms behind them.
    return {"RATELIMIT_ENABLED": False}


# ------------------------------------------------------------------ reading forms
class _Forms(HTMLParser):
    """Every <form>: action, method, enctype and its fields {name: {"type", "values"}}."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def _field(self, name, kind):
        return self._form["fields"].setdefault(name, {"type": kind, "values": []})

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "enctype": a.get("enctype") or "", "fields": {}}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            field = self._field(name, (a.get("type") or "text").lower())
            if a.get("value") is not None:
                field["values"].append(a["value"])
        elif tag in ("select", "textarea") and name:
            self._field(name, tag)
            self._select = name if tag == "select" else None
            self._textarea = name if tag == "textarea" else None
        elif tag == "option" and self._select and a.get("value") is not None:
            values = self._form["fields"][self._select]["values"]
            if "selected" in a:  # the current choice first: it is what a browser would send
                values.insert(0, a["value"])
            else:
                values.append(a["value"])
        elif tag == "button" and name and a.get("value") is not None:
            self._field(name, "button")["values"].append(a["value"])

    def handle_data(self, data):
        if self._form is not None and self._textarea and data.strip():
            self._form["fields"][self._textarea]["values"].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


# ------------------------------------------------------------------ hostile values
NASTY = [
    "", " ", "0", "-1", "1.5", "-0", "1e3", "1e309", "NaN", "inf", "-inf", "0x1F", "٣", "２３", "1,000,000",
    "1.000.000", "100000000000000000000", "-99999999999999999999", str(2**63), str(2**31), "9" * 400,
    "2026-02-30", "0001-01-01", "9999-12-31", "31/12/2025", "Hạt dẻ Trùng Khánh", "Đặc sản Cao Bằng ắẳẵặ",
    "\x00", "a\x00b", "\x01\x02\x1b[31m", "\u202eabc", "\u200b", "e\u0301\u0301\u0301", "🌰" * 10,
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "' OR 1=1 --", "%00", "../../etc/passwd",
    "{{ 7*7 }}", "None", "null", "true", "[]", "admin", "approved", "staff",
]
#: Fields a form must never read from the request (SECURITY.md 10), sent anyway.
MASS_ASSIGNMENT = ["price_vnd", "owner_id", "producer_id", "role", "status", "is_active", "id", "user_id",
                   "stock", "total_vnd", "paid_at", "session_version", "created_by_id"]

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_long = st.builds(lambda s, n: s * n, st.sampled_from(["ắ", "a", "\u0301", "Đ ", "😀"]), st.integers(200, 20_000))
_number = st.one_of(st.integers(-(10**30), 10**30).map(str),
                    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
                    st.floats().map(repr))
hostile = st.one_of(st.sampled_from(NASTY), _text, _long, _number)


def value_for(field: dict):
    known = [v for v in field["values"] if v is not None]
    if known:
        return st.one_of(st.sampled_from(known), st.sampled_from(known), hostile)
    return hostile


def file_value():
    return st.builds(
        lambda data, name: (io.BytesIO(data), name),
        st.one_of(st.binary(max_size=300), st.just(png_bytes()), st.just(b"<svg onload=alert(1)></svg>"),
                  st.just(png_bytes() + b"<script>alert(1)</script>")),
        st.sampled_from(["a.jpg", "a.png", "a.svg", "a.php.jpg", "", "ảnh đẹp.webp", "../../x.png", "a\x00.png"]),
    )


#: For routes whose form is on no page of the small data set (a project's forms, a refund): likely names.
GUESSED_FIELDS = {name: {"type": "text", "values": []} for name in
                  ("reason", "note", "amount", "quantity", "name", "code", "period", "producer_id", "on", "value")}


def form_data(form: dict | None):
    """A strategy for one POST body: every field of the form, some dropped, plus extra fields."""
    fields = {k: v for k, v in (form["fields"] if form else GUESSED_FIELDS).items() if k != "csrf_token"}
    parts = {}
    for name, field in fields.items():
        if field["type"] == "file":
            parts[name] = st.one_of(st.none(), file_value(), st.lists(file_value(), max_size=3))
        elif field["type"] == "checkbox":
            parts[name] = st.one_of(st.none(), value_for(field), st.lists(value_for(field), max_size=3))
        else:
            parts[name] = st.one_of(value_for(field), value_for(field), st.none(),
                                    st.lists(value_for(field), min_size=2, max_size=3))
    extra = st.dictionaries(st.one_of(st.sampled_from(MASS_ASSIGNMENT), _text.filter(bool)), hostile, max_size=3)
    return st.builds(lambda d, e: {**e, **{k: v for k, v in d.items() if v is not None}},
                     st.fixed_dictionaries(parts), extra)


# ------------------------------------------------------------------ the data set
@pytest.fixture
def world(app):
    """Buyer, producer (verified, approved listing with a photo), staff, admin, and one cash order."""
    from ocop_market.catalog import photos
    from ocop_market.orders.models import Order, ProducerOrder

    with app.app_context():
        buyer = make_user("nguoimua@example.vn", role="buyer")
        owner = make_user("nhasanxuat@example.vn", role="producer")
        producer = make_producer(owner=owner)
        product = make_product(producer, stock=1000)
        image = photos.add_photo(owner, product, png_bytes(), app.config)
        draft = make_product(producer, name="Miến dong Nguyên Bình", status="draft")
        make_user("canbo@example.vn", role="staff")
        make_user("quantri@example.vn", role="admin")
        db.session.commit()
        ids = {"product_id": product.id, "image_id": image.id, "producer_id": producer.id, "slug": product.slug,
               "draft_id": draft.id, "buyer": buyer.id}

    # A real order, through the real cart and checkout.
    client = app.test_client()
    _sign_in_role(app, client, "buyer")
    page = client.get(f"/san-pham/{ids['slug']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
    assert client.post(f"/gio-hang/them/{ids['product_id']}", data={"quantity": "2", "csrf_token": token}
                       ).status_code < 400
    from ocop_market.places import Province

    with app.app_context():
        province = db.session.scalar(select(Province.id).where(Province.code == "CB"))
    resp = client.post("/thanh-toan", data={
        "contact_name": "Nông Thị Mai", "phone": "0912 345 678", "address_line": "Số 5, bản Pác Bó",
        "commune": "Xã Trường Hà", "note": "", "payment_method": "cod", "province_id": str(province),
        "csrf_token": token})
    assert resp.status_code == 302, resp.status_code
    # ...and something in the cart again, so the checkout form is shown and fuzzed.
    client.post(f"/gio-hang/them/{ids['product_id']}", data={"quantity": "1", "csrf_token": token})
    with app.app_context():
        order = db.session.scalar(select(Order))
        ids["code"] = order.code
        ids["po_id"] = db.session.scalar(select(ProducerOrder.id))
    return ids


ROLE_EMAIL = {"buyer": "nguoimua@example.vn", "producer": "nhasanxuat@example.vn", "staff": "canbo@example.vn",
              "admin": "quantri@example.vn"}


def _sign_in_role(app, client, role):
    """Signed in with the user's current session version (a fuzzed password change or logout-everywhere
    moves it on, so it is read again every time)."""
    if role is None:
        return
    from ocop_market.accounts.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ROLE_EMAIL[role]))
        open_session(user)
        db.session.commit()
        user_id = user.get_id()
    sign_in(client, user_id)


def role_for(rule) -> str | None:
    if rule.endpoint in ANONYMOUS_ENDPOINTS:
        return None
    if is_staff_rule(rule):
        return "admin"
    if is_producer_rule(rule):
        return "producer"
    return "buyer"


def pages_for(role, ids) -> list[str]:
    """Pages that show the forms of POST-only routes."""
    return {
        None: ["/tai-khoan/dang-nhap", "/tai-khoan/dang-ky"],
        "buyer": ["/", f"/san-pham/{ids['slug']}", "/gio-hang", f"/don-hang/{ids['code']}",
                  "/tai-khoan/doi-mat-khau"],
        "producer": ["/gian-hang/", f"/gian-hang/san-pham/{ids['product_id']}/anh",
                     f"/gian-hang/san-pham/{ids['draft_id']}/sua", f"/gian-hang/don-hang/{ids['po_id']}",
                     "/gian-hang/quang-ba/"],
        "admin": ["/quan-tri/", f"/quan-tri/san-pham/{ids['product_id']}", f"/quan-tri/san-pham/{ids['draft_id']}",
                  f"/quan-tri/co-so/{ids['producer_id']}", f"/quan-tri/don-hang/{ids['code']}",
                  f"/quan-tri/don-hang/cong-no/{ids['producer_id']}", "/quan-tri/quang-ba/",
                  "/quan-tri/du-an", f"/quan-tri/san-pham/{ids['product_id']}/anh"],
    }[role]


def url_args(rule, ids) -> str:
    values = {}
    for name in rule.arguments:
        if name in ids:
            values[name] = ids[name]
        elif name == "week":
            from ocop_market.promotions import placements

            values[name] = placements.current_week()
        else:
            values[name] = 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def post_rules(app):
    return sorted((r for r in app.url_map.iter_rules()
                   if "POST" in (r.methods or ()) and r.rule not in CSRF_EXEMPT_PATHS), key=lambda r: r.rule)


def targets(app, ids) -> list[tuple]:
    """(role, path, form) for every POST rule: the real forms found on the pages (with their own URLs, so
    arguments like an order action are right), else the rule with made-up arguments and no known fields."""
    adapter = app.url_map.bind("localhost")
    found: dict[str, list] = {}
    for role in (None, "buyer", "producer", "admin"):
        client = app.test_client()
        _sign_in_role(app, client, role)
        with app.test_request_context():
            candidate_pages = pages_for(role, ids)
        for rule in post_rules(app):
            if role_for(rule) == role and "GET" in rule.methods:
                with app.app_context():
                    candidate_pages.append(url_args(rule, ids))
        for page in candidate_pages:
            resp = client.get(page)
            if resp.status_code != 200:
                continue
            for form in forms_on(resp.get_data(as_text=True)):
                if form["method"] != "post":
                    continue
                path = urlsplit(form["action"]).path or page
                try:
                    endpoint, _ = adapter.match(path, method="POST")
                except Exception:
                    continue
                found.setdefault(endpoint, [])
                if all(p != path for _, p, _ in found[endpoint]):
                    found[endpoint].append((role, path, form))
    out = []
    for rule in post_rules(app):
        hits = [t for t in found.get(rule.endpoint, []) if t[0] == role_for(rule)]
        if hits:
            out.extend(hits)
        else:
            with app.app_context():
                out.append((role_for(rule), url_args(rule, ids), None))
    return out


def _token(client) -> str:
    for page in ("/", "/tai-khoan/dang-nhap"):
        m = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', client.get(page).get_data(as_text=True))
        if m:
            return m.group(1)
    raise AssertionError("no CSRF token")


def test_every_post_rule_is_fuzzed_and_most_with_their_real_form(app, world):
    all_targets = targets(app, world)
    endpoints = {app.url_map.bind("localhost").match(p, method="POST")[0] for _, p, _ in all_targets}
    assert endpoints == {r.endpoint for r in post_rules(app)}
    with_form = {app.url_map.bind("localhost").match(p, method="POST")[0] for _, p, f in all_targets if f}
    # The forms a user fills in are read from their pages, not guessed.
    assert {"accounts.login", "accounts.register", "orders.checkout", "orders.add_to_cart", "producer.new_product",
            "producer.edit_product", "producer.photos", "admin.product_edit", "admin.producer_new"} <= with_form


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_form_values_never_give_a_500(app, world, data):
    if not hasattr(app, "_fuzz_targets"):
        app._fuzz_targets = targets(app, world)
    failures, accepted = [], 0
    for role, path, form in app._fuzz_targets:
        body = data.draw(form_data(form), label=path)
        client = app.test_client()
        _sign_in_role(app, client, role)
        body["csrf_token"] = _token(client)
        resp = client.post(path, data=body, content_type="multipart/form-data")
        if resp.status_code >= 500:
            failures.append(f"POST {path} as {role}: {resp.status_code} with {body!r:.400}")
        accepted += resp.status_code < 400
    assert not failures, "\n".join(failures)
    # Not everything bounced off the CSRF check or a guard: some posts were taken and handled.
    assert accepted > 0


#: The values most likely to break a parser or a database column, each put into every field of every form once
#: (the generated examples above may or may not draw them).
EVERY_FIELD = ["a\x00b", "1e309", "9" * 400, "-1", "", "Đặc sản " * 700, "NaN", "2026-02-30", "\u202e\u200b"]


@pytest.mark.slow
def test_each_hostile_value_in_every_field_of_every_form(app, world):
    failures = []
    for value in EVERY_FIELD:
        for role, path, form in targets(app, world):
            fields = form["fields"] if form else GUESSED_FIELDS
            body = {name: value for name, field in fields.items() if field["type"] != "file" and name != "csrf_token"}
            client = app.test_client()
            _sign_in_role(app, client, role)
            body["csrf_token"] = _token(client)
            resp = client.post(path, data=body)
            if resp.status_code >= 500:
                failures.append(f"POST {path} as {role} with {value!r:.30}: {resp.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", ["/co-so/a%00", "/san-pham/a%00b", "/don-hang/a%00", "/du-an/%00",
                                  "/san-pham/a%00b/qr.svg", "/quan-tri/don-hang/a%00"])
def test_nul_in_a_path_is_not_found(app, world, path):
    client = app.test_client()
    _sign_in_role(app, client, "admin" if path.startswith("/quan-tri") else "buyer")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["/tim-kiem?q=a%00b", "/san-pham?q=%00", "/api/v1/products?q=%00",
                                   "/api/v1/search/suggest?q=h%00"])
def test_nul_in_a_query_is_a_bad_request(app, query):
    resp = app.test_client().get(query)
    assert resp.status_code == 400
    if query.startswith("/api/"):
        assert resp.get_json()["error"]["status"] == 400
    else:
        assert "Yêu cầu không hợp lệ" in resp.get_data(as_text=True)
