"""Index documents built from catalog rows; pure functions, no whoosh.

Folding happens here, in Python, with `ocop_market.text`: the index only splits on word characters.
That sidesteps Whoosh's own accent filters (order-sensitive `Ð`, NFD input) and keeps one
definition of "the same word" for slugs, queries and documents.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass

from ..catalog.models import rating_key
from ..text import canonical, fold, nfc
from .lexicon import split_units

# Words are runs of letters and digits; "_" separates too (it joins the syllables of a pair term),
# and a number written against its unit is two words ("1kg" = "1 kg").
_SPLIT = re.compile(r"[\W_]+", re.UNICODE)


# Catalogue text repeats a small vocabulary: fold each distinct word once per process, not each time
# it appears (document building and the suggestion text were spending most of their time here).
_fold_word = functools.lru_cache(maxsize=200_000)(fold)
_canonical_word = functools.lru_cache(maxsize=200_000)(canonical)


def _raw_words(s: str) -> list[str]:
    return [w for w in _SPLIT.split(nfc(s)) if w]


def folded_words(s: str) -> list[str]:
    return split_units([f for w in _raw_words(s) if (f := _fold_word(w))])


def canonical_words(s: str) -> list[str]:
    return split_units([c for w in _raw_words(s) if (c := _canonical_word(w))])


def fold_word(word: str) -> str:
    return _fold_word(word)


def bigrams(words: list[str]) -> list[str]:
    """Adjacent syllable pairs, "hat de trung" -> ["hat_de", "de_trung"]: phrase proximity as plain terms."""
    return [f"{a}_{b}" for a, b in zip(words, words[1:])]


def name_bigrams(s: str) -> list[str]:
    folded = bigrams(folded_words(s))
    exact = [b for b in bigrams(canonical_words(s)) if b not in folded]
    return folded + exact


@dataclass(frozen=True)
class ProductFacts:
    """What the index needs to know about a public product, read from the database."""

    id: int
    slug: str
    name: str
    description: str
    producer_name: str
    commune: str
    province_slug: str
    province_name: str
    group: str
    stars: int | None
    price_vnd: int
    in_stock: bool
    created_ts: int
    #: units delivered to buyers (Product.sold_count): the "best_selling" sort
    sold: int = 0
    #: catalog.models.rating_key of the visible reviews' average and count: the "top_rated" sort (no review text)
    rated: int = 0

    @classmethod
    def from_product(cls, product, group_code: str) -> ProductFacts:
        producer = product.producer
        created = product.created_at
        return cls(
            id=product.id,
            slug=product.slug,
            name=nfc(product.name),
            description=nfc(product.description or ""),
            producer_name=nfc(producer.name),
            commune=nfc(producer.commune or ""),
            province_slug=producer.province.slug,
            province_name=nfc(producer.province.name),
            group=group_code,
            stars=product.ocop_stars,
            price_vnd=int(product.price_vnd),
            in_stock=bool(product.in_stock),
            created_ts=int(created.timestamp()) if created else 0,
            sold=int(product.sold_count or 0),
            rated=rating_key(int(product.rating_sum or 0), int(product.rating_count or 0)),
        )

    def signature(self) -> str:
        """A digest of every indexed fact: `verify` compares it with the one stored in the index."""
        raw = json.dumps(self.__dict__, sort_keys=True, ensure_ascii=False)
        return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()

    def place(self) -> str:
        return f"{self.commune} {self.province_name}"

    def document(self) -> dict:
        meta = f"{self.producer_name} {self.place()}"
        return {
            "id": str(self.id),
            "pid": self.id,
            "slug": self.slug,
            "name": self.name,
            "producer": self.producer_name,
            "place": self.place(),
            "sig": self.signature(),
            "name_f": " ".join(folded_words(self.name)),
            "name_d": " ".join(canonical_words(self.name)),
            "name_bg": " ".join(name_bigrams(self.name)),
            "meta_f": " ".join(folded_words(meta)),
            "meta_d": " ".join(canonical_words(meta)),
            # Bigrams per part: the producer's last word and the commune's first are not a phrase.
            "meta_bg": " ".join(bigrams(folded_words(self.producer_name)) + bigrams(folded_words(self.commune))
                                + bigrams(folded_words(self.province_name))),
            "desc_f": " ".join(folded_words(self.description)),
            "desc_bg": " ".join(bigrams(folded_words(self.description))),
            "group": self.group,
            "province": self.province_slug,
            "stars": self.stars or 0,
            "price": self.price_vnd,
            "in_stock": 1 if self.in_stock else 0,
            "created": self.created_ts,
            "sold": self.sold,
            "rated": self.rated,
        }
