"""The JSON API's side of the one query model (`search.types.SearchQuery`, which the search page reads too).

What is the API's own: its page sizes; reading exactly what its OpenAPI document says (`exact=True`: codes as
listed, control characters refused, an over-long `q` refused, `max_price` below `min_price` an empty page);
refusing a province nobody has; and the wording of a refusal for a developer — what the parameter accepts (the
search page says it to a shopper). The JSON error shape is in `api/__init__.py`.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from ..search.types import (
    FALSE_WORDS,
    GROUP_CODES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_PRICE,
    MAX_QUERY_LENGTH,
    SORTS,
    STARS,
    TRUE_WORDS,
    InvalidSearchParameter,
    SearchQuery,
    query_text,
)

__all__ = [
    "BOOL_WORDS", "DEFAULT_PER_PAGE", "GROUP_CODES", "MAX_PAGE", "MAX_PER_PAGE", "MAX_PRICE", "MAX_QUERY_LENGTH",
    "SORTS", "STARS", "developer_message", "parse_product_query", "parse_suggest_prefix",
]

DEFAULT_PER_PAGE = 20
#: in_stock's words, as the OpenAPI document lists them
BOOL_WORDS = tuple(w for pair in zip(TRUE_WORDS, FALSE_WORDS, strict=True) for w in pair)


def parse_product_query(args: Mapping, province_slugs: frozenset[str] | set[str]) -> SearchQuery:
    """The list/search parameters; `province_slugs` is the set of known provinces."""
    return SearchQuery.from_args(args, per_page=DEFAULT_PER_PAGE, max_per_page=MAX_PER_PAGE, exact=True,
                                 provinces=province_slugs)


def parse_suggest_prefix(args: Mapping) -> str:
    return query_text(args, exact=True)


def developer_message(err: InvalidSearchParameter) -> str:
    """A refusal as the API words it: what the named parameter accepts."""
    if err.rule != "value":
        return err.message
    price = _("Giá phải là số nguyên VND từ 0 đến %(n)s.", n=MAX_PRICE)
    accepted = {
        "q": _("Từ khoá tìm kiếm dài tối đa %(n)s ký tự.", n=MAX_QUERY_LENGTH),
        "group": _("Nhóm sản phẩm không hợp lệ; dùng một trong: %(v)s.", v=", ".join(GROUP_CODES)),
        "stars": _("Số sao OCOP phải là 3, 4 hoặc 5."),
        "province": _("Không có tỉnh/thành này; dùng mã dạng “cao-bang”."),
        "min_price": price,
        "max_price": price,
        "in_stock": _("Giá trị của %(p)s phải là true hoặc false.", p="in_stock"),
        "sort": _("Cách sắp xếp không hợp lệ; dùng một trong: %(v)s.", v=", ".join(SORTS)),
        "page": _("Số trang phải là số nguyên từ 1 đến %(n)s.", n=MAX_PAGE),
        "per_page": _("Số sản phẩm mỗi trang phải từ 1 đến %(n)s.", n=MAX_PER_PAGE),
    }
    return accepted.get(err.parameter, err.message)
