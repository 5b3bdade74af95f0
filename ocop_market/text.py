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


# ---------------------------------------------------------------- hidden characters
#: Line and paragraph separators: invisible line breaks inside what should be one line.
_LINE_BREAKS = {"\u2028", "\u2029"}
#: What a multi-line field (a description, a note) may hold among the control characters.
_MULTILINE_CONTROLS = {"\t", "\n", "\r"}
#: The joiners inside emoji sequences ("👨‍👩‍👧"): fine in free text, never needed in a name.
_MULTILINE_JOINERS = {"\u200c", "\u200d"}


def hidden_characters(s: str | None, *, multiline: bool = False) -> list[str]:
    """The characters of `s` a reader cannot see but that change what they see, in order, each once.

    Every format character (Unicode category Cf): the bidirectional controls U+202A–202E, U+2066–2069, U+200E/200F
    and U+061C, which reorder a name on screen ("‮gnp.exe" shows as "exe.png"), the zero-width space, joiners
    U+200B–200D and U+2060, the BOM U+FEFF, the soft hyphen, tag characters…; every control character (Cc), but
    tab and line breaks in a multi-line field; U+2028/2029 in a one-line field. A multi-line field (free text) may
    also hold the joiners U+200C/200D that emoji sequences need. Vietnamese text needs none of
    them: its letters are precomposed or take combining marks (Mn), which are allowed.
    """
    found: list[str] = []
    for ch in s or "":
        category = unicodedata.category(ch)
        if (category == "Cf" and not (multiline and ch in _MULTILINE_JOINERS)) or (
                category == "Cc" and not (multiline and ch in _MULTILINE_CONTROLS)) or (
                ch in _LINE_BREAKS and not multiline):
            if ch not in found:
                found.append(ch)
    return found


def describe_characters(chars: list[str]) -> str:
    """'U+202E, U+200B': how a message names characters the reader cannot see."""
    return ", ".join(f"U+{ord(ch):04X}" for ch in chars)


# ---------------------------------------------------------------- spreadsheet cells
#: A cell starting with one of these is read as a formula (or, after a tab or CR, as the next cell's formula) by
#: Excel, LibreOffice and Google Sheets; the full-width forms are folded to the plain ones by some of them.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_cell(value):
    """A value for a CSV cell a person will open in a spreadsheet: text that would start a formula gets a leading
    apostrophe (OWASP's CSV injection advice), so it shows as typed; numbers and empty cells pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
