"""The search interface's value types: what callers pass in and get back. No whoosh here."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..catalog.models import OCOP_GROUPS
from ..errors import InvalidInput

SORTS = ("relevance", "price_asc", "price_desc", "newest", "stars")
GROUP_CODES = tuple(code for code, _vi, _en in OCOP_GROUPS)
STARS = (3, 4, 5)
MAX_QUERY_LENGTH = 200
MAX_PAGE = 10_000
MAX_PRICE = 2_000_000_000
_PROVINCE_SLUG = re.compile(r"^[a-z0-9-]{1,80}$")


class InvalidSearchParameter(InvalidInput):
    """A bad filter, sort or page; `param` names it (the JSON API reports it)."""

    def __init__(self, param: str, message: str):
        super().__init__(message, param=param)
        self.param = param


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    group: str | None = None
    stars: int | None = None
    province: str | None = None  #: province slug, e.g. "cao-bang"
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
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
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise InvalidSearchParameter("max_price", _("Giá tối đa phải lớn hơn hoặc bằng giá tối thiểu."))
        if not (isinstance(self.page, int) and 1 <= self.page <= MAX_PAGE):
            raise InvalidSearchParameter("page", _("Số trang không hợp lệ."))
        if not (isinstance(self.per_page, int) and 1 <= self.per_page <= 100):
            raise InvalidSearchParameter("per_page", _("Số sản phẩm mỗi trang không hợp lệ."))

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, per_page: int = 24, max_per_page: int = 60,
                  allow_per_page: bool = False) -> SearchQuery:
        """Parse request arguments; anything malformed raises InvalidSearchParameter (a 400)."""

        def text(name: str) -> str | None:
            value = (args.get(name) or "").strip()
            return value or None

        def integer(name: str, low: int, high: int) -> int | None:
            raw = text(name)
            if raw is None:
                return None
            if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
                raise InvalidSearchParameter(name, _("Giá trị của “%(p)s” không hợp lệ.", p=name))
            return int(raw)

        in_stock_raw = (text("in_stock") or "").lower()
        if in_stock_raw not in ("", "0", "1", "true", "false", "on"):
            raise InvalidSearchParameter("in_stock", _("Giá trị của “%(p)s” không hợp lệ.", p="in_stock"))
        size = per_page
        if allow_per_page:
            size = integer("per_page", 1, max_per_page) or per_page
        return cls(
            q=(args.get("q") or "").strip()[:MAX_QUERY_LENGTH],
            group=text("group"),
            stars=integer("stars", 0, 99),
            province=text("province"),
            min_price=integer("min_price", 0, MAX_PRICE),
            max_price=integer("max_price", 0, MAX_PRICE),
            in_stock=in_stock_raw in ("1", "true", "on"),
            sort=text("sort") or "relevance",
            page=integer("page", 1, MAX_PAGE) or 1,
            per_page=size,
        )

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
