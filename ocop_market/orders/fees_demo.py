"""The demo's shipping fee table and its listings' packed weights (orders/fees.py)."""
from __future__ import annotations

import re

from sqlalchemy import select

from ..accounts.models import User
from ..catalog.models import Product
from ..extensions import db
from . import fees

_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|g|ml|l|lít)\b", re.IGNORECASE)


def packed_grams(unit: str) -> int:
    """A demo listing's packed weight from its unit ("gói 500g" → 550, "chai 750ml" → 1.150 with the glass):
    the goods plus a tenth for the bag or box, a bottle's glass more. 500 g when the unit names no amount."""
    m = _AMOUNT.search(unit or "")
    if not m:
        return 500
    amount = float(m.group(1).replace(",", "."))
    kind = m.group(2).lower()
    grams = amount * (1000 if kind in ("kg", "l", "lít") else 1)
    packed = grams * 1.1 + (400 if kind in ("ml", "l", "lít") else 0)
    return max(1, min(50_000, int(round(packed, -1))))


def seed_demo_fees(staff: User | None) -> bool:
    """The suggested table, saved by the demo's staff once, and a weight for each demo listing left at the
    default. After the demo's past orders, which were placed at the flat fee before the table existed."""
    for product in db.session.scalars(select(Product).where(Product.weight_grams == 500)):
        product.weight_grams = packed_grams(product.unit)
    if fees.current_input() is not None:
        return False
    fees.save_table(fees.default_input(), staff)
    return True
