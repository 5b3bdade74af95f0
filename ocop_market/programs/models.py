"""Support projects, their budget by source, yearly capital plans, disbursements and participating households.
A household's livelihood records are its assessments in the beneficiary registry (catalog.HouseholdAssessment).

Rates (disbursed / allocated) and outcomes are always computed (see rules.py), never stored.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import HouseholdCategory
from ..constraints import one_of
from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow
from ..validators import PLAIN_TEXT, PLAIN_TEXT_MULTILINE

if TYPE_CHECKING:
    from ..catalog.models import Producer
    from ..places import Commune, Province


class ProjectForm(enum.StrEnum):
    VALUE_CHAIN = "value_chain"  # liên kết chuỗi giá trị
    COMMUNITY = "community"  # dự án phát triển sản xuất cộng đồng


class ProjectStatus(enum.StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"
    SUSPENDED = "suspended"


class BudgetSource(enum.StrEnum):
    CENTRAL = "central"  # ngân sách trung ương (NSTW)
    LOCAL = "local"  # ngân sách địa phương (NSĐP)
    POLICY_CREDIT = "policy_credit"  # vốn vay Ngân hàng Chính sách xã hội (NHCSXH)
    PEOPLE = "people"  # vốn đối ứng của người dân
    ENTERPRISE = "enterprise"  # vốn của doanh nghiệp / đơn vị chủ trì


class SupportProject(Model):
    """A production-support project (dự án hỗ trợ phát triển sản xuất) under a National Target Programme."""

    __tablename__ = "support_projects"
    __table_args__ = (
        one_of("form", ProjectForm, "form_known"),
        one_of("status", ProjectStatus, "status_known"),
        CheckConstraint("end_on >= start_on", name="dates_in_order"),
        CheckConstraint("target_households >= 0", name="target_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "CB-DA2-2024-01"; shown in the public address /du-an/<code>
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), info=PLAIN_TEXT)
    form: Mapped[str] = mapped_column(String(16))
    #: NTP component as data, e.g. "DA2", "DA3-TDA1"
    component: Mapped[str] = mapped_column(String(32), info=PLAIN_TEXT)
    #: e.g. "CTMTQG giảm nghèo bền vững"; the merged programme from 2026 is just another value
    programme: Mapped[str] = mapped_column(String(200), info=PLAIN_TEXT)
    #: e.g. "2021–2025"
    period: Mapped[str] = mapped_column(String(32))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    commune: Mapped[str] = mapped_column(String(120), info=PLAIN_TEXT)
    #: the official commune the text names (matched on save or by `flask places match-communes`)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), index=True)
    #: lead unit (đơn vị chủ trì liên kết) or community group leader (tổ trưởng nhóm cộng đồng)
    lead: Mapped[str] = mapped_column(String(200), info=PLAIN_TEXT)
    decision_no: Mapped[str] = mapped_column(String(64), default="")
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    decision_authority: Mapped[str] = mapped_column(String(160), default="", info=PLAIN_TEXT)
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ProjectStatus.ACTIVE)
    target_households: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    province: Mapped[Province] = relationship("Province")
    commune_ref: Mapped[Commune | None] = relationship("Commune")
    budgets: Mapped[list[ProjectBudget]] = relationship("ProjectBudget", back_populates="project", cascade="all, delete-orphan",
                           order_by="ProjectBudget.id")
    disbursements: Mapped[list[Disbursement]] = relationship("Disbursement", back_populates="project", cascade="all, delete-orphan",
                                 order_by="Disbursement.disbursed_on")
    participants: Mapped[list[Participation]] = relationship("Participation", back_populates="project", cascade="all, delete-orphan",
                                order_by="Participation.id")
    capital_plans: Mapped[list[CapitalPlan]] = relationship("CapitalPlan", back_populates="project",
                                                            cascade="all, delete-orphan",
                                                            order_by="(CapitalPlan.year, CapitalPlan.source)")

    def budget_of(self, source: str) -> int:
        return next((b.amount_vnd for b in self.budgets if b.source == source), 0)


class ProjectBudget(Model):
    """The amount allocated to a project from one source (nguồn vốn)."""

    __tablename__ = "project_budgets"
    __table_args__ = (
        one_of("source", BudgetSource, "source_known"),
        CheckConstraint("amount_vnd >= 0", name="amount_not_negative"),
        UniqueConstraint("project_id", "source", name="uq_project_budgets_project_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("support_projects.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)

    project: Mapped[SupportProject] = relationship("SupportProject", back_populates="budgets")


class Disbursement(Model):
    """Money paid out from one source on one day (giải ngân)."""

    __tablename__ = "project_disbursements"
    __table_args__ = (
        one_of("source", BudgetSource, "source_known"),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("support_projects.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    disbursed_on: Mapped[dt.date] = mapped_column(Date)
    #: the budget year whose capital this payment draws from: its own year, or the previous one until that
    #: year's cut-off (rules.plan_years_for)
    plan_year: Mapped[int] = mapped_column(Integer)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(200), default="", info=PLAIN_TEXT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[SupportProject] = relationship("SupportProject", back_populates="disbursements")


class PlanSource(enum.StrEnum):
    """The state-budget sources that get a yearly capital plan (the others are loans and contributions)."""

    CENTRAL = "central"
    LOCAL = "local"


class CapitalPlan(Model):
    """A project's capital plan for one budget year and one state-budget source (kế hoạch vốn năm), with what the
    previous year left and was allowed to carry over (vốn năm trước chuyển sang): the denominator of the
    disbursement rate officials report."""

    __tablename__ = "project_capital_plans"
    __table_args__ = (
        one_of("source", PlanSource, "source_known"),
        CheckConstraint("planned_vnd >= 0", name="planned_not_negative"),
        CheckConstraint("carried_over_vnd >= 0", name="carried_not_negative"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_in_range"),
        UniqueConstraint("project_id", "year", "source", name="uq_project_capital_plans_project_year_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("support_projects.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    planned_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    carried_over_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the decision assigning the plan, e.g. "2150/QĐ-UBND"
    decision_no: Mapped[str] = mapped_column(String(64), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    project: Mapped[SupportProject] = relationship("SupportProject", back_populates="capital_plans")


class Participation(Model):
    """A household (producer) taking part in a project (hộ tham gia dự án), with its situation at joining."""

    __tablename__ = "project_participants"
    __table_args__ = (
        one_of("category_at_joining", HouseholdCategory, "category_known"),
        CheckConstraint("baseline_income_vnd >= 0", name="baseline_not_negative"),
        UniqueConstraint("project_id", "producer_id", name="uq_project_participants_project_producer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("support_projects.id"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    joined_on: Mapped[dt.date] = mapped_column(Date)
    category_at_joining: Mapped[str] = mapped_column(String(16))
    #: income per person per month at joining, whole đồng
    baseline_income_vnd: Mapped[int] = mapped_column(Integer)
    #: the day the household agreed to be named as taking part in this project on public pages (None: it has
    #: not; then public pages show it only inside aggregates). Taking part in a poverty-reduction project says
    #: the household is poor or near-poor, so the default is off.
    public_consent_on: Mapped[dt.date | None] = mapped_column(Date)
    #: the staff member who recorded the consent (or its withdrawal)
    public_consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[SupportProject] = relationship("SupportProject", back_populates="participants")

    @property
    def may_be_named(self) -> bool:
        return self.public_consent_on is not None
    producer: Mapped[Producer] = relationship("Producer")



# ---------------------------------------------------------------- programme shipping subsidies (hỗ trợ phí giao)
# They live here, in the programmes domain, because a project funds them and the report counts them as its
# spending. Orders (a lower level) never imports this: checkout asks through `signals.shipping_subsidy_offers`,
# spends through `signals.shipping_subsidy_claimed` and gives back through `signals.shipping_subsidy_released`,
# whose receivers `programs/subsidies.py` connects when the app is created. What a part of an order got is kept on
# the part itself (`ProducerOrder.shipping_subsidy_vnd`, orders' own column), so order pages and receipts read it
# without this domain.
class SubsidyMode(enum.StrEnum):
    #: a fixed amount per producer shipment
    PER_ORDER = "per_order"
    #: an amount per kilogram of the parcel (pro rata, rounded down to whole đồng)
    PER_KG = "per_kg"


class SubsidyEligibility(enum.StrEnum):
    #: the households taking part in the project (project_participants)
    PARTICIPANTS = "participants"
    #: a list staff chose (shipping_subsidy_households)
    CHOSEN = "chosen"


class ShippingSubsidy(Model):
    """A programme's shipping subsidy (hỗ trợ phí giao hàng): part of a supported household's shipping fee paid from a
    project's budget, applied at checkout until the budget is spent. `spent_vnd` moves only by conditional UPDATE
    (`programs/subsidies.py`), and the CHECK below refuses any overspend the code might still attempt."""

    __tablename__ = "shipping_subsidies"
    __table_args__ = (
        one_of("mode", SubsidyMode, "mode_known"),
        one_of("eligibility", SubsidyEligibility, "eligibility_known"),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint("cap_per_order_vnd IS NULL OR cap_per_order_vnd > 0", name="cap_positive"),
        CheckConstraint("budget_vnd > 0", name="budget_positive"),
        CheckConstraint("spent_vnd >= 0 AND spent_vnd <= budget_vnd", name="spent_within_budget"),
        CheckConstraint("ends_at > starts_at", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("support_projects.id"), index=True)
    #: what the buyer reads: "Hỗ trợ phí giao của chương trình <name>"
    name: Mapped[str] = mapped_column(String(160), info=PLAIN_TEXT)
    mode: Mapped[str] = mapped_column(String(16), default=SubsidyMode.PER_ORDER)
    #: đồng per shipment (per_order) or per kilogram (per_kg)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    #: at most this per shipment (per_kg mostly); never more than the shipment's fee anyway
    cap_per_order_vnd: Mapped[int | None] = mapped_column(Integer)
    budget_vnd: Mapped[int] = mapped_column(BigInteger)
    spent_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    #: UTC; staff enter and read them in Asia/Ho_Chi_Minh
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    eligibility: Mapped[str] = mapped_column(String(16), default=SubsidyEligibility.PARTICIPANTS)
    #: staff stop a subsidy by turning this off (its uses stay; a cancelled part still gives its amount back)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    project: Mapped[SupportProject] = relationship("SupportProject")
    households: Mapped[list[ShippingSubsidyHousehold]] = relationship(
        "ShippingSubsidyHousehold", cascade="all, delete-orphan", order_by="ShippingSubsidyHousehold.id")

    @property
    def remaining_vnd(self) -> int:
        return self.budget_vnd - self.spent_vnd


class ShippingSubsidyHousehold(Model):
    """A household staff chose for a subsidy whose eligibility is `chosen`."""

    __tablename__ = "shipping_subsidy_households"
    __table_args__ = (UniqueConstraint("subsidy_id", "producer_id", name="uq_shipping_subsidy_households_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subsidy_id: Mapped[int] = mapped_column(ForeignKey("shipping_subsidies.id", ondelete="CASCADE"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)

    producer: Mapped[Producer] = relationship("Producer")


class ShippingSubsidyUse(Model):
    """What one producer's part of an order got from a subsidy (the programme's spending, per household). Given
    back once if the part is cancelled before shipping (`released_at`, set by a conditional UPDATE)."""

    __tablename__ = "shipping_subsidy_uses"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        UniqueConstraint("producer_order_id", "subsidy_id", name="uq_shipping_subsidy_uses_part_subsidy"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subsidy_id: Mapped[int] = mapped_column(ForeignKey("shipping_subsidies.id"), index=True)
    producer_order_id: Mapped[int] = mapped_column(ForeignKey("producer_orders.id"), index=True)
    #: the household the programme pays for (the part's producer), kept for the report
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    subsidy: Mapped[ShippingSubsidy] = relationship("ShippingSubsidy")
