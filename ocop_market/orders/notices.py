"""Who hears of an order's steps, written into the outbox in the step's own transaction (issue 12 §2).

- a part reaches `placed` (at checkout for cash on delivery, once paid otherwise) → its producer: order code,
  items, total, the buyer's commune, a one-tap link (72 h) and how to answer by SMS (`OK <code>` / `HUY <code>`);
- a part is confirmed, shipped, delivered or cancelled → the buyer;
- the order is paid (transfer or card) → the buyer.

Each step of each part happens once (states only move forward), and its event key names the part and the step,
so each is told at most once per channel however often a handler is retried. `history.part_event`, the one
place every step is written, calls `step_recorded`.
"""
from __future__ import annotations

from ..accounts.notices import tell, tell_user
from ..catalog import hubs
from ..catalog.notices import tell_hub, tell_producer
from ..messaging.links import public_url
from ..money import format_vnd
from . import links
from .models import Order, OrderStatus, ProducerOrder

#: steps of a part the buyer hears of
BUYER_STEPS = (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED)
#: how much of the item list an SMS can carry beside the rest of the message
SMS_ITEMS = 34


def items_text(po: ProducerOrder, limit: int | None = None) -> str:
    text = "; ".join(f"{line.product_name} x{line.quantity}" for line in po.lines)
    if limit is not None and len(text) > limit:
        text = text[: limit - 3].rstrip(" ;,") + "..."
    return text


def _new_order(order: Order, po: ProducerOrder) -> None:
    token = links.make_token(po.id, po.producer_id)
    link = public_url("order_links.show", token=token)
    params = {"code": order.code, "items": items_text(po), "items_short": items_text(po, SMS_ITEMS),
              "total": format_vnd(po.total_vnd), "commune": order.commune, "producer": po.producer.name,
              "method": order.payment_method}
    # The link acts for the household without a login: a capability, erased from the row once sent.
    tell_producer(po.producer, event_key=f"order_part:{po.id}:placed", template="order_new", params=params,
                  secret_params={"link": link} if link else None)
    # The household's hub hears of it too (many households have no phone of their own); not when the hub itself
    # typed the order in. Its link is to the hub area, which needs its member's login.
    hub = hubs.active_hub_of_producer(po.producer_id)
    if hub is not None and hub.id != order.entered_by_hub_id:
        tell_hub(hub, event_key=f"order_part:{po.id}:placed:hub", template="hub_order_new",
                 params={**params, "link": public_url("hub.order_detail", po_id=po.id) or ""})


def _buyer_step(order: Order, po: ProducerOrder, to: str, note: str) -> None:
    params = {"code": order.code, "status": to, "producer": po.producer.name, "total": format_vnd(po.total_vnd),
              "note": note[:200], "link": public_url("orders.order_detail", code=order.code) or ""}
    if order.entered_by_hub_id is not None:
        # A buyer who phoned or walked in has no account here (the order's is the hub member's): the number they
        # gave is how they hear of it, and the order page's link would only ask them to sign in.
        tell(event_key=f"order_part:{po.id}:{to}", template="order_update", params={**params, "link": ""},
             phone=order.phone)
        return
    tell_user(order.buyer, event_key=f"order_part:{po.id}:{to}", template="order_update", params=params,
              phone=order.phone)


def _paid(order: Order) -> None:
    params = {"code": order.code, "total": format_vnd(order.total_vnd),
              "link": public_url("orders.order_detail", code=order.code) or ""}
    tell_user(order.buyer, event_key=f"order:{order.id}:paid", template="order_paid", params=params, phone=order.phone)


def step_recorded(order: Order, po: ProducerOrder | None, to: str, note: str = "") -> None:
    """Called for every history entry, inside its transaction (flush only)."""
    if po is None:
        if to == "paid":
            _paid(order)
        return
    if to == OrderStatus.PLACED:
        _new_order(order, po)
    elif to in BUYER_STEPS:
        _buyer_step(order, po, to, note)
