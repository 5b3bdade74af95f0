"""A producer's requests for free promotion in coming weeks.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..catalog import services as catalog
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..templating import current_lang
from . import draws, rules
from .eligibility import problems_of
from .models import (
    Allocation,
    PromotionRequest,
    RequestedWeek,
    WeekRun,
    WeekState,
)
from .placements import check_week, current_week, reason_text

#: how far ahead a producer may ask for weeks
REQUEST_WEEKS_AHEAD = 8


# ---------------------------------------------------------------- producer requests
def request_promotion(actor: User, product_id: int, weeks: list[str]) -> PromotionRequest:
    """A producer asks for promotion of one of their listings in some coming weeks."""
    product = catalog.owned_product(actor, product_id)
    weeks = sorted(set(weeks))
    if not weeks:
        raise InvalidInput(_("Vui lòng chọn ít nhất một tuần."))
    allowed = set(request_week_choices())
    for week in weeks:
        check_week(week)
        if week not in allowed:
            raise InvalidInput(_("Chỉ có thể đăng ký các tuần chưa phân bổ trong %(n)s tuần tới.", n=REQUEST_WEEKS_AHEAD))
    problems = problems_of(product)
    if problems:
        raise InvalidInput(_("Sản phẩm chưa đủ điều kiện: %(r)s.", r="; ".join(reason_text(p) for p in problems)))
    taken = set(db.session.scalars(
        select(RequestedWeek.week).join(RequestedWeek.request)
        .where(PromotionRequest.product_id == product.id, RequestedWeek.week.in_(weeks))
    ))
    if taken:
        raise Conflict(_("Sản phẩm đã được đăng ký cho tuần %(w)s.",
                         w="; ".join(rules.week_dates_text(w, current_lang()) for w in sorted(taken))))
    for week in weeks:
        # The week's lottery commitment exists before its first request (the queue usually made it already).
        draws.open_week(week)
    request = PromotionRequest(producer_id=product.producer_id, product_id=product.id, created_by_id=actor.id)
    request.weeks = [RequestedWeek(week=w, state=WeekState.WAITING, reason="") for w in weeks]
    db.session.add(request)
    db.session.flush()
    return request


def request_window(today_week: str | None = None) -> list[str]:
    """This week and the next REQUEST_WEEKS_AHEAD, allocated or not."""
    start = today_week or current_week()
    return [rules.add_weeks(start, i) for i in range(REQUEST_WEEKS_AHEAD + 1)]


def request_week_choices(today_week: str | None = None) -> list[str]:
    """Weeks a producer may still ask for: this one and the next ones, unless already allocated."""
    weeks = request_window(today_week)
    ran = set(db.session.scalars(select(WeekRun.week).where(WeekRun.week.in_(weeks))))
    return [w for w in weeks if w not in ran]


def requests_of(user: User) -> list[PromotionRequest]:
    producer = catalog.producer_of(user)
    if producer is None:
        return []
    return list(db.session.scalars(
        select(PromotionRequest).where(PromotionRequest.producer_id == producer.id)
        .options(selectinload(PromotionRequest.weeks).selectinload(RequestedWeek.allocation)
                 .selectinload(Allocation.placement), selectinload(PromotionRequest.product))
        .order_by(PromotionRequest.created_at.desc(), PromotionRequest.id.desc())
    ))
