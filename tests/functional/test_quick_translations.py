"""The translations kept per locale (templating._install_quick_translations, issue 15: Flask-Babel's per-string lookup
was a sixth to a third of a page's CPU) still follow the request's language and `force_locale` — a message rendered
for its recipient in their language in the middle of a page in another — in templates and in Python code alike."""
from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale
from flask_babel import gettext as _


def _both(text: str) -> tuple[str, str]:
    return render_template_string("{{ _(text) }}", text=text), _(text)


def test_a_page_in_vietnamese_renders_a_message_in_english_and_back(app):
    with app.test_request_context("/?lang=vi"):
        assert _both("Giỏ hàng") == ("Giỏ hàng", "Giỏ hàng")
        with force_locale("en"):
            assert _both("Giỏ hàng") == ("Cart", "Cart")
        assert _both("Giỏ hàng") == ("Giỏ hàng", "Giỏ hàng")


def test_each_request_has_its_own_language(app):
    for lang, expected in (("en", "Cart"), ("vi", "Giỏ hàng"), ("en", "Cart")):
        with app.test_request_context(f"/?lang={lang}"):
            assert _both("Giỏ hàng") == (expected, expected)
