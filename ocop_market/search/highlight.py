"""Safe highlighting: every piece of text is escaped, only our own <mark> tags are added."""
from __future__ import annotations

import re

from markupsafe import Markup, escape

from ..text import nfc
from .documents import fold_word

_WORD = re.compile(r"\w+", re.UNICODE)


def highlight(text: str, terms) -> Markup:
    """Wrap each word of `text` whose folded form is in `terms` (folded words) in <mark>."""
    text = nfc(text or "")
    wanted = set(terms)
    out: list[str] = []
    pos = 0
    for m in _WORD.finditer(text):
        if fold_word(m.group(0)) in wanted:
            out.append(str(escape(text[pos:m.start()])))
            out.append(f"<mark>{escape(m.group(0))}</mark>")
            pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def snippet(text: str, terms, width: int = 160) -> Markup:
    """A window of `text` around the first matching word, highlighted; empty when nothing matches."""
    text = nfc(text or "")
    wanted = set(terms)
    for m in _WORD.finditer(text):
        if fold_word(m.group(0)) in wanted:
            start = max(0, m.start() - width // 3)
            if start:
                space = text.rfind(" ", 0, start)
                start = space + 1 if space >= 0 else start
            end = min(len(text), start + width)
            if end < len(text):
                space = text.rfind(" ", start, end)
                end = space if space > m.end() else end
            body = highlight(text[start:end], wanted)
            return Markup(("… " if start else "") + body + (" …" if end < len(text) else ""))
    return Markup("")
