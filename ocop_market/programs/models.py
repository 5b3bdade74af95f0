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

