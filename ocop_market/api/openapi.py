"""The OpenAPI 3.1 document for API v1, built from the same constants the parser enforces."""
from __future__ import annotations

from collections.abc import Iterable

from ..routing import MAX_ID
from .params import (
    BOOL_WORDS,
    DEFAULT_PER_PAGE,
    GROUP_CODES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_PRICE,
    MAX_QUERY_LENGTH,
    SORTS,
    STARS,
)

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


def _param(name: str, description: str, schema: dict, location: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": location, "required": required, "description": description, "schema": schema}


PRICE = {"type": "integer", "minimum": 0, "maximum": MAX_PRICE}
NULLABLE_STRING = {"type": ["string", "null"]}

#: the search words: any text but control characters (the parser refuses those, naming `q`)
QUERY_WORDS = {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": "^[^\\x00-\\x1F\\x7F-\\x9F]*$"}


def _list_parameters(province_slugs: Iterable[str]) -> list[dict]:
    return [
        _param("q", "Words to search for, with or without Vietnamese diacritics (\"hat de\" finds \"Hạt dẻ\"); "
                    "control characters (NUL, U+0085…) are refused.", QUERY_WORDS),
        _param("group", "OCOP product group code.", {"type": "string", "enum": list(GROUP_CODES)}),
        _param("stars", "Only products whose OCOP certificate is valid and has exactly this many stars.",
               {"type": "integer", "enum": list(STARS)}),
        _param("province", "Province slug as in the `province` field and facet keys, e.g. `cao-bang`, "
                           "`ha-noi`, `tp-ho-chi-minh` (the 34 provinces since 1 July 2025).",
               {"type": "string", "enum": list(province_slugs)}),
        _param("min_price", "Lowest price in VND (integer).", PRICE),
        _param("max_price", "Highest price in VND (integer). Below `min_price` the range holds no price: "
                            "an empty page.", PRICE),
        _param("in_stock", "Only products in stock: `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`.",
               {"type": "string", "enum": list(BOOL_WORDS), "default": "false"}),
        _param("sort", "Order of results. Default `relevance` with `q`, else `newest`; `relevance` without `q` "
                       "means `newest`. `best_selling`: the most units delivered to buyers first (the `sold` "
                       "field), ties the most recently listed first. `top_rated`: the highest average of buyers' "
                       "visible reviews first (`rating_average`, to two decimals), then the most reviews "
                       "(`rating_count`), then the most recently listed; products without a review last.",
               {"type": "string", "enum": list(SORTS)}),
        _param("page", "Page number, from 1. A page past the end returns no items.",
               {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
        _param("per_page", f"Items per page, at most {MAX_PER_PAGE}; larger values are refused with 400.",
               {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}),
    ]

COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string", "description": "Human-readable, in Vietnamese."},
                    "parameter": {"type": "string", "description": "The query parameter that was refused (400)."},
                },
            }
        },
    },
    "ProducerRef": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "ProductSummary": {
        "type": "object",
        "required": ["id", "slug", "name", "price_vnd", "unit", "stars", "group", "province", "commune",
                     "producer", "image_url", "url", "promoted"],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "price_vnd": {"type": "integer", "description": "Price in Vietnamese đồng, an integer."},
            "unit": {"type": "string", "description": "Selling unit, e.g. \"túi 500g\"."},
            "stars": {"type": ["integer", "null"], "enum": [*STARS, None],
                      "description": "OCOP stars while the certificate is valid, else null."},
            "group": {"type": "string", "enum": list(GROUP_CODES)},
            "province": {"type": "string", "description": "Province slug (the `province` filter's value)."},
            "province_name": {"type": "string"},
            "commune": {"type": "string"},
            "producer": _ref("ProducerRef"),
            "image_url": {"type": ["string", "null"], "format": "uri", "description": "320 px thumbnail (WebP)."},
            "url": {"type": "string", "format": "uri", "description": "The product's public page."},
            "in_stock": {"type": "boolean"},
            "sold": {"type": "integer", "minimum": 0,
                     "description": "Units delivered to buyers (\"Đã bán\"); `sort=best_selling` orders by it."},
            "rating_average": {"type": ["number", "null"], "minimum": 1, "maximum": 5,
                               "description": "Average stars of buyers' visible reviews, one decimal; null without one."},
            "rating_count": {"type": "integer", "minimum": 0,
                             "description": "Number of buyers' visible reviews; `sort=top_rated` orders by them."},
            "promoted": {"type": "boolean", "description": "Shown in a free promotion placement."},
        },
    },
    "Certificate": {
        "type": "object",
        "properties": {
            "stars": {"type": "integer", "enum": list(STARS)},
            "state": {"type": "string", "enum": ["valid", "expired", "under_review", "revoked"]},
            "decision_no": {"type": "string"},
            "decision_date": {"type": "string", "format": "date"},
            "expires_on": {"type": "string", "format": "date"},
            "issuing_authority": {"type": "string"},
            "level": {"type": "string", "enum": ["district", "province", "central"]},
            "score": {"type": ["integer", "null"]},
        },
    },
    "ProductDetail": {
        "allOf": [
            _ref("ProductSummary"),
            {
                "type": "object",
                "properties": {
                    "description": {"type": "string", "description": "Plain text; never HTML."},
                    "stock": {"type": "integer", "minimum": 0},
                    "group_name": {"type": "string"},
                    "producer": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"}, "name": {"type": "string"}, "slug": {"type": "string"},
                            "kind": {"type": "string"}, "province": {"type": "string"},
                            "province_name": {"type": "string"}, "commune": {"type": "string"},
                            "village": {"type": "string"}, "url": {"type": "string", "format": "uri"},
                        },
                    },
                    "certificate": {"oneOf": [_ref("Certificate"), {"type": "null"}],
                                    "description": "The latest certificate, whatever its state."},
                    "images": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "thumb_320": {"type": "string", "format": "uri"},
                            "thumb_960": {"type": "string", "format": "uri"},
                            "original": {"type": "string", "format": "uri"},
                            "width": {"type": "integer"}, "height": {"type": "integer"}, "alt": {"type": "string"},
                        },
                    }},
                    "qr_url": {"type": "string", "format": "uri"},
                },
            },
        ]
    },
    "ProductList": {
        "type": "object",
        "required": ["items", "total", "page", "per_page", "facets", "suggestion"],
        "properties": {
            "items": {"type": "array", "items": _ref("ProductSummary")},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "facets": {
                "type": "object",
                "description": "Counts per value; each facet respects every other active filter but its own.",
                "required": ["group", "stars", "province"],
                "properties": {
                    "group": {**COUNTS, "description": "Group code -> count."},
                    "stars": {**COUNTS, "description": "\"3\", \"4\", \"5\" -> count (valid certificates)."},
                    "province": {**COUNTS, "description": "Province slug -> count."},
                },
            },
            "suggestion": {**NULLABLE_STRING, "description": "\"Did you mean\" query when `q` found little."},
        },
    },
    "Suggestions": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "maxItems": 8, "items": {
            "type": "object", "required": ["name", "url"],
            "properties": {"name": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
        }}},
    },
}


def openapi_document(province_slugs: Iterable[str], placement_codes: Iterable[str]) -> dict:
    """The provinces and placements are the database's (the reference data every database starts with)."""
    common_errors = {"405": _error("Only GET is allowed."), "429": _error("Too many requests.")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OCOP Market API",
            "version": "1.0.0",
            "description": "Read-only JSON API over the public OCOP catalogue: only approved products of verified "
                           "producers. Errors are JSON `{\"error\": {\"status\", \"message\", \"parameter\"?}}`; "
                           "messages are in Vietnamese. Money is integer VND.",
        },
        "paths": {
            "/api/v1/products": {"get": {
                "operationId": "listProducts",
                "summary": "Search and filter public products, with facet counts.",
                "parameters": _list_parameters(sorted(province_slugs)),
                "responses": {
                    "200": {"description": "A page of products.", "content": {JSON: {"schema": _ref("ProductList")}}},
                    "400": _error("A parameter was refused; `error.parameter` names it."),
                    **common_errors,
                },
            }},
            "/api/v1/products/{id}": {"get": {
                "operationId": "getProduct",
                "summary": "One public product.",
                "parameters": [_param("id", "Product id.", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "path", True)],
                "responses": {
                    "200": {"description": "The product.", "content": {JSON: {"schema": _ref("ProductDetail")}}},
                    "404": _error("No such product, or it is not public."),
                    **common_errors,
                },
            }},
            "/api/v1/search/suggest": {"get": {
                "operationId": "suggestProducts",
                "summary": "Autocomplete: up to 8 product names for the typed text (2 characters or more).",
                "parameters": [_param("q", "Typed text, with or without diacritics.", QUERY_WORDS)],
                "responses": {
                    "200": {"description": "Suggestions.", "content": {JSON: {"schema": _ref("Suggestions")}}},
                    "400": _error("`q` is too long."),
                    **common_errors,
                },
            }},
            "/api/v1/promotions/live": {"get": {
                "operationId": "livePromotions",
                "summary": "Listings shown this week in a free-promotion placement, in today's order.",
                "parameters": [_param("placement", "Placement code: home, search or group_<group code>.",
                                      {"type": "string", "enum": list(placement_codes), "default": "home"})],
                "responses": {
                    "200": {"description": "Live items of the placement.", "content": {JSON: {"schema": {
                        "type": "object",
                        "properties": {
                            "placement": {"type": "string"}, "week": {"type": "string", "example": "2026-W49"},
                            "label": {"type": "string"},
                            "items": {"type": "array", "items": {"allOf": [_ref("ProductSummary"), {
                                "type": "object",
                                "properties": {"position": {"type": "integer"},
                                               "click_url": {"type": "string", "format": "uri"}},
                            }]}},
                        },
                    }}}},
                    "400": _error("Unknown placement."),
                    **common_errors,
                },
            }},
            "/api/v1/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.1 document.", "content": {JSON: {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {"schemas": SCHEMAS},
    }
