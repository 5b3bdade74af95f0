"""Typo correction and the "Bạn có muốn tìm" text, written once over any engine (matching.py's interface).

An engine only answers three questions: which index words are one edit from a word (`neighbours`), how
many documents hold some terms (`doc_freqs`), and the stored texts of a few documents (`texts`).
"""
from __future__ import annotations

from collections import Counter

from .documents import canonical_words, fold_word
from .matching import FIELDS_NAME, Term, all_of, any_of

TYPO_CANDIDATES = 8  # index words one edit away kept per typed word before ranking them in context
CONTEXT_FIELDS = ("name_bg", "meta_bg")
DISPLAY_SAMPLE = 100  # documents read to learn how the index spells the corrected words


def within_one_edit(a: str, b: str) -> bool:
    """One substitution, insertion or deletion (Levenshtein distance exactly 1)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def corrections(engine, word: str) -> list[tuple[int, str]]:
    """Index words one edit away (first letter kept), most frequent first.

    Words of names, producers and places come first: "duong phem" means "đường phèn" (a name),
    not "đường phẩm" although "sản phẩm" fills every description. `correct` then ranks them by the
    neighbouring words.
    """
    for fields in (FIELDS_NAME, ("desc_f",)):
        found = {w: df for w, df in engine.neighbours(word, fields).items() if w != word}
        if found:
            return sorted(((df, w) for w, df in found.items()), key=lambda t: (-t[0], t[1]))
    return []


def correct(engine, words: list[str], targets) -> tuple[dict[str, list[str]], list[str]]:
    """Corrections for the `targets` among `words`, each ranked by the phrases it makes with its neighbours.

    A candidate that forms a name/producer/place pair with the word before (as corrected) or the word
    after wins over a merely frequent one: "duong phem" -> "phen" (đường phèn, a name phrase), not
    "pham" (Phạm, a family name) or "phe" (cà phê), though both are more frequent alone.
    Returns (word -> at most two expansions, best first; the corrected words).
    """
    corrected = list(words)
    expansions: dict[str, list[str]] = {}
    for i, word in enumerate(words):
        if word not in targets:
            continue
        candidates = corrections(engine, word)[:TYPO_CANDIDATES]
        if not candidates:
            continue
        before = corrected[i - 1] if i else None
        after = words[i + 1] if i + 1 < len(words) else None
        keys = {cand: [(f, f"{a}_{b}") for f in CONTEXT_FIELDS for a, b in ((before, cand), (cand, after)) if a and b]
                for _df, cand in candidates}
        dfs = engine.doc_freqs([k for ks in keys.values() for k in ks])
        ranked = sorted(((sum(dfs.get(k, 0) for k in keys[c]), df, c) for df, c in candidates),
                        key=lambda t: (-t[0], -t[1], t[2]))
        if ranked[0][0]:
            ranked = [t for t in ranked if t[0]]  # the phrase decides; drop words that fit no phrase
        expansions[word] = [c for _ctx, _df, c in ranked[:2]]
        corrected[i] = ranked[0][2]
    return expansions, corrected


def display(engine, words: list[str]) -> str:
    """Folded words -> how the shop's own texts spell them: "duong phen" -> "đường phèn".

    Read from documents holding every word (failing that, any): each word takes its most frequent
    spelling there, and neighbours are decided together by the name pairs they form ("đường phèn",
    though "dương" alone may be more frequent, as in Lạc Dương).
    """
    unique = list(dict.fromkeys(words))
    rows: list[tuple[str, str]] = []
    for joined in (all_of, any_of):
        node = joined(any_of(Term(f, w) for f in FIELDS_NAME) for w in unique)
        rows = engine.texts(node, DISPLAY_SAMPLE)
        if rows:
            break
    wanted = set(words)
    forms: dict[str, Counter] = {}
    pairs: Counter = Counter()
    for name, meta in rows:
        name_words = canonical_words(name)
        seen = set()
        for form in name_words + canonical_words(meta):
            folded = fold_word(form)
            if folded in wanted and form not in seen:
                seen.add(form)
                forms.setdefault(folded, Counter())[form] += 1
        pairs.update(set(zip(name_words, name_words[1:])))
    variants = {k: [w for w, _n in sorted(c.items(), key=lambda t: (-t[1], t[0]))] for k, c in forms.items()}
    out = [variants.get(w, [w])[0] for w in words]
    fixed = [False] * len(words)
    for i in range(len(words) - 1):
        best = None
        for a in variants.get(words[i], [words[i]])[:6]:
            if fixed[i] and a != out[i]:
                continue
            for b in variants.get(words[i + 1], [words[i + 1]])[:6]:
                df = pairs.get((a, b), 0)
                if df and (best is None or df > best[0]):
                    best = (df, a, b)
        if best is not None:
            out[i], out[i + 1] = best[1], best[2]
            fixed[i] = fixed[i + 1] = True
    return " ".join(out)
