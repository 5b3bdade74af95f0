"""English translation: pages in English with the `lang` cookie, Vietnamese by default, and a complete catalog.

The catalog tests fail, naming the strings, when a UI string is added without an English translation:
run `make extract`, translate the new entries in ocop_market/translations/en/LC_MESSAGES/messages.po.
"""
from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ocop_market.extensions import db
from tests.conftest import csrf_from, make_producer, make_product, make_user, png_bytes

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PO_PATH = os.path.join(ROOT, "ocop_market", "translations", "en", "LC_MESSAGES", "messages.po")
MO_PATH = PO_PATH[:-3] + ".mo"
# The keywords of `make extract` (pybabel's defaults plus -k _l -k lazy_gettext).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _read_catalog():
    with open(PO_PATH, "rb") as f:
        return read_po(f, locale="en")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog():
    """`make test` compiles the .mo (git-ignored); a bare pytest run on a fresh clone may not have it yet."""
    if not os.path.exists(MO_PATH) or os.path.getmtime(MO_PATH) < os.path.getmtime(PO_PATH):
        catalog = _read_catalog()
        with open(MO_PATH, "wb") as f:
            write_mo(f, catalog)


def english(client):
    client.set_cookie("lang", "en", domain="localhost")
    return client


def page(client, url, status=200):
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


# --- pages -------------------------------------------------------------------------------------------------


def test_vietnamese_is_the_default(client, ctx):
    html = page(client, "/")
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html and "Giỏ hàng" in html
    assert "Log in" not in html
    assert ">English<" in html  # the switch offers the other language


def test_home_page_in_english(client, ctx):
    producer = make_producer()
    make_product(producer)
    html = page(english(client), "/")
    assert '<html lang="en">' in html
    assert "<span>OCOP Market</span>" in html and "Chợ OCOP" not in html  # the brand in the header
    for phrase in ("Log in", "Cart", "Search products", "All products", "New products",
                   "One Commune One Product (OCOP)", "OCOP specialities, bought straight from the people who make them"):
        assert phrase in html, phrase
    for phrase in ("Đăng nhập", "Giỏ hàng", "Sản phẩm mới"):
        assert phrase not in html, phrase
    assert "Hạt dẻ Trùng Khánh" in html  # producers' own text is never translated
    assert ">Tiếng Việt<" in html


def test_login_page_and_its_errors_in_english(client, ctx):
    make_user("an@example.com")
    html = page(english(client), "/tai-khoan/dang-nhap")
    for phrase in ("Email or phone number", "Password", "Remember me", "No account yet?", "Register"):
        assert phrase in html, phrase
    assert "Mật khẩu" not in html
    resp = client.post("/tai-khoan/dang-nhap", data={"login": "an@example.com", "password": "wrong-pass-1",
                                                     "csrf_token": csrf_from(html)})
    body = resp.get_data(as_text=True)
    assert "Incorrect login details." in body
    assert "Thông tin đăng nhập không đúng." not in body


def test_login_prompt_in_the_visitors_language(client):
    resp = client.get("/tai-khoan/doi-mat-khau", follow_redirects=True)
    assert "Vui lòng đăng nhập để tiếp tục." in resp.get_data(as_text=True)
    resp = english(client).get("/tai-khoan/doi-mat-khau", follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "Please log in to continue." in body and "Vui lòng đăng nhập" not in body


def test_product_page_in_english(client, ctx):
    producer = make_producer()
    product = make_product(producer, stock=3)
    html = page(english(client), f"/san-pham/{product.slug}")
    for phrase in ("Add to cart", "Quantity", "OCOP certificate", "Valid until", "Who makes this product",
                   "Traceability QR code", "Home", "4 stars"):
        assert phrase in html, phrase
    assert "Thêm vào giỏ" not in html and "Chứng nhận OCOP" not in html
    assert "Hạt dẻ rang, thơm bùi." in html  # the description stays as the producer wrote it


def test_error_pages_in_english(client, ctx):
    html = page(english(client), "/khong-co-trang-nay", status=404)
    assert "Page not found" in html and "Back to the home page" in html
    assert "Không tìm thấy trang" not in html
    html = page(client, "/san-pham?page=abc", status=400)
    assert "Invalid request" in html and "Invalid page number." in html
    # The search page answers a value it cannot read with itself, the message in English above the results.
    html = page(client, "/tim-kiem?sort=bogus", status=400)
    assert "Invalid sort order." in html and "Không hợp lệ" not in html


def test_error_page_stays_vietnamese_by_default(client, ctx):
    html = page(client, "/khong-co-trang-nay", status=404)
    assert "Không tìm thấy trang" in html and "Page not found" not in html


def test_label_tables_are_translated(app, client):
    """Labels kept in dicts and translated with _(TABLE.get(code)), and lazy_gettext labels."""
    html = page(english(client), "/tim-kiem?q=hat")
    assert "Most relevant" in html and "Price: low to high" in html  # search/views.py SORT_LABELS
    from ocop_market.catalog import labels

    # Each request context here brings its own app context, so the locale is chosen afresh.
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert labels.label(labels.HOUSEHOLD_CATEGORY, "near_poor") == "Near-poor household"
        assert labels.label(labels.PRODUCER_KIND, "cooperative") == "Cooperative"
    with app.test_request_context("/"):
        assert labels.label(labels.PRODUCER_KIND, "cooperative") == "Hợp tác xã"


def test_promotion_rules_page_in_english(app, client):
    from ocop_market.promotions import placements

    with app.app_context():
        placements.ensure_defaults()
        db.session.commit()
    html = page(client, "/quang-ba/quy-dinh")
    assert "Trang chủ: sản phẩm được hỗ trợ quảng bá" in html and "Đầu trang nhóm: Thực phẩm" in html
    html = page(english(client), "/quang-ba/quy-dinh")
    for phrase in ("Free promotion rules", "Who can apply", "Home page: promoted products",
                   "Top of the group page: Food", "Top of matching search results"):
        assert phrase in html, phrase
    assert "Trang chủ:" not in html and "Đầu trang nhóm" not in html


def test_programme_period_labels_follow_the_language(app):
    from ocop_market.programs.rules import parse_period

    assert parse_period("2026-Q4").label == "Quý 4/2026"  # no request (CLI, CSV): Vietnamese
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert [parse_period(p).label for p in ("2026-Q4", "2026-10", "2026")] == ["Q4 2026", "Month 10/2026", "Year 2026"]
    with app.test_request_context("/"):
        assert parse_period("2026-10").label == "Tháng 10/2026"


def test_photo_refusal_in_english(app):
    from ocop_market.catalog import photos
    from ocop_market.errors import InvalidInput

    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        staff = make_user("staff@example.com", role="staff")
        product = make_product(make_producer(actor=staff), actor=staff)
        with pytest.raises(InvalidInput) as err:
            photos.add_photo(staff, product, b"<html>not a photo</html>", app.config)
        assert err.value.message == "Only JPEG, PNG or WebP photos are accepted."
        with pytest.raises(InvalidInput) as err:
            photos.add_photo(staff, product, png_bytes(), {**app.config, "MAX_IMAGE_BYTES": 10})
        assert err.value.message.startswith("The photo is larger than allowed (")


def test_language_switch_sets_cookie_and_redirects_locally(client):
    resp = client.get("/ngon-ngu/en?next=/san-pham")
    assert resp.status_code == 302
    assert urlsplit(resp.headers["Location"]).path == "/san-pham"
    cookie = resp.headers.get("Set-Cookie", "")
    assert cookie.startswith("lang=en") and "HttpOnly" in cookie
    assert '<html lang="en">' in page(client, "/san-pham")

    resp = client.get("/ngon-ngu/vi?next=https://evil.example/phish")
    assert resp.status_code == 302
    target = urlsplit(resp.headers["Location"])
    assert target.netloc in ("", "localhost") and target.path == "/"
    assert '<html lang="vi">' in page(client, "/")

    assert client.get("/ngon-ngu/fr").status_code == 404


# --- the catalog -------------------------------------------------------------------------------------------


def extracted_msgids() -> dict[str, str]:
    """Every msgid `make extract` finds (babel.cfg: Python with label tables, Jinja templates) -> first location."""
    with open(os.path.join(ROOT, "babel.cfg")) as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_every_ui_string_has_an_english_translation():
    catalog = _read_catalog()
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    extracted = extracted_msgids()
    assert len(extracted) > 500  # the extraction really read the package
    missing = sorted(f"{loc}: {msgid!r}" for msgid, loc in extracted.items() if msgid not in in_catalog)
    assert not missing, "not in the catalog (run `make extract` and translate):\n" + "\n".join(missing)
    untranslated = sorted(repr(m.id) for m in in_catalog.values()
                          if not (m.string if isinstance(m.string, str) else all(m.string)))
    assert not untranslated, "no English translation:\n" + "\n".join(untranslated)
    fuzzy = sorted(repr(m.id) for m in in_catalog.values() if m.fuzzy)
    assert not fuzzy, "fuzzy (check and remove the flag):\n" + "\n".join(fuzzy)


def test_translations_keep_placeholders_and_are_english():
    catalog = _read_catalog()
    vietnamese = re.compile(r"[ăâđêôơưàảãạáằẳẵặắầẩẫậấèẻẽẹéềểễệếìỉĩịíòỏõọóồổỗộốờởỡợớùủũụúừửữựứỳỷỹỵý]", re.I)
    problems = []
    for m in catalog:
        if not m.id:
            continue
        problems += [f"{m.id!r}: {err}" for err in m.check(catalog)]
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        wanted = sorted(set(re.findall(r"%\(\w+\)[sd]", " ".join(ids))))
        for s in strings:
            if sorted(set(re.findall(r"%\(\w+\)[sd]", s))) != wanted:
                problems.append(f"{m.id!r}: placeholders {wanted} differ in {s!r}")
            # Vietnamese words may appear only as quoted examples (search hints), never as the translation.
            if vietnamese.search(re.sub(r"“[^”]*”", "", s)):
                problems.append(f"{m.id!r}: untranslated Vietnamese in {s!r}")
    assert not problems, "\n".join(problems)


def test_extraction_finds_lazy_labels_and_label_tables():
    extracted = extracted_msgids()
    # lazy_gettext as _l in catalog/labels.py and in forms
    assert "ocop_market/catalog/labels.py" in extracted["Hộ cận nghèo"].replace(os.sep, "/")
    assert "forms.py" in extracted["Ghi nhớ đăng nhập"]
    # values of dicts translated through _(TABLE.get(code)) / _(v) for v in TABLE.values()
    assert "errors.py" in extracted["Không tìm thấy trang"]
    assert "search/views.py" in extracted["Liên quan nhất"].replace(os.sep, "/")
    # messages of exceptions shown through _(str(exc))
    assert "catalog/images.py" in extracted["Tệp ảnh trống."].replace(os.sep, "/")
    # templates
    assert "templates" in extracted["Về trang chủ"]


def test_label_table_extractor_rules():
    import ast

    from ocop_market.translations.extractor import dynamic_names_in, label_tables

    tree = ast.parse(
        "A = {'x': 'Một'}\nB = {'y': 'Hai'}\nC = ['Ba']\n"
        "def f(code):\n    return _(A.get(code, code))\n"
        "def g():\n    return [(k, _l(v)) for k, v in B.items()]\n"
        "class Refused(Exception):\n    pass\n"
        "def h():\n    raise Refused('Bốn')\n"
        "def k():\n    try:\n        h()\n    except Refused as exc:\n        return _(str(exc))\n"
    )
    names = dynamic_names_in(tree)
    assert {"A", "B", "Refused"} <= names
    assert sorted(t for _line, t in label_tables(tree, names)) == sorted(["Một", "Hai", "Bốn"])
