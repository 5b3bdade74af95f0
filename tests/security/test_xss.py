"""SECURITY.md 18: user text is escaped everywhere it is shown; no |safe on user text."""
from __future__ import annotations

import pathlib

from ocop_market.catalog.models import Producer, Product
from ocop_market.extensions import db
from tests.conftest import make_producer, make_product

PAYLOAD = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert('xss')</script>"


def test_description_with_html_is_shown_as_text(app):
    with app.app_context():
        producer = make_producer(name=f"HTX {SCRIPT}")
        product = make_product(producer, name=f"Mật ong {SCRIPT}")
        product = db.session.get(Product, product.id)
        product.description = f"Mật ong rừng nguyên chất.\n{PAYLOAD}"
        db.session.get(Producer, producer.id).story = f"Câu chuyện {PAYLOAD}"
        db.session.commit()
        slug, producer_slug = product.slug, producer.slug
    client = app.test_client()
    for url in (f"/san-pham/{slug}", f"/co-so/{producer_slug}", "/", "/san-pham"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        html = resp.get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert" not in html, url
    html = client.get(f"/san-pham/{slug}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(" in html


def test_no_template_marks_user_text_safe():
    templates = pathlib.Path(__file__).resolve().parents[2] / "ocop_market" / "templates"
    offenders = [str(p.relative_to(templates)) for p in templates.rglob("*.html") if "|safe" in p.read_text().replace(" ", "")]
    assert not offenders, f"|safe used in {offenders}"


def test_autoescape_is_on(app):
    with app.test_request_context():
        rendered = app.jinja_env.from_string("{{ x }}").render(x=PAYLOAD)
    assert rendered == "&lt;img src=x onerror=alert(1)&gt;"
