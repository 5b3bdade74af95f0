"""The search interface's value types: what callers pass in and get back (no engine here), and the one reading
of a query string, for the search page and the JSON API alike."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..catalog.models import OCOP_GROUPS
from ..errors import InvalidInput
from ..money import format_vnd, parse_typed_price
from ..paging import MAX_PAGE
from ..routing import parse_whole
from ..text import nfc

#: "best_selling" (Bán chạy): most units delivered first (Product.sold_count), ties the newest listing (highest id)
#: "top_rated" (Đánh giá cao): the highest buyers' average first, then the most reviews, ties the newest listing
SORTS = ("relevance", "price_asc", "price_desc", "newest", "stars", "best_selling", "top_rated")
GROUP_CODES = tuple(code for code, _vi, _en in OCOP_GROUPS)
STARS = (3, 4, 5)
MAX_QUERY_LENGTH = 200
MAX_PRICE = 2_000_000_000  # the products table refuses anything above this
MAX_PER_PAGE = 100
_PROVINCE_SLUG = re.compile(r"^[a-z0-9-]{1,80}$")


class InvalidSearchParameter(InvalidInput):
    """A query parameter that cannot be searched; `parameter` names it.

    `message` is worded for a shopper (the search page shows it). The JSON API words the refusal for a
    developer from `parameter` (api/params.py: what the parameter accepts), except where `rule` says the refusal
    is about something else: "control" (a control character in it), "order" (a price range whose minimum is above
    its maximum, which only the search page refuses)."""

    def __init__(self, parameter: str, message: str, rule: str = "value"):
        super().__init__(message, parameter=parameter)
        self.parameter = parameter
        self.rule = rule


TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")
_MAX_NUMBER = 10**20 - 1  # at most 20 digits: int() of 5000 digits is refused (a 500), and every bound is far below


def _raw(args: Mapping[str, str], name: str, exact: bool) -> str | None:
    """The parameter as sent, None when absent. Exact (the API): a control character (NUL, U+0085, BEL…) is never
    part of a word, a code or a number — refused, naming the parameter, as the OpenAPI patterns say."""
    raw = args.get(name)
    if raw is not None and exact and any(unicodedata.category(ch) == "Cc" for ch in raw):
        raise InvalidSearchParameter(name, _("Giá trị của %(p)s chứa ký tự điều khiển không hợp lệ.", p=name),
                                     rule="control")
    return raw


def _code(args: Mapping[str, str], name: str, exact: bool) -> str | None:
    """A code (group, province, sort, in_stock) or a number: exact, as sent, so "" or " 2" is refused like
    any other value the document does not list; otherwise (the search box) trimmed, and empty is absent."""
    raw = _raw(args, name, exact)
    if raw is None or exact:
        return raw
    return nfc(raw).strip() or None


def _integer(args: Mapping[str, str], name: str, exact: bool) -> int | None:
    """Plain ASCII digits (routing.parse_whole: isdigit() alone accepts "²", which int() refuses) or nothing."""
    raw = _code(args, name, exact)
    if raw is None:
        return None
    value = parse_whole(raw, 0, _MAX_NUMBER) if raw == raw.strip() else None
    if value is None:
        raise InvalidSearchParameter(name, _shopper_words(name))
    return value


def _shopper_words(name: str) -> str:
    """What the search page says about a number it cannot read: the thing's name as the shopper sees it, never
    the parameter's (the API words its own refusal from `parameter`)."""
    words = {"page": _("Số trang không hợp lệ."), "stars": _("Số sao phải là 3, 4 hoặc 5."),
             "per_page": _("Số sản phẩm mỗi trang không hợp lệ."), "min_price": _("Giá phải là số nguyên không âm."),
             "max_price": _("Giá phải là số nguyên không âm.")}
    return words.get(name) or _("Có một giá trị trong địa chỉ trang không hợp lệ.")


def _price(args: Mapping[str, str], name: str, exact: bool) -> int | None:
    """A price bound. Exact (the API): plain digits. The search box reads it as people type it (money.parse_typed_price:
    "100.000", "100 000", "100k", "1,5tr"), and says what it could not read in a shopper's words."""
    if exact:
        return _integer(args, name, exact)
    raw = _code(args, name, exact)
    if raw is None:
        return None
    try:
        value = parse_typed_price(raw)
    except ValueError:
        raise InvalidSearchParameter(name, _("Chưa hiểu giá “%(v)s”. Hãy gõ số tiền, ví dụ 100.000, 100 000 hoặc 100k.",
                                             v=raw[:30])) from None
    if value > MAX_PRICE:
        raise InvalidSearchParameter(name, _("Giá cao nhất có thể tìm là %(v)s.", v=format_vnd(MAX_PRICE)))
    return value


def query_text(args: Mapping[str, str], exact: bool = False) -> str:
    """The typed words, `q`, NFC and trimmed. Longer than MAX_QUERY_LENGTH: cut for the search box, refused when
    exact (the API, whose callers can be told; the limit counts what was sent, as the OpenAPI maxLength does)."""
    raw = _raw(args, "q", exact) or ""
    if exact and len(raw) > MAX_QUERY_LENGTH:
        raise InvalidSearchParameter("q", _("Từ khoá tìm kiếm dài tối đa %(n)s ký tự.", n=MAX_QUERY_LENGTH))
    return nfc(raw).strip()[:MAX_QUERY_LENGTH]


@dataclass(frozen=True)
class SearchQuery:
    """The one query model: the search page and the JSON API read their query strings with `from_args`,
    code builds one directly; either way the values are checked here."""

    q: str = ""
    group: str | None = None
    stars: int | None = None
    province: str | None = None  #: province slug, e.g. "cao-bang" (the key the facet counts use)
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    #: "relevance" without words orders newest first on every engine
    sort: str = "relevance"
    page: int = 1
    per_page: int = 24

    def __post_init__(self):
        if self.sort not in SORTS:
            raise InvalidSearchParameter("sort", _("Cách sắp xếp không hợp lệ."))
        if self.group is not None and self.group not in GROUP_CODES:
            raise InvalidSearchParameter("group", _("Nhóm sản phẩm không hợp lệ."))
        if self.stars is not None and self.stars not in STARS:
            raise InvalidSearchParameter("stars", _("Số sao phải là 3, 4 hoặc 5."))
        if self.province is not None and not _PROVINCE_SLUG.match(self.province):
            raise InvalidSearchParameter("province", _("Tỉnh/thành phố không hợp lệ."))
        for name in ("min_price", "max_price"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int) and 0 <= value <= MAX_PRICE):
                raise InvalidSearchParameter(name, _("Giá phải là số nguyên không âm."))
        if not (isinstance(self.page, int) and 1 <= self.page <= MAX_PAGE):
            raise InvalidSearchParameter("page", _("Số trang không hợp lệ."))
        if not (isinstance(self.per_page, int) and 1 <= self.per_page <= MAX_PER_PAGE):
            raise InvalidSearchParameter("per_page", _("Số sản phẩm mỗi trang không hợp lệ."))

    @property
    def empty_price_range(self) -> bool:
        """min_price above max_price: no price lies between, so nothing matches (SearchService answers an empty
        page; the search page refuses such a range when reading it, telling the shopper)."""
        return self.min_price is not None and self.max_price is not None and self.min_price > self.max_price

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, per_page: int = 24, max_per_page: int | None = None,
                  exact: bool = False, provinces: Container[str] | None = None) -> SearchQuery:
        """Read a query string; anything malformed raises InvalidSearchParameter (a 400).

        What differs between callers is said here, not parsed again elsewhere: `per_page` is the page size, and
        with `max_per_page` the `per_page` parameter is read (1 to that). `exact` (the JSON API, which does what
        its OpenAPI document says): codes and numbers exactly as the document lists them (no trimming or case
        folding; sent empty is not absent), control characters refused, an over-long `q` refused, a price range
        below its minimum an empty page; otherwise (the search box) values are trimmed, the province slug
        lower-cased, `q` cut, and a reversed range refused with the shopper told. `provinces`, the known slugs:
        an unknown one is refused (without it, a well-formed slug nobody has simply finds nothing).
        """
        province = _code(args, "province", exact)
        if province is not None and not exact:
            province = province.lower()
        if province is not None and provinces is not None and province not in provinces:
            raise InvalidSearchParameter("province", _("Tỉnh/thành phố không hợp lệ."))
        in_stock = _code(args, "in_stock", exact)
        if in_stock is not None and not exact:
            in_stock = in_stock.lower()
        if in_stock is not None and in_stock not in TRUE_WORDS + FALSE_WORDS:
            raise InvalidSearchParameter("in_stock", _("Lựa chọn “Chỉ hàng còn” không hợp lệ."))
        size = per_page
        if max_per_page is not None:
            asked = _integer(args, "per_page", exact)
            if asked is not None and not 1 <= asked <= max_per_page:
                raise InvalidSearchParameter("per_page", _("Số sản phẩm mỗi trang không hợp lệ."))
            size = per_page if asked is None else asked
        page = _integer(args, "page", exact)
        sort = _code(args, "sort", exact)
        query = cls(
            q=query_text(args, exact),
            group=_code(args, "group", exact),
            stars=_integer(args, "stars", exact),
            province=province,
            min_price=_price(args, "min_price", exact),
            max_price=_price(args, "max_price", exact),
            in_stock=in_stock in TRUE_WORDS,
            sort="relevance" if sort is None else sort,
            page=1 if page is None else page,
            per_page=size,
        )
        if query.empty_price_range and not exact:
            raise InvalidSearchParameter("max_price", _("Giá tối đa phải lớn hơn hoặc bằng giá tối thiểu."),
                                         rule="order")
        return query

    @property
    def has_filters(self) -> bool:
        return any(v not in (None, False) for v in (self.group, self.stars, self.province, self.min_price,
                                                     self.max_price, self.in_stock or None))


@dataclass(frozen=True)
class SearchHit:
    id: int
    score: float
    #: field -> HTML-safe string (escaped text, matches wrapped in <mark>); fields: name, producer, place.
    #: Computed when read (planner.Highlights): a page pays only for what it shows.
    highlights: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    #: {"group": {code: n}, "stars": {3: n, 4: n, 5: n}, "province": {slug: n}}; each dimension counted
    #: with every *other* active filter applied, so a facet link shows what clicking it would give
    facets: dict[str, dict]
    #: "Bạn có muốn tìm: …" — a corrected query built from the index's own words, or None
    suggestion: str | None = None
    #: folded words that matched (fuzzy expansions included), for highlighting other text
    terms: tuple[str, ...] = ()
    #: which matching tier answered: "browse", "name", "all", "relaxed", "fuzzy" or "any"
    tier: str = "name"
    #: tier "relaxed": the words let go, as typed ("đặc sản"), and the words still required ("cao bằng")
    relaxed: str | None = None
    relaxed_to: str | None = None

    @property
    def ids(self) -> list[int]:
        return [h.id for h in self.hits]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Suggestion:
    id: int
    name: str
    slug: str
