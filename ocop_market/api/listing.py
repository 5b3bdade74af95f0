"""Where the API's product list and suggestions come from: the search service.

The search page and the API ask the same service (ocop_market.search) the same question, so they
agree on matches, order, facets and the "did you mean" suggestion. Rows are then loaded from the
catalog tables through `public_products()`, so a product that stopped being public since the index
last caught up is never shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog import services
from ..catalog.models import Product
from ..extensions import db
from ..promotions.live import promoted_product_ids
from ..search import SearchQuery, Suggestion, get_search


@dataclass
class Listing:
    items: list[Product]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None


def _load_public(ids: list[int]) -> list[Product]:
    if not ids:
        return []
    rows = {p.id: p for p in db.session.scalars(services.public_products().where(Product.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def _facet_counts(facets: dict) -> dict[str, dict[str, int]]:
    # JSON object keys are strings: stars 4 becomes "4". Zero counts say nothing a client can click.
    return {
        name: {str(key): int(n) for key, n in (facets.get(name) or {}).items() if n}
        for name in ("group", "stars", "province")
    }


def find_products(query: SearchQuery) -> Listing:
    result = get_search().query(query)
    return Listing(
        items=_load_public(result.ids),
        total=result.total,
        facets=_facet_counts(result.facets),
        suggestion=result.suggestion,
    )


def suggest(prefix: str, limit: int) -> list[Suggestion]:
    return get_search().suggest(prefix, limit)[:limit]


def promoted_among(product_ids: list[int]) -> set[int]:
    """Which of these products sit in a live free-promotion placement.

    Live means: this week's active allocation, listing still public and in stock (promotions.live).
    """
    return promoted_product_ids(product_ids)
