"""Synonyms, merged-province names, generic words and units, read from `lexicon.txt` (data, not code).

The query planner groups a query's folded words into *slots*: one slot per word, or per phrase the
lexicon knows ("ca phe", "dac san", "ha giang"). A slot matches when any of its phrasings does
("ca phe" | "cafe" | "coffee"); a generic slot ("dac san", "ngon") is the first one query relaxation
lets go. Documents are never rewritten: the index stays what the shop wrote, only queries widen.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

from ..text import fold

PATH = os.path.join(os.path.dirname(__file__), "lexicon.txt")
MAX_PHRASE = 4  # words in the longest phrase looked up
_SPLIT = re.compile(r"[\W_]+", re.UNICODE)


def phrase_words(s: str) -> tuple[str, ...]:
    return tuple(w for w in _SPLIT.split(fold(s)) if w)


@dataclass(frozen=True)
class Slot:
    """Consecutive typed words that match together, with the lexicon's other phrasings of them."""

    words: tuple[str, ...]  #: as typed, folded
    alts: tuple[tuple[str, ...], ...] = ()  #: other phrasings (synonyms, the new province name)
    generic: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Lexicon:
    expansions: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]
    generic: frozenset[tuple[str, ...]]
    units: frozenset[str]

    def slots(self, words: list[str]) -> list[Slot]:
        """Greedy longest match of known phrases over `words`, left to right."""
        out: list[Slot] = []
        i = 0
        while i < len(words):
            for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                key = tuple(words[i:i + n])
                if n == 1 or key in self.expansions or key in self.generic:
                    out.append(Slot(key, self.expansions.get(key, ()), key in self.generic))
                    i += n
                    break
        return out


def parse(text: str) -> Lexicon:
    expansions: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    generic: set[tuple[str, ...]] = set()
    units: set[str] = set()

    def add(source: tuple[str, ...], targets) -> None:
        known = expansions.setdefault(source, [])
        for t in targets:
            if t != source and t not in known:
                known.append(t)

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, rest = line.partition(" ")
        if kind == "=":
            group = [phrase_words(p) for p in rest.split("|") if phrase_words(p)]
            for phrase in group:
                add(phrase, group)
        elif kind == ">":
            left, arrow, right = rest.partition("=>")
            if not arrow:
                raise ValueError(f"{PATH}:{lineno}: '>' needs 'a => b'")
            targets = [phrase_words(p) for p in right.split("|") if phrase_words(p)]
            for source in (phrase_words(p) for p in left.split("|")):
                if source:
                    add(source, targets)
        elif kind == "~":
            generic.add(phrase_words(rest))
        elif kind == "unit":
            units.update(fold(u) for u in rest.split())
        else:
            raise ValueError(f"{PATH}:{lineno}: unknown line kind {kind!r}")
    for phrase in (*expansions, *generic):
        if len(phrase) > MAX_PHRASE:
            raise ValueError(f"{PATH}: phrase longer than {MAX_PHRASE} words: {' '.join(phrase)}")
    return Lexicon({k: tuple(v) for k, v in expansions.items() if v}, frozenset(generic), frozenset(units))


@functools.cache
def lexicon() -> Lexicon:
    with open(PATH, encoding="utf-8") as fh:
        return parse(fh.read())


_NUMBER_UNIT = re.compile(r"^(\d+)([^\W\d_]+)$")


def split_units(words: list[str], units: frozenset[str] | None = None) -> list[str]:
    """ "1kg" -> "1", "kg" (and "500g", "750ml"): written together or apart, one form in the index."""
    units = lexicon().units if units is None else units
    out: list[str] = []
    for w in words:
        m = _NUMBER_UNIT.match(w) if w[0].isdigit() else None
        if m and fold(m.group(2)) in units:
            out += [m.group(1), m.group(2)]
        else:
            out.append(w)
    return out
