from tests.conftest import make_producer, make_product


def test_home_lists_public_products(client, ctx):
    producer = make_producer()
    make_product(producer)
    make_product(producer, name="Miến dong Nguyên Bình", status="draft")
    html = client.get("/").get_data(as_text=True)
    assert "Hạt dẻ Trùng Khánh" in html
    assert "Miến dong" not in html


def test_product_page_shows_price_stars_and_certificate(client, ctx):
    p = make_product(make_producer())
    html = client.get(f"/san-pham/{p.slug}").get_data(as_text=True)
    assert "150.000\u00a0₫" in html
    assert "OCOP 4" in html
    assert "Còn hiệu lực" in html
    assert client.get(f"/san-pham/{p.slug}/qr.svg").headers["Content-Type"] == "image/svg+xml"


def test_unverified_producers_products_are_hidden(client, ctx):
    p = make_product(make_producer(verified=False))
    assert client.get(f"/san-pham/{p.slug}").status_code == 404


def test_healthz_reports_database(client):
    body = client.get("/healthz").get_json()
    assert body["checks"]["database"]["ok"] is True
