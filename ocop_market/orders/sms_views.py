"""`POST /sms/inbound`: the SMS gateway hands us a text a phone sent (issue 12 §2).

The gateway authenticates with the same token we use towards it (`Authorization: Bearer SMS_GATEWAY_TOKEN`); with
no token configured the endpoint does not exist (404). Body: JSON `{"from": "+84…", "text": "OK DH…", "id": "…"}`
(`id` optional: the gateway's message id, which makes a redelivery harmless). Answers JSON with the outcome; the
reply to the phone goes out as an SMS through the outbox.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, request

from ..db_tx import transaction
from ..extensions import csrf
from ..messaging.phone import InvalidPhoneNumber
from . import refunds, sms_replies
from .fulfilment import card_gateway

bp = Blueprint("sms", __name__, url_prefix="/sms")


def _authorised() -> bool:
    token = current_app.config.get("SMS_GATEWAY_TOKEN") or ""
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def _error(status: int, message: str):
    return jsonify(error={"status": status, "message": message}), status


@bp.post("/inbound")
@csrf.exempt  # a machine-to-machine call, authenticated by the gateway token
def inbound():
    if not _authorised():
        return _error(401, "bad or missing gateway token")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "expected a JSON object")
    sender, text, gateway_id = body.get("from"), body.get("text"), body.get("id")
    if not isinstance(sender, str) or not isinstance(text, str) or len(text) > 1000:
        return _error(400, "'from' and 'text' must be strings (text at most 1000 characters)")
    if gateway_id is not None and (not isinstance(gateway_id, (str, int)) or len(str(gateway_id)) > 120):
        return _error(400, "'id' must be a string of at most 120 characters")
    try:
        with transaction():
            result = sms_replies.handle(sender, text, str(gateway_id) if gateway_id is not None else None)
    except InvalidPhoneNumber:
        return _error(400, "'from' is not a phone number")
    if result.refund_order_id is not None:  # a declined card-paid part: its refund goes to Stripe now
        refunds.send_card_refunds(card_gateway(current_app.config), result.refund_order_id)
    return jsonify(status=result.outcome, order=result.order_code)
