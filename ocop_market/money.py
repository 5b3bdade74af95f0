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


def format_vnd_short(amount: int) -> str:
    """Compact VND where room is short (a chart's bar): 1.260.000 -> '1,3 tr', 391.000.000 -> '391 tr',
    2.5e9 -> '2,5 tỷ', 45.000 -> '45 n'."""
    if amount >= 1_000_000_000:
        return f"{amount / 1_000_000_000:.1f} tỷ".replace(".", ",")
    if amount >= 1_000_000:
        value = amount / 1_000_000
        return (f"{value:.1f}" if value < 10 else f"{value:.0f}").replace(".", ",") + " tr"
    if amount >= 1_000:
        return f"{amount // 1000} n"
    return str(amount)


def parse_vnd(raw: str) -> int:
    """Accept '125000', '125.000', '125,000', '125 000 ₫'; refuse fractions and negatives."""
    cleaned = (raw or "").replace("₫", "").replace("đ", "").replace("VND", "").strip()
    cleaned = cleaned.replace(".", "").replace(",", "").replace(" ", "").replace("\u00a0", "")
    if not cleaned.isdigit():
        raise ValueError("not a whole non-negative amount of đồng")
    return int(cleaned)
