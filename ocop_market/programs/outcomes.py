"""Outcome figures of projects for a period: sales of their listings, households' livelihoods, disbursement,
what other domains report (impressions) — the staff dashboard, the CSV export and the public project page.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import signals
from ..catalog.certificates import EXPIRY_WARNING_DAYS, certificates_expiring
from ..catalog.models import HouseholdAssessment, Producer, ProducerStatus, Product, ProductStatus
from ..errors import InvalidInput
from ..extensions import db
from ..orders.models import (
    OrderEvent,
    OrderLine,
    OrderStatus,
    ProducerOrder,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
)
from ..timeutil import LOCAL_TZ, to_local
from . import rules, subsidies
from .disbursements import apart_disbursed, plan_lines
from .models import (
    Participation,
    SupportProject,
)
from .participation import latest_record, nameable_producer_ids, records_of

SOLD_STATES = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)

GROUP_BY = ("project", "commune", "province")
GROUP_BY_LABELS = {"project": _l("Dự án"), "commune": _l("Xã/phường"), "province": _l("Tỉnh")}


# ---------------------------------------------------------------- outcomes
def _delivered_dates(po_ids: list[int]) -> dict[int, dt.date]:
    """The local day each producer order was delivered (its first move to `delivered`)."""
    out: dict[int, dt.date] = {}
    if not po_ids:
        return out
    for chunk_start in range(0, len(po_ids), 500):
        chunk = po_ids[chunk_start:chunk_start + 500]
        rows = db.session.execute(
            select(OrderEvent.producer_order_id, func.min(OrderEvent.at))
            .where(OrderEvent.producer_order_id.in_(chunk), OrderEvent.to_status == OrderStatus.DELIVERED)
            .group_by(OrderEvent.producer_order_id)
        )
        for po_id, at in rows:
            if at is not None:
                if at.tzinfo is None:
                    at = at.replace(tzinfo=dt.UTC)
                out[po_id] = at.astimezone(LOCAL_TZ).date()
    return out


def _returned_vnd(line_ids: list[int]) -> dict[int, int]:
    """What accepted returns gave back per order line (returned quantity × the price paid): that money went
    back to the buyer (ledger kind `return_refund`), so it is no household's revenue."""
    out: dict[int, int] = defaultdict(int)
    for chunk_start in range(0, len(line_ids), 500):
        chunk = line_ids[chunk_start:chunk_start + 500]
        rows = db.session.execute(
            select(ReturnLine.order_line_id, ReturnLine.quantity, OrderLine.unit_price_vnd)
            .join(ReturnRequest, ReturnLine.return_id == ReturnRequest.id)
            .join(OrderLine, ReturnLine.order_line_id == OrderLine.id)
            .where(ReturnLine.order_line_id.in_(chunk), ReturnRequest.status == ReturnStatus.ACCEPTED)
        )
        for line_id, quantity, unit_price in rows:
            out[line_id] += quantity * unit_price
    return out


def sales_of(project_ids: Iterable[int], until: dt.date | None = None) -> list[rules.Sale]:
    """Delivered (or completed) order lines of the projects' listings, dated by delivery, net of what accepted
    returns refunded (a line returned whole is no sale at all)."""
    ids = list(set(project_ids))
    if not ids:
        return []
    rows = db.session.execute(
        select(OrderLine.id, OrderLine.producer_order_id, ProducerOrder.producer_id, Product.support_project_id,
               OrderLine.line_total_vnd, ProducerOrder.updated_at)
        .join(ProducerOrder, OrderLine.producer_order_id == ProducerOrder.id)
        .join(Product, OrderLine.product_id == Product.id)
        .where(Product.support_project_id.in_(ids), ProducerOrder.status.in_(SOLD_STATES))
    ).all()
    delivered = _delivered_dates(sorted({r[1] for r in rows}))
    returned = _returned_vnd([r[0] for r in rows])
    sales = []
    for line_id, po_id, producer_id, project_id, amount, updated_at in rows:
        net = amount - returned.get(line_id, 0)
        if net <= 0:
            continue
        day = delivered.get(po_id) or to_local(updated_at).date()
        if until is None or day <= until:
            sales.append(rules.Sale(po_id, producer_id, project_id, day, net))
    return sales


def _active_listings(project_ids: list[int]) -> dict[int, int]:
    if not project_ids:
        return {}
    rows = db.session.execute(
        select(Product.support_project_id, func.count(Product.id))
        .join(Product.producer)
        .where(Product.support_project_id.in_(project_ids), Product.status == ProductStatus.APPROVED,
               Producer.status == ProducerStatus.VERIFIED)
        .group_by(Product.support_project_id)
    )
    return {project_id: n for project_id, n in rows if project_id is not None}  # the WHERE keeps only projects


def _listing_ids(project_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    if project_ids:
        for pid, project_id in db.session.execute(
                select(Product.id, Product.support_project_id).where(Product.support_project_id.in_(project_ids))):
            out[project_id].append(pid)
    return out


def _expiring(project_ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    wanted = set(project_ids)
    for cert in certificates_expiring(days=EXPIRY_WARNING_DAYS):
        if cert.product.support_project_id in wanted:
            out[cert.product.support_project_id] += 1
    return out


def promotion_impressions(product_ids: list[int], period: rules.Period) -> int:
    """How often these listings were shown in the period, as the domains that show them answer
    `signals.listing_impressions` (promotions: its placements); 0 when nobody answers."""
    if not product_ids:
        return 0
    return sum(signals.answers(signals.listing_impressions, product_ids=product_ids, start=period.start,
                               end=period.end))


@dataclass
class HouseholdRow:
    participation: Participation
    latest: HouseholdAssessment | None
    first_sale_on: dt.date | None
    revenue_vnd: int
    #: what the project's shipping subsidies paid for this household's parts placed in the period
    shipping_subsidy_vnd: int = 0

    @property
    def move(self) -> str | None:
        return rules.category_move(self.participation.category_at_joining,
                                   self.latest.category if self.latest else None)


def group_key(project: SupportProject, group_by: str) -> tuple[str, str]:
    """(key, label) of the project's row when grouped by project, commune (its official code) or province."""
    if group_by == "project":
        return project.code, project.name
    if group_by == "commune":
        commune = project.commune_ref
        if commune is not None:  # the official code: two spellings of one commune are one row
            return commune.code, f"{commune.name}, {project.province.name}"
        # Not matched to the official list yet (`flask places match-communes`): its own row, marked.
        return f"{project.province.code}/?{project.commune}", \
            _("%(c)s, %(p)s (chưa khớp mã xã)", c=project.commune, p=project.province.name)
    return project.province.code, project.province.name


def outcomes(projects: list[SupportProject], period: rules.Period, group_by: str = "project") -> list[rules.Outcome]:
    """The dashboard's and the export's figures: one row per project, commune or province, same numbers."""
    if group_by not in GROUP_BY:
        raise InvalidInput(_("Cách nhóm không hợp lệ."))
    ids = [p.id for p in projects]
    sales = sales_of(ids, until=period.last_day)
    records = records_of(part.producer_id for p in projects for part in p.participants)
    listings = _active_listings(ids)
    listing_ids = _listing_ids(ids)
    expiring = _expiring(ids)
    subsidised = subsidies.spending_by_project(ids, period.start, period.last_day)
    groups: dict[str, list[SupportProject]] = {}
    labels: dict[str, str] = {}
    for p in projects:
        key, label = group_key(p, group_by)
        groups.setdefault(key, []).append(p)
        labels[key] = label
    result = []
    for key, members in groups.items():
        member_ids = {p.id for p in members}
        households = []
        for p in members:
            for part in p.participants:
                if part.joined_on > period.last_day:
                    continue  # joined after the period: not yet part of it
                own = records.get(part.producer_id, [])
                latest = latest_record(own, part.joined_on, period.last_day)
                # The category is the latest assessment's; the income the latest surveyed one (a declared
                # category has none).
                surveyed = latest_record([r for r in own if r.income_vnd is not None], part.joined_on,
                                         period.last_day)
                households.append(rules.Household(
                    part.producer_id, p.id, part.category_at_joining, part.baseline_income_vnd,
                    (surveyed.income_vnd if surveyed else None, latest.category) if latest else None,
                    ethnic_minority=part.producer.ethnic_minority, woman_headed=part.producer.woman_headed))
        product_ids = sorted(i for p in members for i in listing_ids.get(p.id, []))
        outcome = rules.outcome(
            key, labels[key], period, households, [s for s in sales if s.project_id in member_ids],
            active_listings=sum(listings.get(i, 0) for i in member_ids),
            promotion_impressions=promotion_impressions(product_ids, period),
            certificates_expiring=sum(expiring.get(i, 0) for i in member_ids),
            plan=plan_lines(members, period.budget_year, until=period.last_day),
            apart_disbursed_vnd=apart_disbursed(members, until=period.last_day),
        )
        outcome.shipping_subsidy_vnd = sum(subsidised.get(i, 0) for i in member_ids)
        result.append(outcome)
    return sorted(result, key=lambda o: o.key)


def household_rows(project: SupportProject, period: rules.Period) -> list[HouseholdRow]:
    sales = sales_of([project.id], until=period.last_day)
    records = records_of(part.producer_id for part in project.participants)
    subsidised = subsidies.spending_by_household(project.id, period.start, period.last_day)
    rows = []
    for part in project.participants:
        own = [s for s in sales if s.producer_id == part.producer_id]
        rows.append(HouseholdRow(
            participation=part,
            latest=latest_record(records.get(part.producer_id, []), part.joined_on, period.last_day),
            first_sale_on=min((s.delivered_on for s in own), default=None),
            revenue_vnd=sum(s.amount_vnd for s in own if period.contains(s.delivered_on)),
            shipping_subsidy_vnd=subsidised.get(part.producer_id, 0),
        ))
    return rows


def monthly_revenue(project_ids: list[int], period: rules.Period) -> list[tuple[dt.date, int]]:
    return rules.monthly_revenue(sales_of(project_ids, until=period.last_day), rules.months_ending(period))


def public_figures(project: SupportProject) -> dict:
    """For the public page: aggregates, and the listings only of producers who may be named (lead units, and
    households that consented); no incomes, no categories."""
    sales = sales_of([project.id])
    listings = db.session.scalars(
        select(Product).join(Product.producer)
        .where(Product.support_project_id == project.id, Product.status == ProductStatus.APPROVED,
               Producer.status == ProducerStatus.VERIFIED)
        .options(selectinload(Product.images), selectinload(Product.certificates),
                 selectinload(Product.producer).selectinload(Producer.province))
        .order_by(Product.name)
    ).all()
    nameable = nameable_producer_ids(project)
    return {
        "households": len(project.participants),
        "listings": len(listings),
        "products": [p for p in listings if p.producer_id in nameable],
        "revenue_vnd": sum(s.amount_vnd for s in sales),
        "orders": len({s.producer_order_id for s in sales}),
        "households_with_sales": len({s.producer_id for s in sales}
                                     & {p.producer_id for p in project.participants}),
    }
