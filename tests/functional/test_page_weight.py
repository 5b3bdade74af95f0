"""Buyers in mountain communes often have a weak signal: the home page stays light."""
import re

from tests.conftest import make_producer, make_product


def test_home_weighs_under_200_kb_before_photos(client, ctx):
    producer = make_producer()
    for i in range(12):
        make_product(producer, name=f"Miến dong loại {i}")
    html = client.get("/").get_data()
    total = len(html)
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
        resp = client.get(asset.decode())
        assert resp.status_code == 200, asset
        total += len(resp.get_data())
    assert total < 200 * 1024


def test_product_photos_are_lazy_and_sized(client, ctx, app):
    from ocop_market.catalog import photos
    from ocop_market.catalog.images import store_upload
    from ocop_market.extensions import db
    from tests.conftest import png_bytes

    p = make_product(make_producer())

    stored = store_upload(png_bytes((800, 600)), app.config["UPLOAD_DIR"], max_bytes=10**7, max_pixels=10**8)
    photos._attach(None, p, stored)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    imgs = re.findall(r"<img [^>]*src=\"/anh/320/[^>]*>", html)
    assert imgs and all('loading="lazy"' in tag and 'width="320"' in tag for tag in imgs)
