"""Stripe adapter: the only module that imports `stripe`. Everything else sees plain dicts.

VND is a zero-decimal currency for Stripe: `unit_amount=150000` is 150.000 ₫."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass

import stripe
from stripe.params.checkout import SessionCreateParams

from ..routing import parse_id

CURRENCY = "vnd"


class GatewayError(RuntimeError):
    """Stripe refused or could not be reached; nothing was changed on our side.

    `retryable` is true when Stripe may still have done (or may still do) the request: the connection broke,
    another request with the same idempotency key was in flight (409), or we were rate limited. Retrying with
    the *same* idempotency key is then safe and returns Stripe's saved result. Otherwise Stripe answered with
    an error it saved against the key, so a retry under that key would only replay the error."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


def _gateway_error(exc: Exception) -> GatewayError:
    retryable = isinstance(exc, stripe.APIConnectionError | stripe.IdempotencyError | stripe.RateLimitError)
    return GatewayError(str(exc), retryable=retryable)


class BadSignature(ValueError):
    """A webhook whose signature does not match its raw body, or whose timestamp is too old."""


@dataclass(frozen=True)
class CheckoutLine:
    name: str
    unit_amount_vnd: int
    quantity: int


class MalformedEvent(ValueError):
    """A correctly signed event (or a Stripe answer) whose shape can never be processed: wrong types, an id too
    long to store, an order id out of range. The webhook answers 400 and logs the event id."""


#: the longest id we store (String(255) columns); an order id is bounded like every id (routing.parse_id)
MAX_ID_LENGTH = 255


def _text(obj: dict, key: str, *, required: bool = False, max_length: int = MAX_ID_LENGTH) -> str | None:
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise MalformedEvent(f"{key}: expected a string of 1-{max_length} characters")
    return value


def _required(obj: dict, key: str, max_length: int = MAX_ID_LENGTH) -> str:
    value = _text(obj, key, required=True, max_length=max_length)
    assert value is not None  # _text raised otherwise
    return value


def _whole(obj: dict, key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedEvent(f"{key}: expected an integer")
    return value


@dataclass(frozen=True)
class CheckoutSession:
    """The fields of a Stripe Checkout Session we use, checked: nothing else of Stripe's JSON goes further."""

    id: str
    status: str | None = None
    payment_status: str | None = None
    amount_total: int | None = None
    currency: str = ""
    payment_intent: str | None = None
    url: str | None = None
    #: our order id from the session's metadata (None when absent)
    order_id: int | None = None

    @classmethod
    def parse(cls, obj) -> CheckoutSession:
        if not isinstance(obj, dict):
            raise MalformedEvent("session: expected an object")
        metadata = obj.get("metadata")
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, dict):
            raise MalformedEvent("metadata: expected an object")
        order_id = _text(metadata, "order_id", max_length=10)
        if order_id is not None and parse_id(order_id) is None:
            raise MalformedEvent("metadata.order_id: expected an order id")
        return cls(
            id=_required(obj, "id"),
            status=_text(obj, "status", max_length=40),
            payment_status=_text(obj, "payment_status", max_length=40),
            amount_total=_whole(obj, "amount_total"),
            currency=(_text(obj, "currency", max_length=8) or "").lower(),
            payment_intent=_text(obj, "payment_intent"),
            url=_text(obj, "url", max_length=5000),
            order_id=int(order_id) if order_id is not None else None,
        )


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    #: the Checkout Session the event is about; None for an event type the caller does not handle
    session: CheckoutSession | None


def parse_event(event: dict, session_types: Collection[str]) -> WebhookEvent:
    """Check a signed event's shape. Raises MalformedEvent when it can never be processed; an event of a type
    not in `session_types` is returned without a session (the caller answers 2xx and ignores it)."""
    event_id = _required(event, "id")
    kind = _required(event, "type", max_length=80)
    if kind not in session_types:
        return WebhookEvent(event_id, kind, None)
    data = event.get("data")
    if not isinstance(data, dict):
        raise MalformedEvent("data: expected an object")
    return WebhookEvent(event_id, kind, CheckoutSession.parse(data.get("object")))


def _session(obj) -> CheckoutSession:
    try:
        return CheckoutSession.parse(_plain(obj))
    except MalformedEvent as exc:
        raise GatewayError(f"Stripe answered with a session we cannot read: {exc}") from exc


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
                                idempotency_key: str, customer_email: str | None = None) -> CheckoutSession:
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
            raise _gateway_error(exc) from exc
        return _session(session)

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        try:
            return _session(self.client.v1.checkout.sessions.retrieve(session_id))
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc

    def expire_checkout_session(self, session_id: str) -> CheckoutSession:
        try:
            return _session(self.client.v1.checkout.sessions.expire(session_id))
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc

    def refund(self, *, payment_intent: str, amount_vnd: int, idempotency_key: str, metadata: dict) -> dict:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": payment_intent, "amount": amount_vnd, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc
        answer = _plain(refund)
        if not isinstance(answer.get("id"), str) or len(answer["id"]) > MAX_ID_LENGTH:
            raise GatewayError("Stripe answered with a refund we cannot read")
        return answer

    def refunds_of(self, payment_intent: str) -> list[dict]:
        """The refunds Stripe holds for a payment intent (to find one whose answer we never got)."""
        try:
            page = self.client.v1.refunds.list(params={"payment_intent": payment_intent, "limit": 100})
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc
        return [r for r in map(_plain, page.data) if isinstance(r.get("id"), str) and len(r["id"]) <= MAX_ID_LENGTH]

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
        if not isinstance(event, dict):
            raise MalformedEvent("not an event object")
        return event


def sign_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """A Stripe-Signature header for `payload` (what Stripe sends; used by tests and local tools)."""
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload.decode('utf-8')}", secret)
    return f"t={timestamp},v1={signature}"
