"""The queue's order jobs: release unpaid card orders, and chase orders nobody confirmed."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..accounts.notices import staff_for_province, tell_user
from ..catalog import hubs
from ..catalog.notices import tell_hub, tell_producer
from ..db_tx import transaction
from ..extensions import db
from ..jobs.queue import LocalCron, job
from ..messaging.services import was_queued
from ..money import format_vnd
from ..timeutil import utcnow
from . import fulfilment, wholesale
from .models import OrderEvent, OrderStatus, ProducerOrder

#: a producer is reminded of an order left unconfirmed this long; its province's staff are told after the second
REMIND_PRODUCER_AFTER = dt.timedelta(hours=24)
TELL_STAFF_AFTER = dt.timedelta(hours=48)
#: older orders are past chasing by message (staff see them in the order list)
CHASE_AT_MOST = dt.timedelta(days=14)


@job("orders.expire_unpaid", schedule=LocalCron(minute="*/5"))
def expire_unpaid() -> dict:
    """Cancel unpaid card orders past their deadline (stock back), close stale attempts, retry queued refunds."""
    return fulfilment.expire_unpaid(fulfilment.card_gateway(current_app.config))


def unconfirmed_parts(older_than: dt.timedelta, now: dt.datetime | None = None) -> list[tuple[ProducerOrder, dt.datetime]]:
    """Producer orders still `placed` (waiting for the producer) since at least `older_than`, with since when."""
    now = now or utcnow()
    placed_at = (select(OrderEvent.producer_order_id, func.max(OrderEvent.at).label("at"))
                 .where(OrderEvent.to_status == OrderStatus.PLACED).group_by(OrderEvent.producer_order_id).subquery())
    rows = db.session.execute(
        select(ProducerOrder, placed_at.c.at).join(placed_at, placed_at.c.producer_order_id == ProducerOrder.id)
        .where(ProducerOrder.status == OrderStatus.PLACED, placed_at.c.at <= now - older_than,
               placed_at.c.at > now - CHASE_AT_MOST)
        .options(selectinload(ProducerOrder.order), selectinload(ProducerOrder.producer))
        .order_by(ProducerOrder.id)
    ).all()
    return [(po, at if at.tzinfo else at.replace(tzinfo=dt.UTC)) for po, at in rows]


def _facts(po: ProducerOrder, since: dt.datetime, now: dt.datetime) -> dict:
    return {"code": po.order.code, "total": format_vnd(po.total_vnd), "commune": po.order.commune,
            "producer": po.producer.name, "producer_phone": po.producer.phone or "",
            "hours": int((now - since).total_seconds() // 3600)}


@job("orders.remind_unconfirmed", schedule=LocalCron(minute="15"))
def remind_unconfirmed(now: dt.datetime | None = None) -> dict:
    """Remind a producer (and its hub) of an order unconfirmed for 24 h; after 48 h tell its hub, or the staff of
    its province when it has none."""
    now = now or utcnow()
    reminded = staff_told = hub_told = 0
    with transaction():
        for po, since in unconfirmed_parts(REMIND_PRODUCER_AFTER, now):
            key = f"order_unconfirmed:24h:{po.id}"
            if not was_queued(key):
                sent = tell_producer(po.producer, event_key=key, template="order_unconfirmed",
                                     params=_facts(po, since, now))
                hub = hubs.active_hub_of_producer(po.producer_id)
                if hub is not None:  # a household without a phone of its own hears through its hub
                    sent += tell_hub(hub, event_key=f"{key}:hub", template="hub_order_unconfirmed",
                                     params=_facts(po, since, now))
                # A household with no way to be reached is not counted (nor marked: staff hear of it at 48 h).
                reminded += bool(sent)
        for po, since in unconfirmed_parts(TELL_STAFF_AFTER, now):
            prefix = f"order_unconfirmed:48h:{po.id}:"
            if was_queued(prefix, prefix=True):
                continue
            facts = _facts(po, since, now)
            hub = hubs.active_hub_of_producer(po.producer_id)
            if hub is not None:  # the household's hub acts for it; staff only hear of households without one
                hub_told += bool(tell_hub(hub, event_key=f"{prefix}hub", template="hub_order_unconfirmed",
                                          params=facts))
                continue
            told = [tell_user(staff, event_key=f"{prefix}{staff.id}", template="order_unconfirmed_staff",
                              params=facts) for staff in staff_for_province(po.producer.province_id)]
            staff_told += any(told)
    return {"producers reminded": reminded, "escalated to staff": staff_told, "escalated to hubs": hub_told}


@job("orders.expire_quotes", schedule=LocalCron(minute="10", hour="0"))
def expire_quotes() -> dict:
    """Write `expired` on requests for quote past their time (the pages already read them so)."""
    with transaction():
        count = wholesale.expire_quotes()
    return {"quotes expired": count}
