"""JSON API v1: the listings a free-promotion placement shows this week (the API page over the promotions domain)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _

from ..extensions import csrf
from ..promotions import live, placements
from .serialize import product_summary

bp = Blueprint("promotions_api", __name__, url_prefix="/api/v1/promotions")
# GET only: nothing here changes state, and API clients hold no session token.
csrf.exempt(bp)


@bp.get("/live")
def api_live():
    code = request.args.get("placement", "home")
    # The codes the OpenAPI document lists; one whose row does not exist yet simply has nothing live.
    if code not in placements.placement_codes():
        return jsonify(error={"status": 400, "message": _("Vị trí quảng bá không hợp lệ."), "parameter": "placement"}), 400
    items = live.live_items(code)
    return jsonify(
        placement=code, week=placements.current_week(),
        label=_("Sản phẩm được hỗ trợ quảng bá miễn phí"),
        items=[dict(product_summary(i.product, promoted=True), position=i.allocation.position,
                    click_url=url_for("promotions.click", allocation_id=i.allocation.id, _external=True))
               for i in items],
    )
