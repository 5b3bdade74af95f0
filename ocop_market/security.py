"""Response headers, trusted proxies and the safe `next` redirect check."""
from __future__ import annotations

import threading
from typing import TypeGuard
from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import InvalidInput

# No 'unsafe-inline' anywhere: templates carry no inline <script> or style="".
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def register_security_headers(app: Flask) -> None:
    """Headers on every response, error pages and static files included (after_request runs for all)."""

    wanted = [(name.lower(), name, value) for name, value in HEADERS.items()]
    if app.config.get("HSTS"):
        wanted.append(("strict-transport-security", "Strict-Transport-Security", HSTS))

    @app.after_request
    def set_headers(response):
        # One pass over the response's headers, then only the missing ones added (setdefault per header scanned
        # the list each time: a tenth of a cached page's cost). A view's own value wins, as with setdefault.
        h = response.headers
        present = {key.lower() for key in h.keys()}
        for lower, name, value in wanted:
            if lower not in present:
                h.add(name, value)
        return response

    app.session_interface = SigningOnceSessionInterface()
    _refuse_nul_bytes(app)
    _trust_proxy(app)


class SigningOnceSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its signing serializer made once per key instead of on every request (Flask
    builds a new one even for a request without a cookie: a tenth of a cached page's cost). The serializer keeps
    no state between calls, so one is shared by the worker's threads; a new SECRET_KEY or fallback list makes a
    new one."""

    def __init__(self) -> None:
        self._made: dict[tuple, URLSafeTimedSerializer | None] = {}
        self._lock = threading.Lock()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        try:
            return self._made[key]
        except KeyError:
            with self._lock:
                made = self._made.setdefault(key, super().get_signing_serializer(app))
            return made


def _refuse_nul_bytes(app: Flask) -> None:
    """PostgreSQL text cannot hold NUL (0x00) and no browser sends one: a request carrying it in its path (404),
    query, form or file names (400) is refused up front instead of failing in the database with a 500."""

    @app.before_request
    def refuse_nul():
        if "\x00" in request.path:
            abort(404)
        # A request without a body has no form or files: reading them would parse nothing at some cost on every
        # page view (a cached page's hit is mostly such fixed costs).
        has_body = bool(request.content_length) or "Transfer-Encoding" in request.headers
        for values in (request.args, request.form) if has_body else (request.args,):
            for key, value in values.items(multi=True):
                if any(isinstance(s, str) and "\x00" in s for s in (key, value)):  # a mangled name may be None
                    # The API's errors name the parameter (README, "JSON API"); pages show the message.
                    raise InvalidInput(_("Dữ liệu gửi lên chứa ký tự NUL không hợp lệ."),
                                       parameter=key.replace("\x00", "") if isinstance(key, str) else None)
        for key, upload in request.files.items(multi=True) if has_body else ():
            if any(isinstance(s, str) and "\x00" in s for s in (key, upload.filename)):
                abort(400)


def _trust_proxy(app: Flask) -> None:
    """Behind nginx/a load balancer, take the client address from X-Forwarded-For.

    Only as many hops as configured are trusted (PROXY_COUNT, default 0 = no proxy): otherwise any
    client could forge its address and escape the per-address login limit.
    """
    hops = int(app.config.get("PROXY_COUNT") or 0)
    if hops > 0:
        # Flask's documented way to add WSGI middleware; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def is_safe_next(target: str | None) -> TypeGuard[str]:
    """Only a local absolute path is a safe place to send a user after login.

    Browsers read `//host`, `/\\host`, `https:host` and paths with tabs/newlines stripped as
    other sites, so anything but a plain "/path" is refused.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in target) or "\\" in target:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str = "/") -> str:
    return target if is_safe_next(target) else fallback
