from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    checks: dict = {}
    ok = True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:  # report, never crash the probe
        db.session.rollback()
        ok = False
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
    from .search import index_health

    checks["search_index"] = index_health(current_app)
    ok = ok and checks["search_index"].get("ok", False)
    return jsonify(status="ok" if ok else "degraded", checks=checks), (200 if ok else 503)
