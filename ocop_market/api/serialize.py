"""Products as JSON. Only what the public product page already shows leaves the server."""
from __future__ import annotations

from flask import url_for

from ..catalog.models import Product, ProductImage


def _image_url(image: ProductImage | None, size: str = "320") -> str | None:
    if image is None:
        return None
    return url_for("catalog.media", size=size, name=image.stored_name, _external=True)


def product_summary(product: Product, promoted: bool = False) -> dict:
    producer = product.producer
    return {
        "id": product.id,
        "slug": product.slug,
        "name": product.name,
        "price_vnd": product.price_vnd,
        "unit": product.unit,
        # Only a valid certificate counts: an expired or revoked one is not OCOP any more.
        "stars": product.ocop_stars,
        "group": product.group.code,
        "province": producer.province.slug,
        "province_name": producer.province.name,
        "commune": producer.commune,
        "producer": {"id": producer.id, "name": producer.name},
        "image_url": _image_url(product.cover),
        "url": url_for("catalog.product_detail", slug=product.slug, _external=True),
        "in_stock": product.in_stock,
        # "Đã bán" of the product page: units delivered to buyers, the figure `sort=best_selling` orders by.
        "sold": product.sold_count,
        # The buyers' visible reviews (never their text here): what `sort=top_rated` orders by.
        "rating_average": product.rating_average,
        "rating_count": product.rating_count,
        # Filled by the promotions domain once placements exist.
        "promoted": promoted,
    }


def product_detail(product: Product, promoted: bool = False) -> dict:
    data = product_summary(product, promoted)
    producer = product.producer
    cert = product.certificate
    data.update(
        description=product.description,
        stock=product.stock,
        group_name=product.group.name_vi,
        producer={
            "id": producer.id,
            "name": producer.name,
            "slug": producer.slug,
            "kind": producer.kind,
            "province": producer.province.slug,
            "province_name": producer.province.name,
            "commune": producer.commune,
            "village": producer.village,
            "url": url_for("catalog.producer_page", slug=producer.slug, _external=True),
        },
        certificate=None if cert is None else {
            "stars": cert.stars,
            "state": str(cert.state_on()),
            "decision_no": cert.decision_no,
            "decision_date": cert.decision_date.isoformat(),
            "expires_on": cert.expires_on.isoformat(),
            "issuing_authority": cert.issuing_authority,
            "level": cert.level,
            "score": cert.score,
        },
        images=[
            {
                "thumb_320": _image_url(im, "320"),
                "thumb_960": _image_url(im, "960"),
                "original": _image_url(im, "original"),
                "width": im.width,
                "height": im.height,
                "alt": im.alt_text,
            }
            for im in product.images
        ],
        qr_url=url_for("catalog.product_qr", slug=product.slug, _external=True),
    )
    return data
