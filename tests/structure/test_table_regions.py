"""Tables that fit a phone (issue 14): every <table> in the templates sits directly in the shared scroll box,
`<div {{ table_region(label) }}>` (macros.html): a labelled region the keyboard can focus and scroll, with the shade
that shows more columns (main.css .table-wrap). A table added without it would scroll out of a keyboard user's
reach on a 360-px screen (axe: scrollable-region-focusable); the e2e journeys run axe on the pages they visit,
this finds the tables on the pages they do not. Read from the source, so nothing is rendered to check it."""
from __future__ import annotations

import pathlib
import re

import pytest
from jinja2 import Environment

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "ocop_market" / "templates"
# Templates rendered to PDF (WeasyPrint), never shown in a browser: a printed page does not scroll.
PRINTED = {"orders/receipt.html"}
WRAPPED = re.compile(r"<div \{\{ table_region\((?P<label>.+?)\) \}\}>\s*$")


def _tables() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if str(path.relative_to(TEMPLATES)) in PRINTED:
            continue
        source = Environment().preprocess(path.read_text(encoding="utf-8"))
        source = re.sub(r"\{#.*?#\}", lambda m: " " * len(m.group()), source, flags=re.S)  # comments aside
        for m in re.finditer(r"<table\b", source):
            found.append((str(path.relative_to(TEMPLATES)), source.count("\n", 0, m.start()) + 1,
                          source[max(0, m.start() - 200):m.start()]))
    return found


def test_the_templates_have_tables():
    assert len(_tables()) >= 40  # the rule below is not vacuous


@pytest.mark.parametrize("template, line, before",
                         [pytest.param(*t, id=f"{t[0]}:{t[1]}") for t in _tables()])
def test_every_table_sits_in_the_shared_labelled_scroll_region(template, line, before):
    m = WRAPPED.search(before)
    assert m, f"{template}:{line}: a <table> outside <div {{{{ table_region(_('…')) }}}}> (macros.html)"
    assert m.group("label").strip() not in ("''", '""', "None"), f"{template}:{line}: the region needs a label"


def test_the_region_is_labelled_focusable_and_styled():
    macros = (TEMPLATES / "macros.html").read_text(encoding="utf-8")
    body = re.search(r"\{% macro table_region\(label\) -%\}(.*?)\{%- endmacro %\}", macros, re.S).group(1)
    assert body.strip() == 'class="table-wrap" role="region" aria-label="{{ label }}" tabindex="0"'
    css = (TEMPLATES.parents[1] / "static" / "css" / "main.css").read_text(encoding="utf-8")
    assert re.search(r"\.table-wrap \{ overflow-x: auto;[^}]*radial-gradient", css), "the scroll cue is gone"
    assert ".table-wrap:focus-visible" in css
