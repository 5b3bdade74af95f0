"""Where the free-promotion work plugs into the public pages (filled by the promotions domain).

Each function returns the live items of one placement (objects with `.product` and `.link`, the tagged
click URL) and counts their impressions; it never fails a page: on any error the page shows no promotion.
"""
from __future__ import annotations

from flask import current_app


def _items(placement_code: str, query: str | None = None) -> list:
    try:
        from .promotions import services, tracking

        items = services.live_items(placement_code, query)
        tracking.count_impressions(items)
        return items
    except Exception:  # promotion is an extra: the page must render without it
        current_app.logger.exception("promotion placement %s could not be filled", placement_code)
        from .extensions import db

        db.session.rollback()
        return []


def featured_for_home() -> list:
    return _items("home")


def featured_for_group(group_code: str) -> list:
    return _items(f"group_{group_code}")


def featured_for_search(query: str | None) -> list:
    if not query or not query.strip():
        return []
    return _items("search", query)
