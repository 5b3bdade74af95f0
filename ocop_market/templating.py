"""Jinja filters and globals shared by every page."""
from __future__ import annotations

import datetime as dt
import functools

from flask import Flask, g, has_app_context, request
from flask_babel import get_babel, get_locale
from flask_login import current_user

from .money import format_decimal, format_number, format_rate_bp, format_vnd, share_bp
from .timeutil import to_local


def current_lang() -> str:
    return str(get_locale() or "vi")


# A page shows the same dates many times (certificates' dates on every card, an order's times on its timeline):
# each process converts and formats each value once. Dates and datetimes are immutable, so sharing is safe.
@functools.lru_cache(maxsize=4096)
def _local_text(value: dt.datetime, fmt: str) -> str:
    return to_local(value).strftime(fmt)


@functools.lru_cache(maxsize=4096)
def _date_text(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _install_quick_translations(app: Flask) -> None:
    """Translations found once per locale, not once per string. Flask-Babel looks them up anew for every string
    (its state through `g` three times, the locale made into a string: 30-80 µs a call, measured), and a page has
    100-350 strings, so that lookup was a sixth to a third of a page's CPU. The app's one domain (`messages`) gets a
    `get_translations` that reads the locale from Flask-Babel's own per-request state on every call, so
    `force_locale` (a message rendered in its recipient's language) works as before, and keeps the translations
    per locale. The templates' `_()` calls it directly."""
    with app.app_context():  # the domain is made on first use, from the app's settings
        domain = get_babel(app).instance.domain_instance
    standard = type(domain).get_translations.__get__(domain)
    by_locale: dict = {}

    def translations():
        state = getattr(g, "_flask_babel", None) if has_app_context() else None
        locale = getattr(state, "babel_locale", None)
        if locale is None or getattr(state, "babel_domain", domain) is not domain:
            return standard()  # outside a request, the first string of one (it chooses the locale), another domain
        found = by_locale.get(locale)
        if found is None:
            found = by_locale[locale] = standard()
        return found

    domain.get_translations = translations  # the shared domain of every app: the same directories for all
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def init_templating(app: Flask) -> None:
    app.jinja_env.autoescape = True
    _install_quick_translations(app)

    @app.template_filter("vnd")
    def vnd_filter(amount):
        return format_vnd(amount, "vi_VN" if current_lang() == "vi" else "en_US")

    @app.template_filter("number")
    def number_filter(n):
        """1234 -> '1.234' in Vietnamese, '1,234' in English."""
        text = format_number(int(n or 0))
        return text if current_lang() == "vi" else text.replace(".", ",")

    @app.template_filter("rate")
    def rate_filter(value, share=False):
        """A rate: basis points (7259 -> '72,59 %'), or with share=True a fraction (0.7259 -> '72,59 %');
        None -> '—'."""
        if value is None:
            return format_rate_bp(None)
        return format_rate_bp(share_bp(value) if share else int(value), current_lang())

    @app.template_filter("decimal")
    def decimal_filter(value, places=2):
        """An index or a mean: 0.5012345 -> '0,50' in Vietnamese, '0.50' in English."""
        return format_decimal(value or 0, places, current_lang())

    @app.template_filter("localtime")
    def localtime_filter(value, fmt="%d/%m/%Y %H:%M"):
        return _local_text(value, fmt) if value else ""

    @app.template_filter("date_vn")
    def date_filter(value):
        return _date_text(value) if value else ""

    @app.context_processor
    def globals_():
        return {
            "current_user": current_user,
            "lang": current_lang(),
            "request_path": request.path,
        }
