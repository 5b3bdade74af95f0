"""Order and payment settings, read from the environment with defaults.

Applied when the orders blueprint is registered, so values passed to `create_app(config)` win."""
from __future__ import annotations

import os

from flask import Flask

DEMO_VIETQR = {
    # A made-up receiving account so the demo shows a QR; production must set its own.
    "VIETQR_BANK_BIN": "970405",
    "VIETQR_ACCOUNT_NO": "0000123456789",
    "VIETQR_ACCOUNT_NAME": "HTX DEMO CHO OCOP",
}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip().isdigit() else default


def apply_defaults(app: Flask) -> None:
    cfg = app.config
    cfg.setdefault("SHIPPING_FEE_VND", _int("SHIPPING_FEE_VND", 30_000))
    cfg.setdefault("SHIPPING_FREE_ABOVE_VND", _int("SHIPPING_FREE_ABOVE_VND", 500_000))
    # Stripe needs a Checkout Session to live at least 30 minutes; unpaid card orders release stock after it.
    cfg.setdefault("CARD_PAYMENT_MINUTES", max(30, _int("CARD_PAYMENT_MINUTES", 30)))
    cfg.setdefault("STRIPE_API_BASE", os.environ.get("STRIPE_API_BASE", "https://api.stripe.com"))
    cfg.setdefault("STRIPE_WEBHOOK_TOLERANCE", _int("STRIPE_WEBHOOK_TOLERANCE", 300))
    demo = cfg.get("ENV_NAME") == "development"
    for key, demo_value in DEMO_VIETQR.items():
        cfg.setdefault(key, os.environ.get(key) or (demo_value if demo else ""))


def card_enabled(cfg) -> bool:
    return bool(cfg.get("STRIPE_SECRET_KEY"))


def bank_transfer_enabled(cfg) -> bool:
    return bool(cfg.get("VIETQR_BANK_BIN") and cfg.get("VIETQR_ACCOUNT_NO"))
