"""What both engines of the benchmark share: the query type, the result type and the fixed query mix."""
from __future__ import annotations

from dataclasses import dataclass, field

FACETS = ("group", "stars", "province")


@dataclass(frozen=True)
class BenchQuery:
    label: str
    cls: str  #: selective | broad | typo | filtered | browse
    q: str = ""
    group: str | None = None
    stars: int | None = None
    province: str | None = None  #: province slug
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    sort: str = "relevance"

    @property
    def diacritics(self) -> bool:
        return any(ord(ch) > 127 for ch in self.q)

    def describe(self) -> str:
        parts = [f'"{self.q}"' if self.q else "(no text)"]
        for name in ("group", "stars", "province"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)}")
        if self.min_price is not None or self.max_price is not None:
            parts.append(f"price={self.min_price or 0}–{self.max_price or '∞'}")
        if self.in_stock:
            parts.append("in_stock")
        if self.sort != "relevance":
            parts.append(f"sort={self.sort}")
        return " ".join(parts)


@dataclass
class EngineResult:
    ids: list[int]  #: top 10 in order
    total: int
    facets: dict[str, dict] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


# Every query computes top-10 + total + the three facet dimensions (each with the other filters applied).
QUERY_MIX = [
    # Selective: a named product, under 2 % of the catalogue.
    BenchQuery("hat-de-tk", "selective", "hat de trung khanh"),
    BenchQuery("hat-de-tk-dia", "selective", "hạt dẻ trùng khánh"),
    BenchQuery("mien-dong", "selective", "mien dong"),
    BenchQuery("duong-phen-dia", "selective", "đường phèn"),
    BenchQuery("trau-gac-bep", "selective", "thit trau gac bep"),
    BenchQuery("shan-tuyet-dia", "selective", "chè shan tuyết"),
    BenchQuery("ruou-ngo", "selective", "ruou ngo"),
    BenchQuery("ca-phe-dia", "selective", "cà phê"),
    BenchQuery("ca-phe-dak-lak", "selective", "ca phe dak lak"),
    # Broad: a fifth to a third of the catalogue matches (description words).
    BenchQuery("mat-ong", "broad", "mat ong"),
    BenchQuery("che", "broad", "che"),
    BenchQuery("dac-san", "broad", "đặc sản"),
    BenchQuery("san-pham-truyen-thong", "broad", "san pham truyen thong"),
    BenchQuery("qua-tet", "broad", "qua bieu tet"),
    # Typos (edit distance 1 on a 4+ letter syllable).
    BenchQuery("typo-phem", "typo", "duong phem"),
    BenchQuery("typo-tuyeet", "typo", "shan tuyeet"),
    BenchQuery("typo-thout", "typo", "ca phe buon ma thuat"),
    # Filters (+ facets with the other filters).
    BenchQuery("mat-ong-food-4s", "filtered", "mat ong", group="food", stars=4),
    BenchQuery("ca-phe-price-stock", "filtered", "ca phe", min_price=100_000, max_price=300_000, in_stock=True),
    BenchQuery("gao-db-5s", "filtered", "gao", province="dien-bien", stars=5),
    BenchQuery("che-tq-price-asc", "filtered", "che", province="tuyen-quang", sort="price_asc"),
    BenchQuery("san-pham-herbal-stock", "filtered", "san pham", group="herbal", in_stock=True, sort="newest"),
    # Browse: no text, filters only.
    BenchQuery("browse-all-newest", "browse", "", sort="newest"),
    BenchQuery("browse-cb-food", "browse", "", province="cao-bang", group="food", sort="price_desc"),
]


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation): p95 of 20 samples is the 19th smallest."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]
