"""Tiered prices (giá sỉ) of a listing: "from 50 packs, 42.000 ₫ a pack". Up to four tiers, quantities strictly
increasing and prices strictly decreasing, each below the list price.

Who gets them: everybody who buys that many, as on the Vietnamese shops buyers know ("mua nhiều giảm giá"). A
person may buy up to 99 of a product, so a tier from 100 reaches organisation buyers only; the product page shows
the same table to every visitor (the anonymous response cache stays right). The cart and checkout price every line
from here, on the server, from the row the stock UPDATE returned (orders/services.py). Pure functions."""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from ..errors import InvalidInput

MAX_TIERS = 4
#: the largest "from quantity" a tier may name: an organisation's most in one line (orders.models.MAX_CASE_QUANTITY)
MAX_TIER_QUANTITY = 10_000

Tier = tuple[int, int]


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_tiers(list_price_vnd: int, rows: Sequence[tuple[int | None, int | None]]) -> list[Tier]:
    """The filled rows of the listing form as stored tiers, or InvalidInput naming the row's field."""
    tiers: list[Tier] = []
    for n, (quantity, price) in enumerate(rows, start=1):
        if quantity is None and price is None:
            continue
        if quantity is None or price is None:
            raise InvalidInput(_("Bậc giá sỉ %(n)s cần cả số lượng và đơn giá.", n=n),
                               parameter=f"tier_{n}_{'quantity' if quantity is None else 'price'}")
        if not _whole(quantity) or not 2 <= quantity <= MAX_TIER_QUANTITY:
            raise InvalidInput(_("Số lượng của bậc giá sỉ phải là số nguyên từ 2 đến %(n)s.", n=MAX_TIER_QUANTITY),
                               parameter=f"tier_{n}_quantity")
        if not _whole(price) or not 0 < price < list_price_vnd:
            raise InvalidInput(_("Đơn giá sỉ phải lớn hơn 0 và thấp hơn giá bán lẻ."), parameter=f"tier_{n}_price")
        if tiers and (quantity <= tiers[-1][0] or price >= tiers[-1][1]):
            raise InvalidInput(_("Bậc sau phải có số lượng lớn hơn và đơn giá thấp hơn bậc trước."),
                               parameter=f"tier_{n}_quantity")
        tiers.append((quantity, price))
    if len(tiers) > MAX_TIERS:
        raise InvalidInput(_("Tối đa %(n)s bậc giá sỉ.", n=MAX_TIERS))
    return tiers


def stored(tiers: Sequence[Tier]) -> list[list[int]] | None:
    """What the JSON column holds: None without tiers."""
    return [[q, p] for q, p in tiers] or None


def tiers_of(raw) -> list[Tier]:
    """The tiers of a row as read back (a JSON list of pairs); anything malformed counts as no tier at all."""
    if not isinstance(raw, list):
        return []
    out: list[Tier] = []
    for pair in raw:
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(_whole(v) for v in pair)):
            return []
        out.append((pair[0], pair[1]))
    return out


def unit_price(list_price_vnd: int, raw_tiers, quantity: int) -> int:
    """The price of one unit when `quantity` are bought: the last tier reached, else the list price."""
    price = list_price_vnd
    for from_quantity, tier_price in tiers_of(raw_tiers):
        if quantity >= from_quantity and tier_price < price:
            price = tier_price
    return price
