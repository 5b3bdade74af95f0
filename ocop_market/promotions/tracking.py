"""Impressions, clicks and orders of promoted listings, without a row per page view.

- Counting: each shown item adds to an in-process buffer keyed by (placement, listing, local day). Every
  PROMOTION_COUNTER_FLUSH_EVENTS events or PROMOTION_COUNTER_FLUSH_SECONDS seconds (checked when a request
  ends) and once more when the process exits, the process hands its buffer over to the shared one, the
  `promotion_counter_spool` table (one plain multi-row INSERT), and asks the queue to add it up. The queue
  (`promotions.write_counters` at once, `promotions.flush_counters` every minute) takes the spool's rows with
  one DELETE … RETURNING, so two flushes never count a row twice, and adds them to the daily counters with one
  UPSERT (`INSERT ... ON CONFLICT DO UPDATE`, SQLite and PostgreSQL alike) in the same transaction. A crash of a
  web process loses at most its own unhanded buffer: these are statistics, not money.
- Clicks go through /qc/<allocation id>, which counts the click and redirects to the listing.
- Attribution: the click is remembered in a signed cookie (not the session, which login clears) holding
  (allocation, listing, time) for the last few clicks. When an order is placed (`signals.order_placed`, sent
  by the orders domain inside the checkout transaction), a line for a listing the buyer clicked within the
  attribution window (settings, default 7 days) gets a Conversion row linking it to the allocation. So
  attribution happens at order placement, the orders code knows nothing of promotions, and no personal data
  is stored beyond the order itself.
- Pages served from the response cache count too: the page keeps the (placement, listing) pairs its boxes showed
  when it was rendered, and each hit adds them to the same buffer (no query, no render).
- Obvious robots (rules.is_bot: empty User-Agent, crawlers, fetchers, monitors) are counted nowhere.
"""
from __future__ import annotations

import atexit
import datetime as dt
import threading
import time
import weakref
from collections import defaultdict
from typing import cast

from flask import Flask, current_app, has_request_context, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Table, delete, func, insert, select

from .. import response_cache, signals
from ..extensions import db
from ..jobs import queue
from ..orders.models import Order
from ..timeutil import local_today, utcnow
from . import rules
from .models import Conversion, CounterSpool, DailyCounter
from .placements import get_settings

CLICK_COOKIE = "ocop_qc"
IMPRESSIONS_REPLAY = "promotions.impressions"
MAX_REMEMBERED_CLICKS = 20


class CounterBuffer:
    """Counts waiting to be written, shared by the threads of one process."""

    def __init__(self, flush_events: int, flush_seconds: float):
        self.flush_events = max(1, flush_events)
        self.flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._counts: dict[tuple[int, int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
        self._events = 0
        self._since = time.monotonic()

    def add(self, placement_id: int, product_id: int, day: dt.date, impressions: int = 0, clicks: int = 0) -> None:
        with self._lock:
            entry = self._counts[(placement_id, product_id, day)]
            entry[0] += impressions
            entry[1] += clicks
            self._events += impressions + clicks

    def due(self) -> bool:
        with self._lock:
            return bool(self._counts) and (
                self._events >= self.flush_events or time.monotonic() - self._since >= self.flush_seconds)

    def take(self) -> dict[tuple[int, int, dt.date], list[int]]:
        with self._lock:
            counts, self._counts = dict(self._counts), defaultdict(lambda: [0, 0])
            self._events = 0
            self._since = time.monotonic()
            return counts

    def put_back(self, counts: dict) -> None:
        with self._lock:
            for key, (imp, clk) in counts.items():
                entry = self._counts[key]
                entry[0] += imp
                entry[1] += clk
                self._events += imp + clk


def _buffer(app: Flask | None = None) -> CounterBuffer:
    return (app or current_app).extensions["promotion_counters"]


def _upsert(conn, counts: dict) -> None:
    table = cast(Table, DailyCounter.__table__)
    rows = [dict(placement_id=p, product_id=pr, day=d, impressions=i, clicks=c) for (p, pr, d), (i, c) in counts.items()]
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # same on_conflict API as PostgreSQL's
    stmt = insert(table).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.placement_id, table.c.product_id, table.c.day],
        set_={"impressions": table.c.impressions + stmt.excluded.impressions,
              "clicks": table.c.clicks + stmt.excluded.clicks},
    )
    conn.execute(stmt)


def flush(app: Flask | None = None) -> int:
    """Hand this process's buffered counts over to the shared spool now, and ask the queue to add them up;
    returns how many (placement, listing, day) rows were handed over."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    buffer = _buffer(app)
    counts = buffer.take()
    if not counts:
        return 0
    rows = [dict(placement_id=p, product_id=pr, day=d, impressions=i, clicks=c) for (p, pr, d), (i, c) in counts.items()]
    try:
        # Its own short transaction: the request's session (and whatever it holds) is left alone.
        with db.engine.begin() as conn:
            conn.execute(insert(CounterSpool), rows)
    except Exception:
        buffer.put_back(counts)
        raise
    try:
        queue.enqueue("promotions.write_counters", app=app)
    except Exception:  # the rows wait in the spool for the next `promotions.flush_counters`
        app.logger.exception("could not hand the counter flush to the queue")
    return len(counts)


def flush_spool() -> int:
    """Add every handed-over count to the daily counters; returns how many counter rows were touched."""
    spool = cast(Table, CounterSpool.__table__)
    with db.engine.begin() as conn:
        taken = conn.execute(delete(spool).returning(
            spool.c.placement_id, spool.c.product_id, spool.c.day, spool.c.impressions, spool.c.clicks)).all()
        counts: dict[tuple[int, int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
        for placement_id, product_id, day, impressions, clicks in taken:
            entry = counts[(placement_id, product_id, day)]
            entry[0] += impressions
            entry[1] += clicks
        if counts:
            _upsert(conn, counts)
    return len(counts)


def _human() -> bool:
    return has_request_context() and not rules.is_bot(request.headers.get("User-Agent"))


def count_impressions(items) -> None:
    """`items` are live.LiveItem shown on the page being rendered. A page the response cache stores keeps the
    list, and each later view of it counts the same items again (`_count_cached_impressions`)."""
    if not items:
        return
    shown = [(item.allocation.placement_id, item.product.id) for item in items]
    response_cache.replay_on_hits(IMPRESSIONS_REPLAY, shown)
    _count(shown)


def _count(shown: list[tuple[int, int]]) -> None:
    if not _human():
        return
    day = local_today()
    buffer = _buffer()
    for placement_id, product_id in shown:
        buffer.add(placement_id, product_id, day, impressions=1)


def _count_cached_impressions(shown: list[tuple[int, int]]) -> None:
    """A cached page was served: its promotion boxes were seen again. In-memory only, like any view."""
    _count([(int(p), int(pr)) for p, pr in shown])


def impressions_of(_sender, product_ids: list[int], start: dt.date, end: dt.date) -> int:
    """Receiver of `signals.listing_impressions`: impressions written for these listings on days in [start, end)."""
    total = 0
    for i in range(0, len(product_ids), 500):  # bounded IN lists
        total += db.session.scalar(
            select(func.coalesce(func.sum(DailyCounter.impressions), 0))
            .where(DailyCounter.product_id.in_(product_ids[i:i + 500]),
                   DailyCounter.day >= start, DailyCounter.day < end)
        ) or 0
    return int(total)


def count_click(allocation) -> bool:
    if not _human():
        return False
    _buffer().add(allocation.placement_id, allocation.product_id, local_today(), clicks=1)
    return True


# ---------------------------------------------------------------- click cookie and attribution
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="promotion-clicks")


def remembered_clicks() -> list[tuple[int, int, int]]:
    """(allocation id, product id, unix time) of the visitor's recent promotion clicks."""
    raw = request.cookies.get(CLICK_COOKIE)
    if not raw or len(raw) > 2000:
        return []
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return []
    clicks = []
    for entry in data if isinstance(data, list) else []:
        if isinstance(entry, list) and len(entry) == 3 and all(isinstance(v, int) for v in entry):
            clicks.append(tuple(entry))
    return clicks


def remember_click(response, allocation, window_days: int) -> None:
    now = int(time.time())
    keep = [c for c in remembered_clicks() if now - c[2] < window_days * 86400 and c[1] != allocation.product_id]
    keep = (keep + [(allocation.id, allocation.product_id, now)])[-MAX_REMEMBERED_CLICKS:]
    response.set_cookie(CLICK_COOKIE, _serializer().dumps([list(c) for c in keep]), max_age=window_days * 86400,
                        httponly=True, samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False))


def attribute_order(order: Order) -> None:
    """Receiver of `signals.order_placed`: lines for listings the buyer reached through a promotion click."""
    if not has_request_context() or CLICK_COOKIE not in request.cookies:
        return
    lines = [line for po in order.producer_orders for line in po.lines]
    clicks = remembered_clicks()
    if not lines or not clicks:
        return
    window = get_settings().attribution_days * 86400
    now = int(time.time())
    latest: dict[int, tuple[int, int]] = {}
    for allocation_id, product_id, at in clicks:
        if 0 <= now - at < window and (product_id not in latest or at > latest[product_id][1]):
            latest[product_id] = (allocation_id, at)
    for line in lines:
        hit = latest.get(line.product_id)
        if hit is None:
            continue
        allocation_id, at = hit
        db.session.add(Conversion(order_line=line, allocation_id=allocation_id, product_id=line.product_id,
                                  revenue_vnd=line.line_total_vnd,
                                  clicked_at=dt.datetime.fromtimestamp(at, dt.UTC), created_at=utcnow()))
    db.session.flush()


def init_app(app: Flask) -> None:
    flush_events = int(app.config.get("PROMOTION_COUNTER_FLUSH_EVENTS") or (1 if app.testing else 200))
    flush_seconds = float(app.config.get("PROMOTION_COUNTER_FLUSH_SECONDS") or (0 if app.testing else 30))
    buffer = CounterBuffer(flush_events, flush_seconds)
    app.extensions["promotion_counters"] = buffer

    @app.teardown_request
    def _flush_counters(exc=None):
        if buffer.due():
            try:
                flush(app)
            except Exception:  # counting must never break a page
                app.logger.exception("promotion counters could not be written; kept for the next try")

    app_ref = weakref.ref(app)  # tests build many apps: the exit hook must not keep them alive

    def _flush_at_exit():
        target = app_ref()
        if target is not None and buffer._counts:
            try:
                with target.app_context():
                    flush(target)
            except Exception:  # noqa: S110 - at exit the database may be gone; nothing is left to tell
                pass

    atexit.register(_flush_at_exit)
    response_cache.on_hit(IMPRESSIONS_REPLAY, _count_cached_impressions)
    signals.order_placed.connect(attribute_order, weak=False)
    signals.listing_impressions.connect(impressions_of, weak=False)
