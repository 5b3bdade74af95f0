"""VND amounts: whole đồng as integers, never floats."""
from __future__ import annotations

import functools
import re
import unicodedata

from babel.numbers import format_currency


def format_vnd(amount: int | None, locale: str = "vi_VN") -> str:
    """125000 -> '125.000 ₫' (dot separator, no-break space, symbol after) in Vietnamese."""
    if amount is None:
        return ""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("VND amounts are whole numbers of đồng")
    return _formatted_vnd(amount, locale)


@functools.lru_cache(maxsize=8192)
def _formatted_vnd(amount: int, locale: str) -> str:
    # Babel's currency formatting costs ~0.1-0.2 ms a call, a card's price on every page; prices repeat across
    # cards and pages, so each process formats each (amount, language) once.
    return format_currency(amount, "VND", locale=locale)


def format_number(n: int) -> str:
    """1234567 -> '1.234.567': whole numbers with dots between thousands, as Vietnamese write them (messages,
    charts, CSV notes); amounts on pages go through `format_vnd`."""
    return f"{int(n):,}".replace(",", ".")


def format_decimal(value: float, places: int = 2, lang: str = "vi") -> str:
    """An index or a mean, 0.5012345 -> '0,50' in Vietnamese (decimal comma, dots between thousands),
    '0.50' in English; rounded half away from zero, never a raw float on a page."""
    text = f"{float(value):,.{places}f}"
    if lang == "en":
        return text
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def format_rate_bp(bp: int | None, lang: str = "vi") -> str:
    """A rate held in basis points: 6906 -> '69,06 %' in Vietnamese (decimal comma, a space before the sign),
    '69.06%' in English; None (nothing to divide by) -> '—'."""
    if bp is None:
        return "—"
    sign, bp = ("-", -bp) if bp < 0 else ("", bp)
    whole = format_number(bp // 100)
    if lang == "en":
        return f"{sign}{whole.replace('.', ',')}.{bp % 100:02d}%"
    return f"{sign}{whole},{bp % 100:02d} %"


def share_bp(share: float) -> int:
    """A share as a fraction (0.7259) in basis points (7259), rounded half up, for `format_rate_bp`."""
    return int(float(share) * 10000 + 0.5)


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


#: What a shopper may write after the number: thousands and millions, the way prices are spoken and typed.
_MULTIPLIERS = {"k": 1_000, "nghìn": 1_000, "ngàn": 1_000, "n": 1_000, "tr": 1_000_000, "triệu": 1_000_000,
                "m": 1_000_000}
_CURRENCY = ("₫", "vnđ", "vnd", "đồng", "đ", "d")
_TYPED_PRICE = re.compile(r"^(?P<number>[0-9][0-9.,  \u00a0\u202f]*)(?P<unit>[^\W\d_]*)$")
_DECIMAL = re.compile(r"^([0-9]+)[.,]([0-9]{1,2})$")


def parse_typed_price(raw: str) -> int:
    """A price as people type it in a search box: '100.000', '100,000', '100 000', '100000 ₫', '100k', '100 nghìn',
    '1,5tr', '2 triệu'. Dots, commas and spaces between digit groups are thousands separators; with a k/tr word
    after it one decimal mark with one or two digits is a fraction ('1,5tr' = 1.500.000). Raises ValueError for
    anything else (negative numbers, letters, a fraction of a đồng)."""
    text = unicodedata.normalize("NFC", raw or "").strip().lower()
    for word in _CURRENCY:
        if text.endswith(word):
            text = text[: -len(word)].rstrip()
            break
    m = _TYPED_PRICE.match(text)
    if not m:
        raise ValueError("not a price")
    number, unit = m.group("number").rstrip(" \u00a0\u202f.,"), m.group("unit")
    if m.group("number").rstrip(" \u00a0\u202f") != number:  # '100.' or '100,' at the end: a stray mark
        raise ValueError("not a price")
    if unit and unit not in _MULTIPLIERS:
        raise ValueError("not a price")
    multiplier = _MULTIPLIERS.get(unit, 1)
    decimal = _DECIMAL.match(number) if unit else None
    if decimal:
        whole, fraction = decimal.groups()
        value = int(whole) * multiplier + int(fraction) * multiplier // 10 ** len(fraction)
        if int(fraction) * multiplier % 10 ** len(fraction):
            raise ValueError("a fraction of a đồng")
        return value
    groups = re.split(r"[.,  \u00a0\u202f]", number)
    # Separators only between groups of three ('1.000.000', '100 000'); '1.00' or '10,5' is no whole amount.
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        raise ValueError("not a whole amount")
    digits = "".join(groups)
    if len(digits) > 15:
        raise ValueError("too large")
    return int(digits) * multiplier


# ---------------------------------------------------------------- amounts in words (số tiền bằng chữ)
# A receipt or VAT invoice states its total in words as well as digits (Circular 78/2021/TT-BTC asks it of invoices),
# so a changed digit is caught. This is our own code and not a library's: num2words-style packages read Vietnamese
# digit by digit or miss the rules that make it Vietnamese — "linh" for a zero ten (105 = một trăm linh năm),
# "không trăm" for an inner group whose hundreds are zero (1.000.005 = một triệu không trăm linh năm), "mốt",
# "tư" and "lăm" after a ten (21, 24, 25), "mười" for ten itself, and billions that repeat (nghìn tỷ, tỷ tỷ).
# The northern forms are used ("linh", "nghìn"), as on the invoices of Hà Nội's tax office; the southern
# "lẻ"/"ngàn" read the same to anyone.
_DIGIT_WORDS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUP_SCALES = ("", "nghìn", "triệu")
_BILLION = 1_000_000_000


def _three_digits(n: int, inner: bool) -> list[str]:
    """0 < n < 1000. `inner`: a group after a larger one, which says its hundreds even when they are zero."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or inner:
        words += [_DIGIT_WORDS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(_DIGIT_WORDS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGIT_WORDS[units])
    else:
        words += [_DIGIT_WORDS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, _DIGIT_WORDS[units]))
    return words


def _below_billion(n: int, inner: bool) -> list[str]:
    """0 <= n < 10**9 as its millions, thousands and units; a zero group is not said."""
    words: list[str] = []
    groups = (n // 1_000_000, n // 1000 % 1000, n % 1000)
    for group, scale in zip(groups, reversed(_GROUP_SCALES), strict=True):
        if group:
            words += _three_digits(group, inner or bool(words))
            if scale:
                words.append(scale)
    return words


def _number_words(n: int, inner: bool = False) -> list[str]:
    if n < _BILLION:
        return _below_billion(n, inner)
    # A thousand billion is "nghìn tỷ", a billion billion "tỷ tỷ": the part above a billion is read as a number.
    billions, rest = divmod(n, _BILLION)
    return _number_words(billions, inner) + ["tỷ"] + _below_billion(rest, True)


def number_in_words(n: int) -> str:
    """1300000 -> 'một triệu ba trăm nghìn' (lower case, no currency); 0 -> 'không'."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("whole numbers only")
    if n < 0:
        raise ValueError("no negative amounts")
    return " ".join(_number_words(n)) if n else _DIGIT_WORDS[0]


def vnd_in_words(amount: int) -> str:
    """1300000 -> 'Một triệu ba trăm nghìn đồng', as a receipt writes its total in words."""
    text = number_in_words(amount) + " đồng"
    return text[0].upper() + text[1:]
