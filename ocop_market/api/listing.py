"""Where the API's product list comes from.

The search service (ocop_market/search) answers queries, filters, facets and sorts, so the API and the
search page agree. Until it is available, `_from_database` answers the same question from the catalog
tables (correct, but it reads every public product: only for small catalogs).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..catalog import services
from ..catalog.models import Product
from ..extensions import db
from ..text import fold
from .params import GROUP_CODES, STARS, ProductQuery


@dataclass
class Listing:
    items: list[Product]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None


def find_products(query: ProductQuery) -> Listing:
    return _from_database(query)


# ------------------------------------------------------------ database fallback
def _matches(p: Product, query: ProductQuery, skip: str | None = None) -> bool:
    if skip != "group" and query.group and p.group.code != query.group:
        return False
    if skip != "stars" and query.stars and p.ocop_stars != query.stars:
        return False
    if skip != "province" and query.province and p.producer.province.slug != query.province:
        return False
    if query.min_price is not None and p.price_vnd < query.min_price:
        return False
    if query.max_price is not None and p.price_vnd > query.max_price:
        return False
    return not (query.in_stock and not p.in_stock)


def _text_matches(p: Product, words: list[str]) -> bool:
    haystack = fold(" ".join((p.name, p.description, p.producer.name, p.producer.commune, p.producer.province.name)))
    return all(w in haystack for w in words)


_SORT_KEYS = {
    "newest": lambda p: (p.created_at, p.id),
    "price_asc": lambda p: (-p.price_vnd, p.id),  # reversed below, so ties stay newest first
    "price_desc": lambda p: (p.price_vnd, p.id),
    "stars": lambda p: (p.ocop_stars or 0, p.created_at, p.id),
}


def _relevance(words: list[str]):
    phrase = " ".join(words)

    def key(p: Product):
        name = fold(p.name)
        # A crude stand-in for the search engine's ranking: the phrase in the name, then all words in it.
        return (phrase in name, all(w in name for w in words), p.created_at, p.id)

    return key


def _from_database(query: ProductQuery) -> Listing:
    pool = list(db.session.scalars(services.public_products()))
    words = fold(query.q).split()
    if words:
        pool = [p for p in pool if _text_matches(p, words)]
    hits = [p for p in pool if _matches(p, query)]
    hits.sort(key=_relevance(words) if query.sort == "relevance" else _SORT_KEYS[query.sort], reverse=True)
    # Each facet counts what the other active filters leave, so a buyer sees what a click would give.
    facets = {
        "group": _count(pool, query, "group", lambda p: p.group.code, GROUP_CODES),
        "stars": _count(pool, query, "stars", lambda p: str(p.ocop_stars) if p.ocop_stars else None,
                        tuple(str(s) for s in STARS)),
        "province": _count(pool, query, "province", lambda p: p.producer.province.slug, None),
    }
    start = (query.page - 1) * query.per_page
    return Listing(items=hits[start:start + query.per_page], total=len(hits), facets=facets)


def _count(pool, query, name, key, known) -> dict[str, int]:
    counts = Counter(key(p) for p in pool if _matches(p, query, skip=name))
    counts.pop(None, None)
    if known is not None:
        counts = Counter({k: v for k, v in counts.items() if k in known})
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def suggest(prefix: str, limit: int) -> list[Product]:
    """Public products whose name has a word starting with the typed text, name starts first."""
    typed = fold(prefix).strip()
    if not typed:
        return []
    scored = []
    for p in db.session.scalars(services.public_products()):
        name = fold(p.name)
        if name.startswith(typed):
            scored.append((0, name, p.id, p))
        elif f" {typed}" in f" {name}":
            scored.append((1, name, p.id, p))
    scored.sort(key=lambda t: t[:3])
    seen, out = set(), []
    for *_, p in scored:
        if p.name not in seen:  # the same name from two producers is one suggestion
            seen.add(p.name)
            out.append(p)
        if len(out) == limit:
            break
    return out
