"""Per-process copies of reference data (the OCOP groups, the provinces' names), kept until the catalogue changes.

Every page reads the groups for its menu, and the search page and the API the provinces: rows that change a few times
a year cost a statement on every request. Each process keeps what it read, tagged with the catalogue generation
(`response_cache.current_generation`: the value in the shared cache backend, read once per request, that every commit
writing a watched table replaces — the groups and provinces tables among them), so a change made through the app in
any process reaches every other at its next request. A change made outside the app (raw SQL) shows within
REFERENCE_CACHE_TTL seconds, the response cache's own bound. With the response cache off there is no shared value:
the generation is this process's own (bumped by its commits) and other processes see a change within the TTL.

Values kept here are plain, immutable and shared between threads: never ORM instances, which belong to one session.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app

from . import response_cache

EXTENSION = "ocop.reference_cache"
T = TypeVar("T")

_lock = threading.Lock()


def _entries(app: Flask) -> dict[str, tuple[str, float, Any]]:
    entries = app.extensions.get(EXTENSION)
    if entries is None:
        with _lock:
            entries = app.extensions.setdefault(EXTENSION, {})
    return entries


def cached(name: str, load: Callable[[], T], keep: Callable[[T], bool] = bool) -> T:
    """This process's copy of `name`, read again by `load()` when the generation moved or the TTL ran out.
    A value for which `keep` is false (by default an empty one: the reference rows not yet inserted) is not kept."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    entries = _entries(app)
    generation = response_cache.current_generation(app)
    now = time.monotonic()
    found = entries.get(name)
    if found is not None and found[0] == generation and now - found[1] < float(app.config["REFERENCE_CACHE_TTL"]):
        return found[2]
    value = load()
    if keep(value):
        entries[name] = (generation, now, value)
    return value


def forget(app: Flask) -> None:
    """Drop every copy in this process (tests, and after a bulk load that bypassed the session)."""
    _entries(app).clear()
