"""Payments (thanh toán): payment records, the producers' ledger, and the adapters to the outside — Stripe
(`stripe_gateway.py`, the only importer of `stripe`) and VietQR (`vietqr.py`) — plus the Stripe webhook's
receiving end (`views.py`: signature, event shape, event id).

The layer below orders: payments never imports orders. What a payment does to an order is decided by
`orders/fulfilment.py`; the webhook hands a checked event up through `signals.stripe_checkout_event`."""
