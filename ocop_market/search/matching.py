"""What the query planner asks an engine: a small boolean tree over index terms, and how to score.

Every engine adapter (whoosh_backend, tantivy_backend, pg_backend) compiles the same tree into its own
query language: posting-set algebra, a tantivy `Query`, or SQL with `tsquery`s. The planner
(planner.py) never sees an engine's syntax, and an engine never decides what a query means.

Fields are the document fields of `documents.ProductFacts.document()`:

    name_f, meta_f, desc_f      folded words (name; producer and place; description)
    name_d, meta_d              words as written (canonical: lower case, one tone placement)
    name_bg, meta_bg, desc_bg   folded syllable pairs, "hat_de" (phrase proximity as plain terms)
    name_dbg                    name pairs as written, "cà_phê" (stored in name_bg by the file engines)
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FIELDS_NAME = ("name_f", "meta_f")
FIELDS_ALL = ("name_f", "meta_f", "desc_f")

# Ranking weights (query-time boosts). Name beats producer/place beats description; a syllable pair
# in the right order ("hạt dẻ") and a word typed with its diacritics add on top.
W_NAME, W_META, W_DESC = 3.0, 1.5, 0.5
W_NAME_BIGRAM, W_META_BIGRAM = 4.0, 1.5
W_NAME_EXACT, W_META_EXACT = 2.5, 0.8
W_DESC_BIGRAM = 1.0
W_FUZZY = 0.4  # a corrected word counts less than one typed right
W_SYNONYM = 0.8  # "coffee" for "cà phê": nearly as good as the word itself
W_RELAXED = 0.5  # a word the relaxed query no longer requires still counts where it is found
FIELD_WEIGHT = {"name_f": W_NAME, "meta_f": W_META, "desc_f": W_DESC}


@dataclass(frozen=True)
class Term:
    field: str
    token: str


@dataclass(frozen=True)
class All:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Term | All | AnyOf | Not


def all_of(parts: Iterable[Node]) -> Node:
    parts = tuple(dict.fromkeys(parts))
    return parts[0] if len(parts) == 1 else All(parts)


def any_of(parts: Iterable[Node]) -> Node:
    parts = tuple(dict.fromkeys(parts))
    return parts[0] if len(parts) == 1 else AnyOf(parts)


def terms_of(node: Node | None) -> list[Term]:
    """Every Term in the tree, in order (engines use it to prefetch posting lists or statistics)."""
    if node is None:
        return []
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return terms_of(node.part)
    return [t for p in node.parts for t in terms_of(p)]


@dataclass(frozen=True)
class Scoring:
    """How to order the hits of a relevance query.

    `weighted`: (field, token, weight) whose presence adds to a document's score (BM25-like in every
    engine: rarer terms and shorter fields count more). `promote`: hits matching it come before the
    others whatever their score (the planner's tiers: a phrase of the query before scattered words).
    """

    weighted: tuple[tuple[str, str, float], ...] = ()
    promote: Node | None = None


@dataclass(frozen=True)
class EngineHit:
    """One ranked hit with the stored fields the result page shows (no row reload needed for them)."""

    id: int
    score: float
    name: str
    producer: str
    place: str
    slug: str = ""

