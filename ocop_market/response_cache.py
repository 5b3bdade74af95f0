"""Whole-response cache for anonymous visitors (Flask-Caching; this module is its only importer).

What is cached: the views marked `@cached_for_visitors` (home, product lists, search, product and producer pages,
the public API's search and product). An entry is the response body of a 200 and its content type, keyed by the
catalogue generation, the language, scheme + host, path and the sorted query arguments. Backend: files under
`instance/response_cache` (one machine: every worker and the queue consumer share it), Redis when `REDIS_URL` is
set (every instance shares it).

Who is served from it: a GET whose session is empty or holds nothing but the CSRF token (and the language), with
no remember-me cookie. A signed-in user, a guest with a cart, a pending flash message, a half-finished sign-up:
each has more in the session, so each gets its page rendered as before, with `Cache-Control: private, no-store`.
A hit does no database work and renders no template; it sends no Set-Cookie.

Forms on cached pages (add to cart): the page is stored with a placeholder where the CSRF token goes, and each
response gets its own token. A visitor whose session already has a token gets a signature of it (as Flask-WTF's
`csrf_token()` would); one without a session gets a fresh random token signed the same way, and no cookie: the
session starts only at the first POST, which adopts that token after checking that the request comes from our own
origin (Sec-Fetch-Site, else Origin, else Referer) — a token taken from the page by someone else is worthless from
another site. Such pages are `Cache-Control: private`: a shared proxy must never hand one visitor's token on.

Freshness: after a commit that changed a watched table (`watch_tables`: products, prices and stock, photos,
producers, certificates, groups, promotion slots, the search outbox), the generation is replaced with a new random
value in the backend, so every instance's next request misses. Session events collect the change (`after_flush`
for the unit of work, `do_orm_execute` for bulk UPDATE/DELETE such as the stock's conditional UPDATE) and
`after_commit` bumps. Changes made outside the app (raw SQL, another program) show when the entry expires:
RESPONSE_CACHE_TTL, 60 s. Entries carry a weak ETag of the stored body and `Cache-Control: public, max-age=...`
(RESPONSE_CACHE_MAX_AGE, short), so a browser or proxy revalidates with If-None-Match and gets a 304.

Work a page does besides rendering that must happen on every view (the promotion boxes count their impressions)
is noted during the render with `replay_on_hits(name, payload)` and repeated on each hit by the function that
`on_hit(name, fn)` registered.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, current_app, has_app_context, has_request_context, request, session
from flask_babel import get_babel
from flask_caching import Cache
from flask_caching.backends.base import BaseCache
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import limiter

log = logging.getLogger(__name__)

EXTENSION = "response_cache"
GENERATION_KEY = "generation"
ENVIRON_KEY = "ocop.response_cache"
SESSION_DIRTY = "response_cache_dirty"
GENERATION_MEMO = "ocop.catalogue_generation"
LOCAL_GENERATION = "ocop.local_generation"
#: Session keys that leave a visitor anonymous (`_fresh`: Flask-Login marks any session without a login "not
#: fresh"): anything else (a user, a cart, flashes, a sign-up in progress, the remember flags) makes a page personal.
ANONYMOUS_SESSION_KEYS = frozenset({"csrf_token", "lang", "_fresh"})
#: Flask-WTF's salt: a token signed here is one `validate_csrf` accepts once the session holds its raw value.
CSRF_SALT = "wtf-csrf-token"

_watched: set[str] = set()
_replays: dict[str, Callable[[Any], None]] = {}


def cached_for_visitors(view: Callable) -> Callable:
    """Mark a GET view whose response for an anonymous visitor may be stored and served to others."""
    view._response_cache = True  # type: ignore[attr-defined]  # a plain marker attribute on the function
    return view


def watch_tables(*names: str) -> None:
    """A commit that writes one of these tables makes every cached page stale."""
    _watched.update(names)


def on_hit(name: str, replay: Callable[[Any], None]) -> None:
    _replays[name] = replay


def replay_on_hits(name: str, payload: Any) -> None:
    """Called while a page renders: `payload` is stored with the page and given to the `on_hit` function on
    every hit (and nothing happens when the page is not being stored)."""
    state = _state()
    if state is not None:
        state.replays.append((name, payload))


@dataclass
class _Render:
    key: str
    replays: list[tuple[str, Any]] = field(default_factory=list)


def _state() -> _Render | None:
    return request.environ.get(ENVIRON_KEY) if has_request_context() else None


def _cache(app: Flask) -> BaseCache | None:
    return app.extensions.get(EXTENSION)


def _backend_config(app: Flask) -> dict:
    cfg = app.config
    common = {"CACHE_DEFAULT_TIMEOUT": int(cfg["RESPONSE_CACHE_TTL"]), "CACHE_KEY_PREFIX": "ocop:response:"}
    redis_url = cfg.get("RESPONSE_CACHE_REDIS_URL", cfg.get("REDIS_URL"))
    if redis_url:
        return {**common, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
    directory = cfg.get("RESPONSE_CACHE_DIR") or os.path.join(app.instance_path, "response_cache")
    return {**common, "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": directory,
            "CACHE_THRESHOLD": int(cfg.get("RESPONSE_CACHE_THRESHOLD", 5000))}


# ---------------------------------------------------------------- generation
def generation(app: Flask) -> str:
    cache = _cache(app)
    if cache is None:
        raise RuntimeError("the response cache is off (RESPONSE_CACHE)")
    value = cache.get(GENERATION_KEY)
    if value is None:
        # First use, or the backend lost it (a flushed Redis, a pruned file): a new random value can never
        # name an entry stored before.
        value = secrets.token_hex(8)
        cache.set(GENERATION_KEY, value, timeout=0)
    return value


def bump(app: Flask) -> None:
    value = secrets.token_hex(8)
    app.extensions[LOCAL_GENERATION] = value
    if has_request_context():
        request.environ[GENERATION_MEMO] = value
    cache = _cache(app)
    if cache is not None:
        cache.set(GENERATION_KEY, value, timeout=0)


def current_generation(app: Flask) -> str:
    """The catalogue generation for this request: read from the backend once per request (the shared value every
    process sees), or this process's own when the response cache is off. Per-process copies of reference data
    (reference_cache) are tagged with it."""
    memo = request.environ if has_request_context() else None
    if memo is not None and GENERATION_MEMO in memo:
        return memo[GENERATION_MEMO]
    if _cache(app) is not None:
        try:
            value = generation(app)
        except Exception:  # a backend that is down: nothing can be trusted across processes, so nothing is kept
            app.logger.exception("response cache: could not read the generation")
            value = secrets.token_hex(8)
    else:
        value = app.extensions.setdefault(LOCAL_GENERATION, secrets.token_hex(8))
    if memo is not None:
        memo[GENERATION_MEMO] = value
    return value


def _read_generation_first() -> None:
    # Before any statement of the request: a copy loaded later in the request is then never older than the
    # generation it is tagged with (SQLite's read transaction keeps the snapshot of its first statement).
    current_generation(current_app._get_current_object())  # type: ignore[attr-defined]  # the proxy's own method


def _table_of(obj) -> str | None:
    table = getattr(type(obj), "__table__", None)
    return getattr(table, "name", None)


def _after_flush(session, _flush_context) -> None:
    if any(_table_of(obj) in _watched for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[SESSION_DIRTY] = True


def _do_orm_execute(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _watched:
        state.session.info[SESSION_DIRTY] = True


def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer commit is still to come
        return
    if not session.info.pop(SESSION_DIRTY, False) or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    try:
        bump(app)
    except Exception:  # the commit stands; pages are stale until RESPONSE_CACHE_TTL at worst
        app.logger.exception("response cache: could not bump the generation")


def _after_rollback(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(SESSION_DIRTY, None)


def _install_session_hooks() -> None:
    # On SQLAlchemy's Session class itself: Flask-SQLAlchemy's session and the search outbox's own sessions alike.
    for name, fn in (("after_flush", _after_flush), ("do_orm_execute", _do_orm_execute),
                     ("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


# ---------------------------------------------------------------- CSRF on cached pages
def _csrf_secret(app: Flask) -> str:
    return app.config.get("WTF_CSRF_SECRET_KEY") or app.config["SECRET_KEY"]


def _csrf_field(app: Flask) -> str:
    return app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def placeholder(app: Flask) -> str:
    """Where a cached page's CSRF token goes: unguessable, so no listing's text can contain it."""
    digest = hmac.new(_csrf_secret(app).encode(), b"response-cache-csrf-placeholder", hashlib.sha256).hexdigest()
    return f"csrf-placeholder-{digest[:32]}"


def _page_csrf_token():
    """The templates' `csrf_token()`: the placeholder while a page renders for the cache (no session touched)."""
    if _state() is not None:
        return placeholder(current_app)
    return generate_csrf()


def _visitor_token(app: Flask) -> tuple[str, str]:
    """(token, ETag suffix) for this visitor: a signature of the session's token, or of a fresh one."""
    serializer = URLSafeTimedSerializer(_csrf_secret(app), salt=CSRF_SALT)
    raw = session.get(_csrf_field(app))
    if isinstance(raw, str) and raw:
        return serializer.dumps(raw), "s" + hashlib.sha256(raw.encode()).hexdigest()[:12]
    return serializer.dumps(hashlib.sha1(os.urandom(64)).hexdigest()), "a"  # noqa: S324  # Flask-WTF's own recipe


def _same_origin() -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site == "same-origin"
    ours = urlsplit(request.host_url)
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value:
            theirs = urlsplit(value)
            return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc)
    return False


def _adopt_page_token() -> None:
    """Before Flask-WTF checks a POST: a visitor without a session posts the token a cached page gave them.
    From our own origin, with a valid signature, its raw value becomes the session's token (and the check
    passes as usual); otherwise nothing changes and Flask-WTF refuses as it always has."""
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    name = _csrf_field(app)
    # The origin first: a machine's POST (a webhook) has none, and its body is left unread.
    if name in session or not _same_origin():
        return
    token = request.form.get(name) or next(
        (request.headers[h] for h in app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken"]) if request.headers.get(h)), None)
    if not token:
        return
    try:
        raw = URLSafeTimedSerializer(_csrf_secret(app), salt=CSRF_SALT).loads(
            token, max_age=app.config.get("WTF_CSRF_TIME_LIMIT"))
    except BadData:
        return
    if isinstance(raw, str) and raw:
        session[name] = raw


# ---------------------------------------------------------------- serving
def _cacheable_view(app: Flask) -> bool:
    view = app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "_response_cache", False))


def _anonymous() -> bool:
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    return set(session.keys()) <= ANONYMOUS_SESSION_KEYS


def _language() -> str:
    """The page's language as the app's locale selector names it: a hit needs the name, not the Babel Locale
    that get_locale() parses from it (a tenth of a hit's cost)."""
    babel = get_babel()
    chosen = babel.locale_selector() if babel.locale_selector is not None else None
    return str(chosen or babel.instance.default_locale)


def _key(app: Flask) -> str:
    args = urlencode(sorted(request.args.items(multi=True)))
    raw = f"{_language()}|{request.scheme}://{request.host}{request.path}?{args}"
    return f"page:{current_generation(app)}:{hashlib.sha256(raw.encode()).hexdigest()}"


#: a request that asks for a conditional answer (ETag or date revalidation, a range)
_CONDITIONAL = frozenset({"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                          "HTTP_RANGE"})


def _finish(app: Flask, response: Response, etag: str, has_form: bool) -> Response:
    max_age = int(app.config.get("RESPONSE_CACHE_MAX_AGE", 15))
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = f"{'private' if has_form else 'public'}, max-age={max_age}"
    response.vary.add("Cookie")
    if not _CONDITIONAL.isdisjoint(request.environ):  # parsing them costs a fifth of a hit: only when asked
        response.make_conditional(request)  # a 304 without the body when If-None-Match names this page
    return response


def _fill(app: Flask, body: bytes, etag: str) -> tuple[bytes, str, bool]:
    mark = placeholder(app).encode()
    if mark not in body:
        return body, etag, False
    token, suffix = _visitor_token(app)
    return body.replace(mark, token.encode()), f"{etag}-{suffix}", True


def _serve_hit() -> Response | None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    if request.method != "GET" or not _cacheable_view(app):
        return None
    if not _anonymous():
        request.environ[ENVIRON_KEY + ".personal"] = True
        return None
    try:
        key = _key(app)
        entry = _cache(app).get(key)  # type: ignore[union-attr]  # _serve_hit is installed only with a backend
    except Exception:  # a backend that is down must not take pages with it
        app.logger.exception("response cache unavailable; rendering")
        return None
    if entry is None:
        request.environ[ENVIRON_KEY] = _Render(key)
        return None
    for name, payload in entry["replays"]:
        replay = _replays.get(name)
        if replay is not None:
            try:
                replay(payload)
            except Exception:  # counting must never break a page
                app.logger.exception("response cache: replay %s failed", name)
    body, etag, has_form = _fill(app, entry["body"], entry["etag"])
    response = app.response_class(body, status=200, content_type=entry["content_type"])
    response.headers["X-Cache"] = "HIT"
    return _finish(app, response, etag, has_form)


def _store_miss(response: Response) -> Response:
    state = _state()
    if state is None:
        if request.environ.get(ENVIRON_KEY + ".personal"):
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response
    request.environ.pop(ENVIRON_KEY, None)  # the render is over: later hooks see an ordinary request
    if response.direct_passthrough or not response.is_sequence:
        return response
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    body = response.get_data()
    etag = hashlib.sha1(body).hexdigest()[:24]  # noqa: S324  # a content tag, not a secret
    storable = (response.status_code == 200 and "Set-Cookie" not in response.headers
                and not session.modified and _anonymous())
    if storable:
        entry = {"body": body, "content_type": response.content_type, "etag": etag,
                 "replays": state.replays, "stored_at": time.time()}
        try:
            _cache(app).set(state.key, entry)  # type: ignore[union-attr]  # _store_miss is installed only with a backend
        except Exception:
            app.logger.exception("response cache: could not store %s", request.path)
    filled, tag, has_form = _fill(app, body, etag)
    response.set_data(filled)
    if not storable:
        return response
    response.headers["X-Cache"] = "MISS"
    return _finish(app, response, tag, has_form)


def init_app(app: Flask) -> None:
    # The generation moves on every commit that writes a watched table, cache or no cache: reference_cache's
    # per-process copies follow it.
    _install_session_hooks()
    if not app.config.get("RESPONSE_CACHE"):
        return
    cache = Cache()
    cache.init_app(app, config=_backend_config(app))
    app.extensions[EXTENSION] = app.extensions["cache"][cache]
    # The templates' csrf_token() learns the placeholder: Flask-WTF put its generate_csrf both among the globals
    # and in a context processor; this later processor wins.
    app.jinja_env.globals["csrf_token"] = _page_csrf_token
    app.context_processor(lambda: {"csrf_token": _page_csrf_token})
    # First of all before_request functions: Flask-WTF's check (registered by csrf.init_app) must see the token.
    app.before_request_funcs.setdefault(None, []).insert(0, _adopt_page_token)
    app.before_request_funcs[None].insert(0, _read_generation_first)
    # A hit answers right after them, before the rate limiter and the NUL check resolve there is nothing to do
    # (a third of a hit's cost): an entry is only ever stored for a request that passed both, and a hit needs the
    # same path and arguments.
    app.before_request_funcs[None].insert(2, _serve_hit)
    app.after_request(_store_miss)
    _exempt_from_rate_limits(app)


def _exempt_from_rate_limits(_app: Flask) -> None:
    """The cached views' GETs carry no rate limit (every limit the shop sets is on a POST: sign-in, sign-up, codes),
    so Flask-Limiter is told to skip them rather than resolve, for every page view, that there is nothing to check:
    that was an eighth of a cache hit's cost. A limit put on one of these views' GET would be skipped too, so
    tests/functional/test_response_cache.py checks that none has one. The limiter is one object for every app
    (extensions.py): the filter is added to it once."""
    global _limiter_filtered
    if _limiter_filtered:
        return
    limiter.request_filter(_cached_view_get)
    _limiter_filtered = True


_limiter_filtered = False


def _cached_view_get() -> bool:
    return request.method in ("GET", "HEAD") and _cacheable_view(current_app)
