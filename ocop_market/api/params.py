"""Query-string parsing for the JSON API: every bad value is refused with the parameter's name.

Nothing here touches the request directly except `product_query_from`, so the rules can be tested
on plain dicts.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from ..catalog.models import OCOP_GROUPS
from ..errors import InvalidInput
from ..text import nfc

GROUP_CODES = tuple(code for code, _vi, _en in OCOP_GROUPS)
SORTS = ("relevance", "price_asc", "price_desc", "newest", "stars")
STARS = (3, 4, 5)
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_PRICE = 2_000_000_000  # the products table refuses anything above this
MAX_QUERY_LENGTH = 200
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}
BOOL_WORDS = ("true", "false", "1", "0", "yes", "no", "on", "off")


class BadParameter(InvalidInput):
    """A query parameter the API cannot accept; the JSON error names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message, parameter=parameter)
        self.parameter = parameter


@dataclass(frozen=True)
class ProductQuery:
    q: str = ""
    group: str | None = None
    stars: int | None = None
    #: province slug, e.g. "cao-bang" (the same key the facet counts use)
    province: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    sort: str = "newest"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def empty_price_range(self) -> bool:
        """min_price above max_price: no price lies between, so no product matches (an empty page, not an error:
        an OpenAPI document cannot state a rule between two parameters, and the API does what it documents)."""
        return self.min_price is not None and self.max_price is not None and self.min_price > self.max_price


def _raw(args: Mapping, name: str) -> str | None:
    """The parameter as sent, or None when absent. A control character (NUL, U+0085, BEL…) is never part of a word,
    a code or a number: refused here, naming the parameter, as the OpenAPI document's patterns say."""
    raw = args.get(name)
    if raw is None:
        return None
    if any(unicodedata.category(ch) == "Cc" for ch in raw):
        raise BadParameter(name, _("Giá trị của %(p)s chứa ký tự điều khiển không hợp lệ.", p=name))
    return raw


def _text(args: Mapping, name: str) -> str:
    """Free text (the search words): NFC, outer spaces dropped."""
    return nfc(_raw(args, name) or "").strip()


def _code(args: Mapping, name: str) -> str | None:
    """A code from a fixed list (group, province, sort, in_stock): exactly as the document lists it, no trimming or
    case folding, so what the document refuses the API refuses too. Absent gives None."""
    return _raw(args, name)


def _int(args: Mapping, name: str, low: int, high: int, message: str) -> int | None:
    raw = _code(args, name)
    if raw is None:
        return None
    # isdigit() accepts "²" and other non-ASCII digits int() refuses; only plain ASCII digits here, and not so many
    # that int() itself refuses them (Python's 4300-digit limit).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 20:
        raise BadParameter(name, message)
    value = int(raw)
    if not low <= value <= high:
        raise BadParameter(name, message)
    return value


def parse_bool(args: Mapping, name: str) -> bool:
    raw = _code(args, name)
    if raw is None or raw in FALSE_WORDS:
        return False
    if raw in TRUE_WORDS:
        return True
    raise BadParameter(name, _("Giá trị của %(p)s phải là true hoặc false.", p=name))


def parse_product_query(args: Mapping, province_slugs: frozenset[str] | set[str]) -> ProductQuery:
    """Validate the list/search parameters. `province_slugs` is the set of known provinces."""
    q = _query_words(args)

    group = _code(args, "group")
    if group is not None and group not in GROUP_CODES:
        raise BadParameter("group", _("Nhóm sản phẩm không hợp lệ; dùng một trong: %(v)s.", v=", ".join(GROUP_CODES)))

    stars = _int(args, "stars", 3, 5, _("Số sao OCOP phải là 3, 4 hoặc 5."))

    province = _code(args, "province")
    if province is not None and province not in province_slugs:
        raise BadParameter("province", _("Không có tỉnh/thành này; dùng mã dạng “cao-bang”."))

    price_msg = _("Giá phải là số nguyên VND từ 0 đến %(n)s.", n=MAX_PRICE)
    min_price = _int(args, "min_price", 0, MAX_PRICE, price_msg)
    max_price = _int(args, "max_price", 0, MAX_PRICE, price_msg)

    in_stock = parse_bool(args, "in_stock")

    sort = _code(args, "sort")
    if sort is None:
        sort = "relevance" if q else "newest"
    if sort not in SORTS:
        raise BadParameter("sort", _("Cách sắp xếp không hợp lệ; dùng một trong: %(v)s.", v=", ".join(SORTS)))
    if sort == "relevance" and not q:
        # Without words to match, every product is equally relevant: newest first is the honest order.
        sort = "newest"

    page = _int(args, "page", 1, MAX_PAGE, _("Số trang phải là số nguyên từ 1 đến %(n)s.", n=MAX_PAGE))
    per_page = _int(args, "per_page", 1, MAX_PER_PAGE,
                    _("Số sản phẩm mỗi trang phải từ 1 đến %(n)s.", n=MAX_PER_PAGE))
    return ProductQuery(
        q=q, group=group, stars=stars, province=province, min_price=min_price, max_price=max_price,
        in_stock=in_stock, sort=sort, page=page or 1, per_page=per_page or DEFAULT_PER_PAGE,
    )


def _query_words(args: Mapping) -> str:
    # The limit counts what was sent, as the document's maxLength does (NFC may change the length).
    if len(_raw(args, "q") or "") > MAX_QUERY_LENGTH:
        raise BadParameter("q", _("Từ khoá tìm kiếm dài tối đa %(n)s ký tự.", n=MAX_QUERY_LENGTH))
    return _text(args, "q")


def parse_suggest_prefix(args: Mapping) -> str:
    return _query_words(args)
