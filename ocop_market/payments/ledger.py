"""Money owed to producers (sổ công nợ). The service keeps no commission: a delivered producer order is
owed in full; cash a shipper collected on delivery is already the producer's and is booked against it. The part
of a shipment's fee a programme's shipping subsidy paid is owed to the producer as well (kind `shipping_subsidy`):
the buyer paid the fee less it."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .. import audit
from ..catalog.models import Producer
from ..errors import InvalidInput, NotAllowed
from ..extensions import db
from .models import LedgerKind, Payout, ProducerLedgerEntry


def credit_delivery(po) -> None:
    """Book a delivered producer order once (the unique (producer_order, kind) key refuses a second)."""
    exists = db.session.scalar(
        select(ProducerLedgerEntry.id).where(ProducerLedgerEntry.producer_order_id == po.id,
                                             ProducerLedgerEntry.kind == LedgerKind.EARNING)
    )
    if exists:
        return
    note = po.order.code
    db.session.add(ProducerLedgerEntry(producer_id=po.producer_id, kind=LedgerKind.EARNING, amount_vnd=po.total_vnd,
                                       producer_order_id=po.id, note=note))
    if po.order.payment_method == "cod":
        db.session.add(ProducerLedgerEntry(producer_id=po.producer_id, kind=LedgerKind.COD_COLLECTED,
                                           amount_vnd=-po.total_vnd, producer_order_id=po.id, note=note))
    # A programme paid part of the shipment's fee (hỗ trợ phí giao): the buyer paid only the rest (po.total_vnd),
    # so the programme's part is owed to the household too, and staff pay it out with the balance.
    subsidy_vnd = getattr(po, "shipping_subsidy_vnd", 0) or 0
    if subsidy_vnd > 0:
        db.session.add(ProducerLedgerEntry(producer_id=po.producer_id, kind=LedgerKind.SHIPPING_SUBSIDY,
                                           amount_vnd=subsidy_vnd, producer_order_id=po.id,
                                           note=f"{note} · {po.shipping_subsidy_label}"[:200]))
    db.session.flush()


def balance(producer_id: int) -> int:
    return int(db.session.scalar(
        select(func.coalesce(func.sum(ProducerLedgerEntry.amount_vnd), 0))
        .where(ProducerLedgerEntry.producer_id == producer_id)
    ) or 0)


def entries(producer_id: int, limit: int = 200) -> list[ProducerLedgerEntry]:
    return list(db.session.scalars(
        select(ProducerLedgerEntry).where(ProducerLedgerEntry.producer_id == producer_id)
        .order_by(ProducerLedgerEntry.at.desc(), ProducerLedgerEntry.id.desc()).limit(limit)
    ))


def balances() -> list[tuple[Producer, int]]:
    """Every producer with a ledger, largest amount owed first."""
    total = func.sum(ProducerLedgerEntry.amount_vnd).label("owed")
    rows = db.session.execute(
        select(Producer, total).join(ProducerLedgerEntry, ProducerLedgerEntry.producer_id == Producer.id)
        .group_by(Producer.id).order_by(total.desc(), Producer.name)
    ).all()
    return [(p, int(owed or 0)) for p, owed in rows]


def record_payout(actor, producer: Producer, amount_vnd: int, reference: str = "", note: str = "") -> Payout:
    """Staff transferred money to a producer; never more than what is owed."""
    if actor is None or not actor.is_staff:
        raise NotAllowed()
    if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
        raise InvalidInput(_("Số tiền phải là số nguyên dương."))
    # Check-then-insert would let two staff paying at once both pass the check and overpay. Writing to the
    # producer's row first serialises payouts per producer on both databases (PostgreSQL row lock; SQLite's
    # one writer), so the balance read below already counts a concurrent payout that committed.
    # (`with_for_update()` would do nothing on SQLite.)
    db.session.execute(update(Producer).where(Producer.id == producer.id).values(id=Producer.id)
                       .execution_options(synchronize_session=False))
    owed = balance(producer.id)
    if amount_vnd > owed:
        raise InvalidInput(_("Số tiền vượt quá số đang nợ hộ sản xuất."))
    payout = Payout(producer_id=producer.id, amount_vnd=amount_vnd, reference=reference.strip()[:120],
                    note=note.strip(), recorded_by_id=actor.id)
    db.session.add(payout)
    db.session.flush()
    db.session.add(ProducerLedgerEntry(producer_id=producer.id, kind=LedgerKind.PAYOUT, amount_vnd=-amount_vnd,
                                       payout_id=payout.id, note=payout.reference))
    audit.record(actor.id, "payout.record", "producer", producer.id, amount_vnd=amount_vnd, reference=reference)
    db.session.flush()
    return payout
