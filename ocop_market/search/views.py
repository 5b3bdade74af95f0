"""The search page (/tim-kiem): parse -> search service -> load the shown rows -> render.

Its own blueprint: search builds on catalog (rows, groups), catalog never calls up into search.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from ..catalog import services
from ..catalog.models import Product
from ..extensions import db
from ..money import format_number, format_vnd
from ..places import province_names
from ..response_cache import cached_for_visitors
from ..templating import current_lang
from .highlight import snippet
from .service import get_search
from .types import InvalidSearchParameter, SearchQuery

bp = Blueprint("search", __name__)

PARAMS = ("q", "group", "stars", "province", "min_price", "max_price", "in_stock", "sort")
SORT_LABELS = {
    "relevance": "Liên quan nhất",
    "newest": "Mới nhất",
    "best_selling": "Bán chạy",
    "top_rated": "Đánh giá cao",
    "price_asc": "Giá tăng dần",
    "price_desc": "Giá giảm dần",
    "stars": "Nhiều sao OCOP nhất",
}


def _current_args(query: SearchQuery) -> dict:
    values = {
        "q": query.q or None, "group": query.group, "stars": query.stars, "province": query.province,
        "min_price": query.min_price, "max_price": query.max_price, "in_stock": 1 if query.in_stock else None,
        "sort": query.sort if query.sort != "relevance" else None,
    }
    return {k: v for k, v in values.items() if v is not None}


def _url(args: dict, **changes) -> str:
    merged = {**args, **changes}
    return url_for("search.search", **{k: v for k, v in merged.items() if v is not None})


def _read_query(args: MultiDict) -> tuple[SearchQuery, dict[str, str]]:
    """The query string as a SearchQuery, leaving out what cannot be read: {parameter: message} says what was left
    out, so the page shows the rest of the search with the message beside the field (and answers 400)."""
    args = MultiDict(args)
    errors: dict[str, str] = {}
    per_page = current_app.config.get("PRODUCTS_PER_PAGE", 24)
    while True:
        try:
            return SearchQuery.from_args(args, per_page=per_page), errors
        except InvalidSearchParameter as err:
            if err.parameter in errors or err.parameter not in args:  # pragma: no cover - each refusal names one
                raise
            errors[err.parameter] = err.message
            args.poplist(err.parameter)


@bp.get("/tim-kiem")
@cached_for_visitors
def search():
    query, errors = _read_query(request.args)
    service = get_search()
    result = service.query(query)
    if result.total and query.page > result.pages:
        abort(404)
    rows = {p.id: p for p in db.session.scalars(services.public_products().where(Product.id.in_(result.ids)))}
    # The index may lag a commit by a moment: skip a hit whose row is no longer public.
    items = [
        {
            "product": rows[h.id],
            "name": Markup(h.highlights.get("name") or ""),
            "snippet": snippet(rows[h.id].description, result.terms) if result.terms else Markup(""),
        }
        for h in result.hits if h.id in rows
    ]

    args = _current_args(query)
    groups = {g.code: g for g in services.groups()}
    province_slugs = set(result.facets["province"]) | ({query.province} if query.province else set())
    names = province_names()
    provinces = {slug: names[slug] for slug in province_slugs if slug in names}
    facets = {
        "group": [(groups[c].name(current_lang()) if c in groups else c, n, _url(args, group=c, page=None), c == query.group)
                  for c, n in result.facets["group"].items()],
        "stars": [(s, n, _url(args, stars=s, page=None), s == query.stars) for s, n in result.facets["stars"].items()],
        "province": [(provinces.get(s, s), n, _url(args, province=s, page=None), s == query.province)
                     for s, n in sorted(result.facets["province"].items(), key=lambda t: (-t[1], provinces.get(t[0], t[0])))],
    }
    active = []
    if query.group:
        active.append((groups[query.group].name(current_lang()) if query.group in groups else query.group, _url(args, group=None)))
    if query.stars:
        active.append((_("OCOP %(n)s sao", n=query.stars), _url(args, stars=None)))
    if query.province:
        active.append((provinces.get(query.province, query.province), _url(args, province=None)))
    if query.min_price is not None:
        active.append((_("Giá từ %(v)s", v=format_vnd(query.min_price)), _url(args, min_price=None)))
    if query.max_price is not None:
        active.append((_("Giá đến %(v)s", v=format_vnd(query.max_price)), _url(args, max_price=None)))
    if query.in_stock:
        active.append((_("Còn hàng"), _url(args, in_stock=None)))

    popular = []
    suggestion_url = None
    if not items:
        browse = service.query(SearchQuery(per_page=1))
        popular = [(groups[c], n) for c, n in browse.facets["group"].items() if c in groups][:6]
    if result.suggestion:
        suggestion_url = _url(args, q=result.suggestion, page=None)
    # A price the shopper typed stays in its field as typed when it could not be read, else as "100.000".
    typed = {name: (request.args.get(name, "")[:40] if name in errors
                    else format_number(value) if value is not None else "")
             for name, value in (("min_price", query.min_price), ("max_price", query.max_price))}
    return render_template(
        "search/results.html", query=query, result=result, items=items, facets=facets, active=active,
        args=args, popular=popular, suggestion_url=suggestion_url,
        sorts=[(k, _(v)) for k, v in SORT_LABELS.items()],
        clear_url=_url({"q": query.q or None}), errors=errors, typed=typed,
        other_errors=[m for name, m in errors.items() if name not in ("min_price", "max_price")],
    ), 400 if errors else 200
