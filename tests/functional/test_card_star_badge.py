"""Issue 14: on a product card the OCOP badge is its short form, "OCOP 4★", which fits a 160-px card; a screen reader
still hears "Sản phẩm OCOP 4 sao". The product page keeps the long form with its row of stars."""
from __future__ import annotations

from ocop_market.extensions import db
from tests.conftest import make_producer, make_product

SHORT = ('<span class="badge star-badge" title="Sản phẩm OCOP 4 sao"><span aria-hidden="true">OCOP 4★</span>'
         '<span class="visually-hidden">Sản phẩm OCOP 4 sao</span></span>')


def test_cards_show_the_short_ocop_badge_and_the_product_page_the_long_one(client, ctx):
    product = make_product(make_producer(), stars=4)
    db.session.commit()
    for page in ("/san-pham", "/tim-kiem?q=hat+de", "/"):
        html = client.get(page).get_data(as_text=True)
        assert SHORT in html, page
        assert "★★★★" not in html, page
    html = client.get(f"/san-pham/{product.slug}").get_data(as_text=True)
    assert "★★★★</span> OCOP 4 sao" in html and SHORT not in html
