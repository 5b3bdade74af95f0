"""Stripe webhook. Exempt from CSRF (Stripe cannot hold our token); the signature on the raw body is the check.

Payments does what is its own — signature, the event's shape, the event id stored once — and hands the checked
event to whoever fulfils orders through `signals.stripe_checkout_event` (payments never imports orders)."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from ..db_tx import transaction
from ..extensions import csrf, db
from ..signals import stripe_checkout_event
from .models import StripeEvent
from .stripe_gateway import BadSignature, MalformedEvent, StripeGateway, parse_event

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__, url_prefix="/payments")

#: the event types whose object is a Checkout Session, checked as one; any other type is answered 200, ignored
SESSION_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded",
                            "checkout.session.expired", "checkout.session.async_payment_failed"})


def _record(event) -> str:
    """Store the event id (a redelivery fails here: IntegrityError) and let fulfilment apply it (flush only)."""
    record = StripeEvent(event_id=event.id, type=event.type, outcome="ignored")
    db.session.add(record)
    db.session.flush()
    if event.session is not None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's real app
        for _receiver, answer in stripe_checkout_event.send(app, event=event):
            record.outcome, record.order_id = answer
    db.session.flush()
    return record.outcome


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
    except MalformedEvent as exc:
        log.warning("Stripe webhook: signed body is not an event object: %s", exc)
        return jsonify(error="malformed event"), 400
    try:
        checked = parse_event(event, SESSION_EVENTS)
    except MalformedEvent as exc:
        # Signed by Stripe (or with our secret) yet never processable: 400, so it shows as failed in Stripe's
        # dashboard, and logged with its id to be looked at. Never a 500 (Stripe would retry it for days).
        event_id = event.get("id") if isinstance(event.get("id"), str) else repr(event.get("id"))
        log.warning("Stripe event %s refused as malformed: %s", str(event_id)[:255], exc)
        return jsonify(error="malformed event", detail=str(exc)), 400
    try:
        with transaction():
            outcome = _record(checked)
    except IntegrityError:
        # The event id is already stored: this delivery (a retry, or a twin arriving at the same time) does nothing.
        return jsonify(received=True, outcome="duplicate"), 200
    return jsonify(received=True, outcome=outcome), 200
