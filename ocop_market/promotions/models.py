"""Free promotion (quảng bá miễn phí): placements, settings, requests, weekly allocations, counters."""
from __future__ import annotations

import datetime as dt
import enum
import json
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..constraints import one_of
from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from ..catalog.models import Producer, Product, ProductGroup
    from ..orders.models import OrderLine


class PlacementKind(enum.StrEnum):
    HOME = "home"
    GROUP = "group"
    SEARCH = "search"


class WeekState(enum.StrEnum):
    WAITING = "waiting"
    ALLOCATED = "allocated"
    NOT_ALLOCATED = "not_allocated"


class AllocationState(enum.StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


class AllocationSource(enum.StrEnum):
    DRAW = "draw"  # chosen by the weekly rule
    PINNED = "pinned"  # placed by staff, with a reason


class Placement(Model):
    """A place on the site where free promotion is shown (vị trí quảng bá), with its weekly capacity."""

    __tablename__ = "promotion_placements"
    __table_args__ = (
        one_of("kind", PlacementKind, "kind_known"),
        CheckConstraint("capacity BETWEEN 0 AND 48", name="capacity_range"),
        CheckConstraint("(kind = 'group') = (group_id IS NOT NULL)", name="group_only_for_group_pages"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "home", "search", "group_food", ...
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("product_groups.id"))
    name_vi: Mapped[str] = mapped_column(String(160))
    capacity: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    group: Mapped[ProductGroup | None] = relationship("ProductGroup")


class PromotionSettings(Model):
    """The numbers of the rules, editable by staff (one row)."""

    __tablename__ = "promotion_settings"
    __table_args__ = (
        CheckConstraint("quota_per_quarter BETWEEN 0 AND 13", name="quota_range"),
        CheckConstraint("max_per_week BETWEEN 1 AND 8", name="per_week_range"),
        CheckConstraint("min_stars BETWEEN 3 AND 5", name="stars_range"),
        CheckConstraint("min_stock BETWEEN 1 AND 100000", name="stock_range"),
        CheckConstraint("lookback_weeks BETWEEN 1 AND 104", name="lookback_range"),
        CheckConstraint("attribution_days BETWEEN 1 AND 90", name="attribution_range"),
        CheckConstraint("allocation_weekday BETWEEN 0 AND 6", name="allocation_weekday_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: slot-weeks a producer may have per quarter
    quota_per_quarter: Mapped[int] = mapped_column(Integer, default=4)
    #: placements a producer may hold in one week
    max_per_week: Mapped[int] = mapped_column(Integer, default=1)
    min_stars: Mapped[int] = mapped_column(Integer, default=3)
    min_stock: Mapped[int] = mapped_column(Integer, default=1)
    #: "recently" in "least promotion recently", in weeks
    lookback_weeks: Mapped[int] = mapped_column(Integer, default=12)
    #: an order counts toward a promotion when the buyer clicked it within this many days
    attribution_days: Mapped[int] = mapped_column(Integer, default=7)
    #: the day (0 = Monday … 6 = Sunday, Việt Nam time) on which the queue allocates the next week's slots
    allocation_weekday: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PromotionRequest(Model):
    """A producer's request (đăng ký quảng bá) for a listing, with the weeks they would like."""

    __tablename__ = "promotion_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship("Product")
    producer: Mapped[Producer] = relationship("Producer")
    weeks: Mapped[list[RequestedWeek]] = relationship("RequestedWeek", back_populates="request", order_by="RequestedWeek.week",
                         cascade="all, delete-orphan")


class RequestedWeek(Model):
    """One wished week of a request and what became of it."""

    __tablename__ = "promotion_request_weeks"
    __table_args__ = (
        UniqueConstraint("request_id", "week", name="uq_promotion_request_weeks_request_week"),
        one_of("state", WeekState, "state_known"),
        Index("ix_promotion_request_weeks_week_state", "week", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("promotion_requests.id"), index=True)
    #: ISO week, e.g. "2026-W49"
    week: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=WeekState.WAITING)
    #: a code of rules.REASON_TEXT when not allocated
    reason: Mapped[str] = mapped_column(String(32), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[PromotionRequest] = relationship("PromotionRequest", back_populates="weeks")
    allocation: Mapped[Allocation | None] = relationship("Allocation", back_populates="requested_week", uselist=False,
                              primaryjoin="RequestedWeek.id == Allocation.requested_week_id")


class WeekRun(Model):
    """The weekly draw happened: its row is unique per week, so a second run (or a concurrent one) is a no-op."""

    __tablename__ = "promotion_week_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(8), unique=True)
    ran_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ran_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)


class WeekLottery(Model):
    """The week's commit-reveal lottery (bốc thăm công khai): a secret drawn when the week opens for requests,
    published only as its SHA-256 (the commitment); at allocation the seed is hash(secret, week, the count and
    digest of every request at close), and the secret is revealed. Nobody can know the seed before requests
    close: the operator cannot change the secret after committing, and no one knows the requests in advance."""

    __tablename__ = "promotion_week_lotteries"
    __table_args__ = (
        CheckConstraint("(revealed_at IS NULL) = (seed IS NULL)", name="seed_when_revealed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(8), unique=True)
    #: 64 hex digits; shown on no page (staff pages included) until `revealed_at`
    secret: Mapped[str] = mapped_column(String(64))
    #: sha256 of the secret's 64 hex digits: public from the start
    commitment: Mapped[str] = mapped_column(String(64))
    committed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: the closing value: how many requested weeks there were at close, and the digest of their list
    closing_count: Mapped[int | None] = mapped_column(Integer)
    closing_digest: Mapped[str | None] = mapped_column(String(64))
    seed: Mapped[str | None] = mapped_column(String(64))
    revealed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: JSON written at allocation: the draw's inputs and outcome as published (lottery.publication)
    published: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None


class Allocation(Model):
    """A listing in a placement for one week, at one position (vị trí được phân bổ)."""

    __tablename__ = "promotion_allocations"
    __table_args__ = (
        # Capacity can never be exceeded: one listing per (placement, week, position); a removed
        # allocation gives its position back (NULL is never equal to anything).
        UniqueConstraint("placement_id", "week", "position", name="uq_promotion_allocations_slot"),
        CheckConstraint("position IS NULL OR position >= 1", name="position_positive"),
        one_of("state", AllocationState, "state_known"),
        one_of("source", AllocationSource, "source_known"),
        CheckConstraint("(state = 'active') = (position IS NOT NULL)", name="active_has_position"),
        Index("ix_promotion_allocations_week_state", "week", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("promotion_placements.id"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    position: Mapped[int | None] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    requested_week_id: Mapped[int | None] = mapped_column(ForeignKey("promotion_request_weeks.id"), index=True)
    #: Monday 00:00 Asia/Ho_Chi_Minh, in UTC
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16), default=AllocationSource.DRAW)
    #: order in which the rule served it (1 = first); empty for a pin
    rank: Mapped[int | None] = mapped_column(Integer)
    #: JSON: what the rule looked at (recent slot-weeks, last week, category, lottery ticket)
    basis: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(16), default=AllocationState.ACTIVE)
    pin_reason: Mapped[str] = mapped_column(Text, default="")
    removed_reason: Mapped[str] = mapped_column(Text, default="")
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    placement: Mapped[Placement] = relationship("Placement")
    product: Mapped[Product] = relationship("Product")
    producer: Mapped[Producer] = relationship("Producer")
    requested_week: Mapped[RequestedWeek | None] = relationship("RequestedWeek", back_populates="allocation",
                                  foreign_keys=[requested_week_id])

    @property
    def basis_dict(self) -> dict:
        return json.loads(self.basis or "{}")

    @property
    def is_active(self) -> bool:
        return self.state == AllocationState.ACTIVE


class DailyCounter(Model):
    """Impressions and clicks per (placement, listing, local day): one row a day, never one per view."""

    __tablename__ = "promotion_daily_counters"
    __table_args__ = (
        CheckConstraint("impressions >= 0 AND clicks >= 0", name="counts_not_negative"),
    )

    placement_id: Mapped[int] = mapped_column(ForeignKey("promotion_placements.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)


class CounterSpool(Model):
    """Counts a web process handed over, waiting to be added to the daily counters: the buffer every process and
    the queue share. Rows are only inserted (one batch per hand-over) and deleted by the queue's counter flush."""

    __tablename__ = "promotion_counter_spool"
    __table_args__ = (
        CheckConstraint("impressions >= 0 AND clicks >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("promotion_placements.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)


class Conversion(Model):
    """An order line bought within the attribution window after a click on a promotion."""

    __tablename__ = "promotion_conversions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), unique=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("promotion_allocations.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    revenue_vnd: Mapped[int] = mapped_column(Integer)
    clicked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    allocation: Mapped[Allocation] = relationship("Allocation")
    order_line: Mapped[OrderLine] = relationship("OrderLine")
