"""Staff area. Deny by default: the blueprint guard refuses everyone but staff and admin."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..accounts.permissions import STAFF_ROLES, guard_blueprint

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")
guard_blueprint(bp, *STAFF_ROLES)


@bp.get("/")
def index():
    return render_template("admin/index.html")
