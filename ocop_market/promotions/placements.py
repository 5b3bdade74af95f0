"""Placements (vị trí quảng bá) and the promotion settings staff tune: weeks, capacities, quotas, labels.
Services flush; the caller commits once. Every staff change writes an audit row.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts.models import User
from ..catalog import services as catalog
from ..errors import InvalidInput, NotAllowed
from ..extensions import db
from ..templating import current_lang
from ..timeutil import utcnow
from . import rules
from .models import (
    Placement,
    PlacementKind,
    PromotionSettings,
)

DEFAULT_CAPACITY: dict[str, int] = {PlacementKind.HOME: 8, PlacementKind.GROUP: 3, PlacementKind.SEARCH: 2}



def require_staff(actor: User | None) -> None:
    # The CLI acts without an account (actor None); on the web only staff reach here.
    if actor is not None and not actor.is_staff:
        raise NotAllowed(_("Chỉ cán bộ chương trình được thực hiện thao tác này."))


def current_week() -> str:
    return rules.week_of(utcnow())


def check_week(code: str) -> str:
    try:
        rules.parse_week(code)
    except rules.BadWeek:
        raise InvalidInput(_("Tuần không hợp lệ; dùng dạng 2026-W49.")) from None
    return code


# ---------------------------------------------------------------- defaults and settings
def _wanted_placements() -> list[tuple[str, str, catalog.Group | None, str]]:
    wanted: list[tuple[str, str, catalog.Group | None, str]] = [
        ("home", PlacementKind.HOME, None, "Trang chủ: sản phẩm được hỗ trợ quảng bá"),
        ("search", PlacementKind.SEARCH, None, "Đầu kết quả tìm kiếm phù hợp")]
    wanted += [(f"group_{g.code}", PlacementKind.GROUP, g, f"Đầu trang nhóm: {g.name_vi}") for g in catalog.groups()]
    return wanted


def placement_codes() -> list[str]:
    """Every placement's code (home, search, group_<group code>), whether or not its row exists yet."""
    return [code for code, _kind, _group, _name in _wanted_placements()]


#: The rules' numbers until staff or the first allocation store the settings row.
DEFAULT_SETTINGS = dict(quota_per_quarter=4, max_per_week=1, min_stars=3, min_stock=1, lookback_weeks=12,
                        attribution_days=7, allocation_weekday=4)


def ensure_defaults() -> PromotionSettings:
    """The settings row and one placement per place (home, search, each OCOP group page), if missing."""
    settings = db.session.get(PromotionSettings, 1)
    if settings is None:
        settings = PromotionSettings(id=1, **DEFAULT_SETTINGS)
        db.session.add(settings)
    existing = set(db.session.scalars(select(Placement.code)))
    for code, kind, group, name in _wanted_placements():
        if code not in existing:
            db.session.add(Placement(code=code, kind=kind, group_id=group.id if group else None, name_vi=name,
                                     capacity=DEFAULT_CAPACITY[kind]))
    db.session.flush()
    return settings


def get_settings() -> PromotionSettings:
    """The rules' numbers; the defaults (unsaved) until staff or the first allocation store the row."""
    return db.session.get(PromotionSettings, 1) or PromotionSettings(id=1, **DEFAULT_SETTINGS)


def min_stock_expression():
    """The settings' minimum stock inside a query (the default without the row): a page that shows live
    placements reads it in the same statement instead of one of its own."""
    stored = select(PromotionSettings.min_stock).where(PromotionSettings.id == 1).scalar_subquery()
    return func.coalesce(stored, DEFAULT_SETTINGS["min_stock"])


def placements() -> list[Placement]:
    order: dict[str, int] = {PlacementKind.HOME: 0, PlacementKind.GROUP: 1, PlacementKind.SEARCH: 2}
    rows = db.session.scalars(select(Placement).options(selectinload(Placement.group))).all()
    return sorted(rows, key=lambda p: (order.get(p.kind, 9), p.group.position if p.group else 0, p.id))

SETTING_FIELDS = ("quota_per_quarter", "max_per_week", "min_stars", "min_stock", "lookback_weeks",
                  "attribution_days", "allocation_weekday")


def update_settings(actor: User, values: dict[str, int], capacities: dict[int, int]) -> None:
    require_staff(actor)
    settings = ensure_defaults()
    before = {f: getattr(settings, f) for f in SETTING_FIELDS}
    for name in SETTING_FIELDS:
        if name in values:
            setattr(settings, name, int(values[name]))
    settings.updated_by_id = actor.id if actor else None
    changed_caps = {}
    for placement in placements():
        if placement.id in capacities and capacities[placement.id] != placement.capacity:
            changed_caps[placement.code] = [placement.capacity, capacities[placement.id]]
            placement.capacity = capacities[placement.id]
    after = {f: getattr(settings, f) for f in SETTING_FIELDS}
    audit.record(actor.id if actor else None, "promotion.settings", "promotion_settings", 1,
                 before={k: v for k, v in before.items() if after[k] != v},
                 after={k: v for k, v in after.items() if before[k] != v}, capacities=changed_caps)
    db.session.flush()


def placement_label(placement: Placement) -> str:
    """The placement's name in the visitor's language (`name_vi` is stored once, in Vietnamese)."""
    if placement.kind == PlacementKind.HOME:
        return _("Trang chủ: sản phẩm được hỗ trợ quảng bá")
    if placement.kind == PlacementKind.SEARCH:
        return _("Đầu kết quả tìm kiếm phù hợp")
    if placement.group is not None:
        return _("Đầu trang nhóm: %(group)s", group=placement.group.name(current_lang()))
    return placement.name_vi


def reason_text(code: str) -> str:
    return _(rules.REASON_TEXT.get(code, code)) if code else ""
