"""Stripe adapter: the only module that imports `stripe`. Everything else sees plain dicts.

VND is a zero-decimal currency for Stripe: `unit_amount=150000` is 150.000 ₫."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import stripe
from stripe.params.checkout import SessionCreateParams

CURRENCY = "vnd"


class GatewayError(RuntimeError):
    """Stripe refused or could not be reached; nothing was changed on our side."""


class BadSignature(ValueError):
    """A webhook whose signature does not match its raw body, or whose timestamp is too old."""


@dataclass(frozen=True)
class CheckoutLine:
    name: str
    unit_amount_vnd: int
    quantity: int


def _plain(obj) -> dict:
    if obj is None:
        return {}
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return dict(obj)


class StripeGateway:
    def __init__(self, secret_key: str, api_base: str = "https://api.stripe.com", webhook_secret: str = "",
                 tolerance: int = 300):
        if not secret_key:
            raise GatewayError("Stripe is not configured")
        self.client = stripe.StripeClient(secret_key, base_addresses={"api": api_base}, max_network_retries=2)
        self.webhook_secret = webhook_secret
        self.tolerance = tolerance

    @classmethod
    def from_config(cls, cfg) -> StripeGateway:
        return cls(cfg.get("STRIPE_SECRET_KEY", ""), cfg.get("STRIPE_API_BASE") or "https://api.stripe.com",
                   cfg.get("STRIPE_WEBHOOK_SECRET", ""), int(cfg.get("STRIPE_WEBHOOK_TOLERANCE", 300)))

    def create_checkout_session(self, *, order_id: int, order_code: str, lines: list[CheckoutLine],
                                success_url: str, cancel_url: str, expires_at: dt.datetime,
                                idempotency_key: str, customer_email: str | None = None) -> dict:
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": ln.quantity,
                    "price_data": {"currency": CURRENCY, "unit_amount": ln.unit_amount_vnd,
                                   "product_data": {"name": ln.name[:250]}},
                }
                for ln in lines
            ],
            "metadata": {"order_id": str(order_id), "order_code": order_code},
            "payment_intent_data": {"metadata": {"order_id": str(order_id), "order_code": order_code}},
            "client_reference_id": order_code,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "expires_at": int(expires_at.timestamp()),
        }
        if customer_email:
            params["customer_email"] = customer_email
        try:
            session = self.client.v1.checkout.sessions.create(params=params,
                                                              options={"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            raise GatewayError(str(exc)) from exc
        return _plain(session)

    def retrieve_checkout_session(self, session_id: str) -> dict:
        try:
            return _plain(self.client.v1.checkout.sessions.retrieve(session_id))
        except stripe.StripeError as exc:
            raise GatewayError(str(exc)) from exc

    def expire_checkout_session(self, session_id: str) -> dict:
        try:
            return _plain(self.client.v1.checkout.sessions.expire(session_id))
        except stripe.StripeError as exc:
            raise GatewayError(str(exc)) from exc

    def refund(self, *, payment_intent: str, amount_vnd: int, idempotency_key: str, metadata: dict) -> dict:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": payment_intent, "amount": amount_vnd, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise GatewayError(str(exc)) from exc
        return _plain(refund)

    def verify_webhook(self, raw_body: bytes, signature_header: str | None) -> dict:
        """Check the signature on the exact bytes received, then parse them."""
        if not self.webhook_secret:
            raise BadSignature("no webhook secret configured")
        try:
            stripe.WebhookSignature.verify_header(
                raw_body.decode("utf-8"), signature_header or "", self.webhook_secret, self.tolerance
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
            raise BadSignature(str(exc)) from exc
        try:
            event = json.loads(raw_body)
        except ValueError as exc:
            raise BadSignature("body is not JSON") from exc
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise BadSignature("not an event")
        return event


def sign_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """A Stripe-Signature header for `payload` (what Stripe sends; used by tests and local tools)."""
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload.decode('utf-8')}", secret)
    return f"t={timestamp},v1={signature}"
