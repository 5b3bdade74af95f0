"""Configuration read from the environment.

`create_app(config)` layers: class defaults < environment < the mapping passed in.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from pathlib import Path

# Values seen in tutorials, examples and our own docs: never accepted as a production key.
KNOWN_DEFAULT_KEYS = {
    "", "dev", "development", "changeme", "change-me", "change_me", "secret", "secret-key", "secret_key",
    "secretkey", "your-secret-key", "replace-me", "test", "testing", "default", "password", "ocop", "ocop-market",
}
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    pass


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    return default if raw == "" else raw in ("1", "true", "yes", "on")


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    overrides = dict(overrides or {})
    env_name = overrides.get("ENV_NAME") or os.environ.get("OCOP_ENV", "development")
    instance = Path(instance_path)
    cfg: dict = {
        "ENV_NAME": env_name,
        "TESTING": env_name == "testing",
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'ocop_market.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR") or str(instance / "search_index"),
        # "tantivy" (an embedded index, the default), "whoosh" (the older embedded index) or "postgres"
        # (full-text search in the database, for several machines; PostgreSQL only)
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND") or "tantivy",
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # werkzeug's method string for new password hashes: salted scrypt at werkzeug's own cost (n=2^15).
        "PASSWORD_HASH_METHOD": "scrypt:32768:8:1",
        # Outbound messages (ocop_market/messaging): e-mail over SMTP, else .eml files in MAIL_DIR;
        # SMS through an HTTP gateway, else the log. See README "Messages".
        "SMTP_URL": os.environ.get("SMTP_URL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "Chợ OCOP <no-reply@ocop.local>",
        "MAIL_DIR": os.environ.get("MAIL_DIR") or str(instance / "mail"),
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", ""),
        "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN", ""),
        # Carriers (ocop_market/carriers, README "Carriers"): GHN is offered only with a token; tracking webhooks are
        # accepted only signed with CARRIER_WEBHOOK_SECRET (HMAC-SHA256 of the body, header X-Ocop-Signature).
        "GHN_API_BASE": os.environ.get("GHN_API_BASE") or "https://online-gateway.ghn.vn/shiip/public-api",
        "GHN_API_TOKEN": os.environ.get("GHN_API_TOKEN", ""),
        "GHN_SHOP_ID": os.environ.get("GHN_SHOP_ID", ""),
        "GHN_TIMEOUT_SECONDS": _env_int("GHN_TIMEOUT_SECONDS", 10),
        "CARRIER_WEBHOOK_SECRET": os.environ.get("CARRIER_WEBHOOK_SECRET", ""),
        # "queue" (default: a task per message on the task queue) | "inline" | "off"
        "MESSAGE_DELIVERY": os.environ.get("MESSAGE_DELIVERY", ""),
        "MESSAGE_MAX_ATTEMPTS": _env_int("MESSAGE_MAX_ATTEMPTS", 5),
        # The task queue (jobs/queue.py): SQLite file on one machine; Redis (REDIS_URL) when set. Immediate: every
        # task runs at once in the caller's thread on Huey's in-memory storage (tests).
        "QUEUE_FILE": os.environ.get("QUEUE_FILE") or str(instance / "queue.sqlite3"),
        "QUEUE_IMMEDIATE": os.environ.get("QUEUE_IMMEDIATE", "").lower() in ("1", "true", "yes")
        or (env_name == "testing" and os.environ.get("QUEUE_IMMEDIATE", "") == ""),
        # The site's public address for links in messages (never taken from the request's Host header).
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", ""),
        # Uploads: one photo at most 8 MB; a form may carry a few photos.
        "MAX_IMAGE_BYTES": _env_int("MAX_IMAGE_BYTES", 8 * 1024 * 1024),
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 20 * 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "MAX_IMAGE_PIXELS": _env_int("MAX_IMAGE_PIXELS", 40_000_000),
        "MAX_PHOTOS_PER_PRODUCT": 8,
        "MAX_UPLOAD_BYTES_PER_USER": _env_int("MAX_UPLOAD_BYTES_PER_USER", 200 * 1024 * 1024),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ["vi", "en"],
        # Failed sign-ins (accounts/limits.py): per account + address; per account from anywhere (slower);
        # per address across accounts (generous: a carrier NAT puts thousands of phones behind one address).
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;30 per hour"),
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "30 per hour;100 per day"),
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "100 per hour"),
        "REGISTER_RATE_LIMIT": os.environ.get("REGISTER_RATE_LIMIT", "20 per hour"),
        # Account recovery: code requests per address; codes sent to one e-mail/phone (whoever asks);
        # codes typed per address (each code also dies after 5 wrong tries).
        "RECOVERY_RATE_LIMIT": os.environ.get("RECOVERY_RATE_LIMIT", "10 per hour"),
        "CODE_SEND_RATE_LIMIT": os.environ.get("CODE_SEND_RATE_LIMIT", "3 per 15 minutes;10 per day"),
        "CODE_CHECK_RATE_LIMIT": os.environ.get("CODE_CHECK_RATE_LIMIT", "30 per hour"),
        # Flask-Limiter: counters in Redis when REDIS_URL is set (shared by every gunicorn worker),
        # else in this process's memory. Always set explicitly: the limiter object is shared by apps.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        "PROXY_COUNT": _env_int("PROXY_COUNT", 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=30),
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(days=14),
        "HSTS": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "PRODUCTS_PER_PAGE": 24,
        # Whole pages for anonymous visitors (ocop_market/response_cache.py): on outside tests; files in
        # instance/response_cache, Redis with REDIS_URL. A commit that changes the catalogue shows on the next
        # request; a change made outside the app within RESPONSE_CACHE_TTL seconds. Browsers and proxies may keep a
        # page RESPONSE_CACHE_MAX_AGE seconds, then revalidate it (ETag).
        "RESPONSE_CACHE": _env_flag("RESPONSE_CACHE", env_name != "testing"),
        "RESPONSE_CACHE_TTL": _env_int("RESPONSE_CACHE_TTL", 60),
        "RESPONSE_CACHE_MAX_AGE": _env_int("RESPONSE_CACHE_MAX_AGE", 15),
        # Each process's copy of the groups and provinces (ocop_market/reference_cache.py) follows the catalogue
        # generation; a change made outside the app shows within this many seconds.
        "REFERENCE_CACHE_TTL": _env_int("REFERENCE_CACHE_TTL", _env_int("RESPONSE_CACHE_TTL", 60)),
    }
    if env_name == "production":
        cfg.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
            HSTS=True,
        )
    cfg.update(overrides)
    if "RATELIMIT_STORAGE_URI" not in overrides and cfg.get("REDIS_URL"):
        cfg["RATELIMIT_STORAGE_URI"] = cfg["REDIS_URL"]
    if env_name == "production" and cfg["RATELIMIT_STORAGE_URI"].startswith("memory"):
        logging.getLogger(__name__).warning(
            "REDIS_URL is not set: login limits are counted per worker process, not shared"
        )
    if env_name == "production":
        for name, missing in (("SMTP_URL", "e-mail is written to files in MAIL_DIR, not sent"),
                              ("SMS_GATEWAY_URL", "SMS text is only logged, not sent"),
                              ("PUBLIC_URL", "messages carry no links (codes only)")):
            if not cfg.get(name):
                logging.getLogger(__name__).warning("%s is not set: %s", name, missing)
    cfg["SECRET_KEY"] = _secret_key(env_name, instance, cfg.get("SECRET_KEY"))
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # The pool check is pointless for a file and costs a query per checkout.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            k: v for k, v in cfg["SQLALCHEMY_ENGINE_OPTIONS"].items() if k != "pool_pre_ping"
        }
    return cfg


def _secret_key(env_name: str, instance: Path, given: str | None) -> str:
    key = given or os.environ.get("SECRET_KEY", "")
    if env_name == "production":
        # The session cookie is only signed: a guessable key lets anyone forge a login.
        if key.strip().lower() in KNOWN_DEFAULT_KEYS or len(key.strip()) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 8:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(the same value for every worker), e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return key
    if key:
        return key
    if env_name == "testing":
        return secrets.token_hex(32)
    # Development keeps one generated key so logins survive restarts.
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
