"""Page slots: a lower domain's page names a place that a higher domain fills (after Indico's `template_hook`).

A template calls `{{ slot("catalog.home") }}`; every receiver registered for that name is called with the slot's
context and returns HTML (usually `render_template` of its own partial) or None. Built on `signals.page_slot`
(sender: the slot name), so there is one extension mechanism. Register at app creation:

    slots.register("catalog.product.producer", render_project_link)

A slot is an extra on someone else's page: a receiver that fails is logged and renders nothing, inside its own
SAVEPOINT (db_tx.savepoint) so the page's transaction (and whatever the request already did) is left as it was. Its queries run
on the request's session, so on PostgreSQL a failed statement would otherwise poison the rest of the page.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from markupsafe import Markup

from .db_tx import savepoint
from .signals import page_slot

#: Every slot, with the context its template passes. A name not listed here is a programming error.
SLOTS: dict[str, str] = {
    "catalog.home": "the home page, below the introduction; no context",
    "catalog.list.top": "the product list, above the listings; group (ProductGroup or None), page (int)",
    "catalog.product.producer": "a product page, in the producer's card; product (Product)",
    "catalog.product.reviews": "a product page, below the certificate and producer cards; product (Product)",
    "catalog.producer.dashboard.first": "the producer's own dashboard, first, above the profile card (new orders); "
                                        "producer (Producer)",
    "catalog.producer.dashboard": "the producer's own dashboard, below the profile card; producer (Producer)",
    "orders.part.ship": "a producer's part, in place of the plain 'ship' step's form (the carrier choice); "
                        "po (ProducerOrder), area ('producer' or 'hub')",
    "orders.part.shipment": "a producer's part (buyer, producer, hub and staff pages): its parcel and tracking; "
                            "po (ProducerOrder), area ('buyer', 'producer', 'hub' or 'staff')",
    "base.nav.account": "every page's header, among the signed-in person's links; no context",
    "search.results.top": "the search results, above the hits; query (search.types.SearchQuery)",
}

Receiver = Callable[..., Any]


def register(name: str, receiver: Receiver) -> None:
    """Fill slot `name` with `receiver(**context)`; registering the same function twice keeps one."""
    if name not in SLOTS:
        raise KeyError(f"unknown page slot {name!r}; add it to slots.SLOTS")
    page_slot.connect(receiver, sender=name, weak=False)


def render(name: str, **context: Any) -> Markup:
    """What the registered receivers return for this slot, in registration order; failures render nothing."""
    if name not in SLOTS:
        raise KeyError(f"unknown page slot {name!r}; add it to slots.SLOTS")
    parts: list[Markup] = []
    for receiver in page_slot.receivers_for(name):
        try:
            with savepoint():
                html = receiver(name, **context)
        except Exception:  # an extra on someone else's page: log, render nothing, leave their work alone
            current_app.logger.exception("page slot %s: %r failed; rendered nothing", name, receiver)
            continue
        if html:
            parts.append(Markup(html))  # noqa: S704 - receivers return rendered templates (autoescaped)
    return Markup("\n").join(parts)


def init_app(app) -> None:
    app.jinja_env.globals["slot"] = render
