"""JSON API v1: read-only product listing, search, autocomplete and its OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..extensions import csrf
from ..search import InvalidSearchParameter
from .params import BadParameter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Only GET routes live here: nothing changes state, so there is no form to protect, and a client
# without a session must not be refused for a missing token.
csrf.exempt(bp)


@bp.errorhandler(BadParameter)
def _bad_parameter(err: BadParameter):
    return jsonify(error={"status": 400, "message": err.message, "parameter": err.parameter}), 400


@bp.errorhandler(InvalidSearchParameter)
def _bad_search_parameter(err: InvalidSearchParameter):
    # The parser above refuses everything the search service would; this is the safety net.
    return jsonify(error={"status": 400, "message": err.message, "parameter": err.param}), 400


from . import views  # noqa: E402,F401  (routes attach themselves to bp)
