"""Vietnamese text normalisation: the one place search and slugs fold text.

Two forms are produced:
- `fold(s)`: diacritics removed, `đ` mapped to `d`, lower case. "Hạt dẻ" -> "hat de".
  `fold(s, keep_case=True)` keeps the case ("Đơn hàng" -> "Don hang"): SMS text for basic phones.
- `canonical(s)`: diacritics kept, lower case, NFC, and the tone mark moved to one fixed
  vowel so old and new placement agree ("hoà" and "hòa", "thuỷ" and "thủy" give one form).
"""
from __future__ import annotations

import re
import unicodedata

# Combining tone marks (sắc, huyền, hỏi, ngã, nặng). Vowel-quality marks (â ă ê ô ơ ư) stay.
TONE_MARKS = {"\u0301", "\u0300", "\u0309", "\u0303", "\u0323"}
VOWELS = set("aăâeêioôơuưy")
QUALITY_VOWELS = set("ăâêôơư")
_WORD = re.compile(r"\w+", re.UNICODE)
# NFD does not decompose đ: it is a letter of its own and must be mapped by hand.
_D_MAP = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_D_MAP_CASED = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s or "")


def fold(s: str, keep_case: bool = False) -> str:
    s = nfc(s).translate(_D_MAP_CASED) if keep_case else nfc(s).lower().translate(_D_MAP)
    decomposed = unicodedata.normalize("NFD", s)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def _tone_position(base: str) -> int | None:
    """Index in `base` (lower-case, toneless, NFC) of the vowel that carries the tone."""
    start = 0
    if base.startswith("qu") and len(base) > 2 and base[2] in VOWELS:
        start = 2
    elif base.startswith("gi") and len(base) > 2 and base[2] in VOWELS:
        start = 2
    idx = [i for i in range(start, len(base)) if base[i] in VOWELS]
    if not idx:
        idx = [i for i in range(len(base)) if base[i] in VOWELS]
        if not idx:
            return None
    # The first run of vowels is the nucleus.
    run = [idx[0]]
    for i in idx[1:]:
        if i == run[-1] + 1:
            run.append(i)
        else:
            break
    quality = [i for i in run if base[i] in QUALITY_VOWELS]
    if quality:
        return quality[-1]
    if len(run) == 1:
        return run[0]
    if len(run) >= 3:
        return run[1]
    has_final = run[-1] + 1 < len(base)
    cluster = base[run[0]] + base[run[1]]
    if has_final or cluster in ("oa", "oe", "uy"):
        return run[1]
    return run[0]


def _canonical_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in TONE_MARKS]
    if not tones:
        return unicodedata.normalize("NFC", decomposed)
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONE_MARKS))
    pos = _tone_position(base)
    if pos is None:
        return unicodedata.normalize("NFC", decomposed)
    return unicodedata.normalize("NFC", base[: pos + 1] + tones[-1] + base[pos + 1 :])


def canonical(s: str) -> str:
    s = nfc(s).lower()
    return _WORD.sub(lambda m: _canonical_word(m.group(0)), s)


def tokens(s: str) -> list[str]:
    return _WORD.findall(s)


def slugify(s: str, max_length: int = 80) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(s)).strip("-")
    return slug[:max_length].strip("-") or "san-pham"
