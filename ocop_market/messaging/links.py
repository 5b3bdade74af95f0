"""Absolute links put into messages.

A link in an e-mail must not take its host from the request: anyone can send `Host: evil.example` with a
password-reset request and have the victim's reset link point at their server ("reset poisoning"). With
`PUBLIC_URL` set (e.g. https://cho-ocop.example.vn) links use it; without it, development and tests use the
request's own address, and production gives no link at all (the message carries its code instead).
"""
from __future__ import annotations

from flask import current_app, has_request_context, url_for


def _path(endpoint: str, values: dict) -> str:
    if has_request_context():
        return url_for(endpoint, _external=False, **values)
    # A queue job or a command (an order placed by the demo seed, a reminder): no request to take a host from,
    # and none is needed for the path.
    return current_app.url_map.bind("localhost").build(endpoint, values)


def public_url(endpoint: str, **values) -> str | None:
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if base:
        return base + _path(endpoint, values)
    if current_app.config.get("ENV_NAME") != "production" and has_request_context():
        return url_for(endpoint, _external=True, **values)
    return None
