"""Jinja filters and globals shared by every page."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user

from .money import format_number, format_vnd
from .timeutil import to_local


def current_lang() -> str:
    return str(get_locale() or "vi")


def init_templating(app: Flask) -> None:
    app.jinja_env.autoescape = True

    @app.template_filter("vnd")
    def vnd_filter(amount):
        return format_vnd(amount, "vi_VN" if current_lang() == "vi" else "en_US")

    @app.template_filter("number")
    def number_filter(n):
        """1234 -> '1.234' in Vietnamese, '1,234' in English."""
        text = format_number(int(n or 0))
        return text if current_lang() == "vi" else text.replace(".", ",")

    @app.template_filter("localtime")
    def localtime_filter(value, fmt="%d/%m/%Y %H:%M"):
        local = to_local(value)
        return local.strftime(fmt) if local else ""

    @app.template_filter("date_vn")
    def date_filter(value):
        return value.strftime("%d/%m/%Y") if value else ""

    @app.context_processor
    def globals_():
        return {
            "current_user": current_user,
            "lang": current_lang(),
            "request_path": request.path,
        }
