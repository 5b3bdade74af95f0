"""Stripe webhook. Exempt from CSRF (Stripe cannot hold our token); the signature on the raw body is the check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from ..extensions import csrf, db
from . import services
from .stripe_gateway import BadSignature, StripeGateway

bp = Blueprint("payments", __name__, url_prefix="/payments")


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    cfg = current_app.config
    if not cfg.get("STRIPE_WEBHOOK_SECRET"):
        return jsonify(error="stripe webhook not configured"), 404
    raw = request.get_data(cache=False, as_text=False)
    try:
        event = StripeGateway(cfg.get("STRIPE_SECRET_KEY") or "unused", cfg.get("STRIPE_API_BASE") or "https://api.stripe.com",
                              cfg["STRIPE_WEBHOOK_SECRET"], int(cfg.get("STRIPE_WEBHOOK_TOLERANCE", 300))
                              ).verify_webhook(raw, request.headers.get("Stripe-Signature"))
    except BadSignature:
        return jsonify(error="bad signature"), 400
    try:
        outcome = services.handle_stripe_event(event)
        db.session.commit()
    except IntegrityError:
        # The event id is already stored: this delivery (a retry, or a twin arriving at the same time) does nothing.
        db.session.rollback()
        return jsonify(received=True, outcome="duplicate"), 200
    return jsonify(received=True, outcome=outcome), 200
