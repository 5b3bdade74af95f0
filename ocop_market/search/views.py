"""Search page; until the search backend lands it lists public products matching the folded name."""
from __future__ import annotations

from flask import render_template, request

from ..catalog import services
from ..catalog.models import Product
from ..extensions import db
from ..text import fold


def search_page():
    q = (request.args.get("q") or "").strip()[:200]
    items = []
    if q:
        folded = fold(q)
        items = [p for p in db.session.scalars(services.public_products().order_by(Product.created_at.desc())) if folded in fold(p.name)]
    return render_template("catalog/search.html", q=q, items=items[:48], total=len(items))
