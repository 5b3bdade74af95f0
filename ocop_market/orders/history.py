"""An order's history (nhật ký đơn): append-only rows, one per step, written in the step's transaction."""
from __future__ import annotations

from ..extensions import db
from ..timeutil import utcnow
from . import notices
from .models import Order, OrderEvent, ProducerOrder


def part_event(order: Order, po: ProducerOrder | None, actor_id: int | None, frm: str | None, to: str,
               note: str = "", hub_id: int | None = None) -> None:
    """A producer order moved from `frm` to `to` (or, with `po` None, an order-level entry); whoever must hear
    of it gets a message in the same transaction (`notices`). `hub_id`: the hub whose member acted for the
    household."""
    db.session.add(OrderEvent(order_id=order.id, producer_order_id=po.id if po else None, actor_id=actor_id,
                              hub_id=hub_id, from_status=frm, to_status=to, note=note or "", at=utcnow()))
    notices.step_recorded(order, po, to, note or "")


def order_event(order: Order, actor_id: int | None, to: str, note: str = "") -> None:
    """An order-level entry in the history (payment received, refund sent)."""
    part_event(order, None, actor_id, None, to, note)
