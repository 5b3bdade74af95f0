"""VND amounts: whole đồng as integers, never floats."""
from __future__ import annotations

from babel.numbers import format_currency


def format_vnd(amount: int | None, locale: str = "vi_VN") -> str:
    """125000 -> '125.000 ₫' (dot separator, no-break space, symbol after) in Vietnamese."""
    if amount is None:
        return ""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("VND amounts are whole numbers of đồng")
    return format_currency(amount, "VND", locale=locale)


def format_number(n: int) -> str:
    """1234567 -> '1.234.567': whole numbers with dots between thousands, as Vietnamese write them (messages,
    charts, CSV notes); amounts on pages go through `format_vnd`."""
    return f"{int(n):,}".replace(",", ".")


def parse_vnd(raw: str) -> int:
    """Accept '125000', '125.000', '125,000', '125 000 ₫'; refuse fractions and negatives."""
    cleaned = (raw or "").replace("₫", "").replace("đ", "").replace("VND", "").strip()
    cleaned = cleaned.replace(".", "").replace(",", "").replace(" ", "").replace("\u00a0", "")
    if not cleaned.isdigit():
        raise ValueError("not a whole non-negative amount of đồng")
    return int(cleaned)
