"""JSON API v1: read-only product listing, search, autocomplete and its OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..extensions import csrf
from ..search import InvalidSearchParameter
from .params import developer_message

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Only GET routes live here: nothing changes state, so there is no form to protect, and a client
# without a session must not be refused for a missing token.
csrf.exempt(bp)


@bp.errorhandler(InvalidSearchParameter)
def _bad_parameter(err: InvalidSearchParameter):
    return jsonify(error={"status": 400, "message": developer_message(err), "parameter": err.parameter}), 400


from . import views  # noqa: E402,F401  (routes attach themselves to bp)
