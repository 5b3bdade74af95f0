"""A week's commit-reveal lottery in the database (rules in lottery.py): the commitment when the week opens for
requests, the seed when requests close, the secret and the outcomes published once the week is drawn.
Services flush; the caller commits once.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..catalog.models import Producer
from ..extensions import db
from ..programs.participation import publicly_nameable
from ..timeutil import utcnow
from . import lottery
from .models import Allocation, AllocationState, PromotionRequest, RequestedWeek, WeekLottery


def week_lottery(week: str) -> WeekLottery | None:
    return db.session.scalar(select(WeekLottery).where(WeekLottery.week == week))


def open_week(week: str) -> WeekLottery:
    """The week's commitment, drawn the first time the week is offered for requests (or, for a week nobody asked
    through the form, at its allocation). Two processes opening the same week at once keep the first secret."""
    existing = week_lottery(week)
    if existing is not None:
        return existing
    secret = lottery.new_secret()
    row = WeekLottery(week=week, secret=secret, commitment=lottery.commitment_of(secret), published="")
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        row = week_lottery(week)  # type: ignore[assignment]  # the other process's row, committed first
    return row


def open_weeks(weeks: Iterable[str]) -> int:
    """Commit to a secret for every week in the request window that has none yet; how many were new."""
    new = 0
    for week in weeks:
        if week_lottery(week) is None:
            open_week(week)
            new += 1
    return new


@dataclass(frozen=True)
class Closing:
    row: WeekLottery
    count: int
    digest: str
    seed: str


def close(week: str, requested: Iterable[tuple[int, int]]) -> Closing:
    """Requests are closed: the closing value and the seed. Stored only by `reveal`, with the outcomes."""
    row = open_week(week)
    count, digest = lottery.closing_digest(requested)
    return Closing(row, count, digest, lottery.lottery_seed(row.secret, week, count, digest))


def producer_codes(producer_ids: Iterable[int]) -> dict[int, str]:
    """A code per producer for one week's published outcomes: random, so it says nothing across weeks."""
    codes: dict[int, str] = {}
    used: set[str] = set()
    for pid in sorted(set(producer_ids)):
        code = secrets.token_hex(3).upper()
        while code in used:
            code = secrets.token_hex(3).upper()
        used.add(code)
        codes[pid] = code
    return codes


def reveal(closing: Closing, document: dict[str, Any]) -> None:
    row = closing.row
    row.closing_count, row.closing_digest, row.seed = closing.count, closing.digest, closing.seed
    row.revealed_at = utcnow()
    row.published = json.dumps(document, ensure_ascii=False, sort_keys=True)
    db.session.flush()


# ---------------------------------------------------------------- the public outcomes
@dataclass
class PublishedWeek:
    week: str
    lottery: WeekLottery | None
    #: the published document (None until the week is drawn), with product and producer names as shown
    document: dict[str, Any] | None
    #: request key -> a note when staff removed the listing after the draw
    removed_later: dict[int, str]
    #: when the week's first request was made: a commitment made later was not published in advance
    first_request_at: dt.datetime | None = None

    @property
    def committed_in_advance(self) -> bool:
        if self.lottery is None or self.first_request_at is None:
            return True
        return _aware(self.lottery.committed_at) <= _aware(self.first_request_at)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def published_week(week: str) -> PublishedWeek:
    """What the outcomes page shows: the commitment only, until the draw; then the whole document. A producer is
    named only where a public page may say they are supported (programs' consent); otherwise by its code."""
    row = week_lottery(week)
    if row is None or not row.is_revealed or not row.published:
        return PublishedWeek(week, row, None, {})
    document = json.loads(row.published)
    keys = [int(r["key"]) for r in document["requests"]]
    rows = db.session.scalars(
        select(RequestedWeek).where(RequestedWeek.id.in_(keys))
        .options(selectinload(RequestedWeek.request).selectinload(PromotionRequest.product),
                 selectinload(RequestedWeek.request).selectinload(PromotionRequest.producer).load_only(Producer.name))
    ).all() if keys else []
    by_key = {rw.id: rw for rw in rows}
    nameable = nameable_producers(rw.request.producer_id for rw in rows)
    removed = {a.requested_week_id: a.removed_reason for a in db.session.scalars(
        select(Allocation).where(Allocation.week == week, Allocation.state == AllocationState.REMOVED,
                                 Allocation.requested_week_id.in_(keys)))} if keys else {}
    for r in document["requests"]:
        rw = by_key.get(int(r["key"]))
        r["product"] = rw.request.product.name if rw else ""
        r["product_slug"] = rw.request.product.slug if rw and rw.request.product.is_public else None
        r["producer_name"] = rw.request.producer.name if rw and rw.request.producer_id in nameable else None
    first = min((_aware(rw.request.created_at) for rw in rows), default=None)
    return PublishedWeek(week, row, document, {k: v for k, v in removed.items() if k is not None}, first)


def nameable_producers(producer_ids: Iterable[int]) -> set[int]:
    """Producers a promotion page may name: being promoted says a household is supported (programs' consent)."""
    return publicly_nameable(producer_ids)


def public_document(published: PublishedWeek) -> dict[str, Any] | None:
    """The downloadable JSON: the stored document with the names the page shows (no slug: a page detail)."""
    if published.document is None:
        return None
    document = json.loads(json.dumps(published.document))
    for r in document["requests"]:
        r.pop("product_slug", None)
    if published.lottery is not None:
        document["committed_at"] = published.lottery.committed_at.isoformat()
        document["revealed_at"] = published.lottery.revealed_at.isoformat() if published.lottery.revealed_at else None
    document["first_request_at"] = published.first_request_at.isoformat() if published.first_request_at else None
    return document

