"""`GET /healthz`: liveness and readiness for a load balancer or an orchestrator, as JSON.

200 when the instance can serve: the database answers and the search index is readable and keeping
up with the outbox. 503 otherwise, with `reasons` naming each failed check. Body:

    {"status": "ok" | "unavailable",
     "reasons": ["database unreachable (OperationalError)", "search index behind: ...", ...],
     "checks": {"database": {"ok": true, "backend": "sqlite", "ms": 0.4},
                "search_index": {"ok": true, "documents": 120, "outbox_pending": 0,
                                 "outbox_oldest_seconds": null, "lag_events": 0, ...}}}

`lag_events` is the number of catalog changes committed but not yet in the index (outbox rows).
The index counts as behind when the oldest such change is older than SEARCH_MAX_LAG_SECONDS (600)
or more than SEARCH_MAX_LAG_EVENTS (10,000) are waiting. Never cached; only exception class names
are shown, never messages (they can carry connection strings).
"""
from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db

bp = Blueprint("health", __name__)

MAX_LAG_EVENTS = 10_000


def _database() -> dict:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()  # end the probe's transaction: nothing held between probes
    except Exception as exc:  # report, never crash the probe
        try:
            db.session.rollback()
        # The connection is gone; the report below says so.
        except Exception:  # noqa: S110
            pass
        return {"ok": False, "backend": db.engine.url.get_backend_name(), "error": exc.__class__.__name__}
    return {"ok": True, "backend": db.engine.url.get_backend_name(),
            "ms": round((time.perf_counter() - started) * 1000, 1)}


def _search_index() -> dict:
    from .search import index_health

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    try:
        report = dict(index_health(app))
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    pending = report.get("outbox_pending")
    report["lag_events"] = pending
    max_events = int(app.config.get("SEARCH_MAX_LAG_EVENTS", MAX_LAG_EVENTS))
    if pending is not None and pending > max_events:
        report["ok"] = False
    return report


def _reasons(checks: dict) -> list[str]:
    reasons = []
    database = checks["database"]
    if not database["ok"]:
        reasons.append(f"database unreachable ({database.get('error', 'error')})")
    index = checks["search_index"]
    if not index.get("ok"):
        if index.get("error"):
            reasons.append(f"search index unreadable ({index['error']})")
        elif not index.get("path_exists", True):
            reasons.append("search index missing: run `flask --app wsgi search reindex`")
        else:
            reasons.append(
                f"search index behind: {index.get('lag_events')} change(s) waiting, oldest "
                f"{index.get('outbox_oldest_seconds')} s: run `flask --app wsgi search apply`"
            )
    return reasons


@bp.get("/healthz")
def healthz():
    checks = {"database": _database(), "search_index": _search_index()}
    reasons = _reasons(checks)
    ok = not reasons
    response = jsonify(status="ok" if ok else "unavailable", reasons=reasons, checks=checks)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
