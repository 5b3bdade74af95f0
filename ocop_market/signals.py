"""The signals by which a lower domain lets a higher one react, without importing it (README "Architecture").

One blinker Namespace (blinker is Flask's own signalling library). The domain that sends a signal owns it and
documents here who the sender is and which keyword arguments come with it; a higher domain connects its receivers
when the app is created (in its `register(app)` or blueprint `record_once`), with `weak=False` for module-level
functions. Rules for receivers:
- run inside the sender's transaction and only `flush()`; never commit, never roll back work that is not theirs;
- a signal that asks a question (its doc says "receivers return") is read with `answers()`.
"""
from __future__ import annotations

from typing import Any

from blinker import Namespace, Signal

_signals = Namespace()

#: A page slot is being rendered (see `slots.py`, which is the only sender). Sender: the slot name (str).
#: Kwargs: the slot's context, as listed in `slots.SLOTS`. Receivers return HTML (str or Markup) or None.
page_slot = _signals.signal("page-slot")

#: An order was placed: its lines exist and are flushed, the buyer's request is current. Sent by
#: `orders.services.place_order` inside the checkout transaction. Sender: the Order. Kwargs: none.
#: (promotions: a line for a listing the buyer reached through a promotion click becomes a Conversion.)
order_placed = _signals.signal("order-placed")

#: The catalog importer met a `support_project_code`. Sender: the code (str, stripped, non-empty).
#: Receivers return the project it names, or None. No project in any answer means the code is unknown (a row error).
import_support_project = _signals.signal("import-support-project")

#: The catalog importer wrote a listing from a CSV row that names a support project. Sender: the acting user.
#: Kwargs: `product` (flushed), `project` (an answer of `import_support_project`). Receivers return True when they
#: changed the listing (then it counts as updated).
listing_project_imported = _signals.signal("listing-project-imported")

#: The programs outcome report asks how often these listings were shown in a period. Sender: None.
#: Kwargs: `product_ids` (list[int]), `start`, `end` (dates, end exclusive). Receivers return an int (promotions:
#: impressions counted in its placements).
listing_impressions = _signals.signal("listing-impressions")


def answers(signal: Signal, sender: Any = None, **kwargs: Any) -> list[Any]:
    """The receivers' return values, leaving out None (a receiver with nothing to say)."""
    return [value for _receiver, value in signal.send(sender, **kwargs) if value is not None]

#: Sent by payments (the Stripe webhook, `payments/views.py`) once a signed event about a Checkout Session has
#: been checked for shape and its id stored (a redelivery never reaches the receivers). Sender: the Flask app.
#: Kwargs: `event` — a `payments.stripe_gateway.WebhookEvent` whose `session` is set. Receivers (orders
#: fulfilment) apply the event's effect and return `(outcome, order_id)`: the webhook's answer and the order.
stripe_checkout_event = _signals.signal("stripe-checkout-event")

#: Orders asks which programme shipping subsidies would pay part of these shipments' fees (the cart, checkout and
#: placing an order). Sender: None. Kwargs: `shipments` — a list of `orders.subsidy.ShipmentFee` (producer, fee,
#: parcel weight), `at` — the UTC moment, `fresh` — True when placing an order (read the database, no per-process
#: copy; pages may use one). Receivers return {producer_id: orders.subsidy.SubsidyOffer}
#: (programs: its live subsidies, `programs/subsidies.py`); orders keeps the largest offer per shipment, capped at
#: its fee.
shipping_subsidy_offers = _signals.signal("shipping-subsidy-offers")

#: An order's part was placed with a subsidy offer. Sent by `orders.services.place_order` inside the checkout
#: transaction, once per subsidised part. Sender: the flushed ProducerOrder. Kwargs: `offer` (SubsidyOffer).
#: The receiver that owns `offer.subsidy_id` spends it by one conditional UPDATE of the budget and raises
#: `orders.subsidy.SubsidyRanOut` when the budget, period or active flag no longer allow it (the order rolls back).
shipping_subsidy_claimed = _signals.signal("shipping-subsidy-claimed")

#: A subsidised part was cancelled before shipping. Sent by `orders.services.move` inside the cancel's
#: transaction. Sender: the ProducerOrder. Kwargs: none. Receivers give the amount back to the budget, once.
shipping_subsidy_released = _signals.signal("shipping-subsidy-released")
