"""The promotion boxes that catalog and search pages show, filled through their page slots (`ocop_market.slots`).

Each box counts the impressions of what it shows. Eligibility, rotation and the tagged click links are
`live.live_items`; this module only decides which placement a page's slot shows.
"""
from __future__ import annotations

from flask import Flask, render_template

from .. import slots
from . import live, report, tracking


def _items(placement_code: str, query: str | None = None) -> list[live.LiveItem]:
    items = live.live_items(placement_code, query)
    tracking.count_impressions(items)
    return items


def home_box(_slot: str) -> str:
    return render_template("promotions/_home_box.html", items=_items("home"))


def group_strip(_slot: str, group=None, page: int = 1) -> str | None:
    if group is None or page != 1:
        return None
    items = _items(f"group_{group.code}")
    return render_template("promotions/_strip.html", items=items) if items else None


def search_strip(_slot: str, query=None) -> str | None:
    if query is None or query.page != 1 or not query.q or not query.q.strip():
        return None
    items = _items("search", query.q)
    return render_template("promotions/_strip.html", items=items) if items else None


def producer_dashboard(_slot: str, producer=None) -> str | None:
    """On the producer's own dashboard: their promotion views, clicks and orders per week (theirs only)."""
    if producer is None:
        return None
    return render_template("promotions/_producer_weeks.html", weeks=report.producer_weeks(producer.id))


def init_app(app: Flask) -> None:
    slots.register("catalog.home", home_box)
    slots.register("catalog.list.top", group_strip)
    slots.register("search.results.top", search_strip)
    slots.register("catalog.producer.dashboard", producer_dashboard)
