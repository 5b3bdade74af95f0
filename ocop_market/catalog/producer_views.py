"""The producer's own area: onboarding, listings, photos. Everything is filtered by owner."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..accounts.models import Role
from ..accounts.permissions import guard_blueprint
from . import services

bp = Blueprint("producer", __name__, url_prefix="/gian-hang")
guard_blueprint(bp, Role.PRODUCER)


@bp.get("/")
def dashboard():
    producer = services.producer_of(current_user)
    if producer is None:
        return redirect(url_for(".onboarding"))
    return render_template("producer/dashboard.html", producer=producer)


@bp.route("/dang-ky-co-so", methods=["GET", "POST"])
def onboarding():
    return render_template("producer/onboarding.html")
