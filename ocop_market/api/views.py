"""API v1 routes. Thin: parse the query string, ask one service, serialise."""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from ..catalog import services
from ..catalog.models import Product
from ..errors import NotFound
from ..extensions import db
from ..places import province_names
from ..promotions import placements
from ..response_cache import cached_for_visitors
from . import bp, listing
from .openapi import openapi_document
from .params import parse_product_query, parse_suggest_prefix
from .serialize import product_detail, product_summary

SUGGEST_LIMIT = 8


def _province_slugs() -> frozenset[str]:
    return frozenset(province_names())


@bp.get("/products")
@cached_for_visitors
def products():
    query = parse_product_query(request.args, _province_slugs())
    result = listing.find_products(query)
    promoted = listing.promoted_among([p.id for p in result.items])
    return jsonify(
        items=[product_summary(p, promoted=p.id in promoted) for p in result.items],
        total=result.total,
        page=query.page,
        per_page=query.per_page,
        facets=result.facets,
        suggestion=result.suggestion,
    )


@bp.get("/products/<id:product_id>")
@cached_for_visitors
def product(product_id: int):
    found = db.session.scalar(services.public_products().where(Product.id == product_id))
    if found is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    return jsonify(product_detail(found, promoted=found.id in listing.promoted_among([found.id])))


@bp.get("/search/suggest")
def suggest():
    prefix = parse_suggest_prefix(request.args)
    items = listing.suggest(prefix, SUGGEST_LIMIT) if len(prefix) >= 2 else []
    return jsonify(items=[
        {"name": p.name, "url": url_for("catalog.product_detail", slug=p.slug, _external=True)} for p in items
    ])


@bp.get("/openapi.json")
def openapi():
    response = jsonify(openapi_document(_province_slugs(), placements.placement_codes()))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
