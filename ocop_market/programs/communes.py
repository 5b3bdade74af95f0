"""Communes in the programme's eyes: the "no mobile or radio signal" flag staff set (mất sóng: messages by SMS or
radio do not reach the households there, so officers visit), and the commune map of outcomes.

The map is SCHEMATIC, not geographic: no boundary data of the 2025 communes ships with the project and the map
must work offline (no tile server, no network), so each commune of the province is one labelled square of a
grid, in the order of its official code (GSO codes run through the province district by district, so
neighbouring squares are mostly neighbouring communes), coloured by the chosen outcome figure. Replace
`schematic_map` by real geometry (a shipped GeoJSON) when an open, dated source of the new boundaries exists.

Services flush; the caller commits once. Setting the flag writes an audit row.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..errors import NotFound
from ..extensions import db
from ..money import format_number
from ..places import Commune, Province
from ..routing import is_id
from . import rules
from .projects import require_scope

#: the figures a map can be coloured by: the Outcome attribute and its label (units in the label)
MAP_FIGURES = {
    "households": _l("Số hộ tham gia"),
    "escaped_poverty": _l("Số hộ thoát nghèo"),
    "escaped_near_poverty": _l("Số hộ thoát cận nghèo"),
    "revenue_vnd": _l("Doanh thu trong kỳ (đồng)"),
    "orders": _l("Số đơn đã giao trong kỳ"),
}
#: colour steps above "nothing" (level 0): a value's level is its share of the largest value, in quarters
LEVELS = 4
CELL_W, CELL_H, GAP = 112, 56, 4
LABEL_CHARS = 16


# ---------------------------------------------------------------- the flag staff set
def communes_of(province_id: int) -> list[Commune]:
    return list(db.session.scalars(select(Commune).where(Commune.province_id == province_id).order_by(Commune.code)))


def commune_or_404(commune_id: int) -> Commune:
    commune = db.session.get(Commune, commune_id) if is_id(commune_id) else None
    if commune is None:
        raise NotFound(_("Không tìm thấy xã/phường."))
    return commune


def set_no_signal(actor, commune: Commune, no_signal: bool) -> bool:
    """Mark (or clear) a commune as having no mobile or radio signal. Province staff for their province's communes,
    admin anywhere. Returns whether it changed."""
    require_scope(actor, commune.province_id)
    if commune.no_signal == no_signal:
        return False
    commune.no_signal = no_signal
    db.session.flush()
    audit.record(actor.id, "commune.set_no_signal", "commune", commune.id, code=commune.code, no_signal=no_signal)
    return True


# ---------------------------------------------------------------- the schematic map
@dataclass(frozen=True)
class MapCell:
    code: str
    name: str
    x: int
    y: int
    #: None: no project of this commune in the viewer's reach (grey); otherwise the figure, 0 included
    value: int | None
    level: int
    no_signal: bool
    #: the square's <title>: name, code, figure, and the signal warning
    tip: str

    @property
    def short_name(self) -> str:
        bare = self.name
        for prefix in ("Xã ", "Phường ", "Đặc khu "):
            if bare.startswith(prefix):
                bare = bare[len(prefix):]
        return bare if len(bare) <= LABEL_CHARS else bare[:LABEL_CHARS - 1] + "…"

    @property
    def value_text(self) -> str:
        return "—" if self.value is None else format_number(self.value)

    @property
    def css(self) -> str:
        return f"map-cell map-level-{self.level}" + (" map-no-signal" if self.no_signal else "")


@dataclass
class CommuneMap:
    province: Province
    figure: str
    figure_label: str
    columns: int
    cells: list[MapCell] = field(default_factory=list)
    #: rows of the commune report not matched to an official commune: not on the map, listed under it
    unplaced: list[rules.Outcome] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.columns * (CELL_W + GAP) + GAP

    @property
    def height(self) -> int:
        rows = math.ceil(len(self.cells) / self.columns) if self.cells else 1
        return rows * (CELL_H + GAP) + GAP

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def largest(self) -> int:
        return max((c.value or 0 for c in self.cells), default=0)


def level_of(value: int | None, largest: int) -> int:
    """0 for no figure or nothing yet, else 1..LEVELS by its share of the largest value (rounded up)."""
    if not value or largest <= 0:
        return 0
    return max(1, min(LEVELS, math.ceil(LEVELS * value / largest)))


def figure_text(figure: str, value: int | None) -> str:
    if value is None:
        return _("không có dự án trong phạm vi")
    return format_number(value)


def schematic_map(province: Province, communes: list[Commune], rows: list[rules.Outcome], figure: str,
                  columns: int | None = None) -> CommuneMap:
    """One square per commune of `communes` (in code order), coloured by `figure` of its row of the commune report
    (`rows`, grouped by commune code); rows with no official commune go to `unplaced`."""
    if figure not in MAP_FIGURES:
        raise ValueError(figure)
    by_code = {o.key: o for o in rows}
    ordered = sorted(communes, key=lambda c: c.code)
    cols = columns or max(1, math.ceil(math.sqrt(len(ordered) * 1.5)))
    values = {c.code: (int(getattr(by_code[c.code], figure)) if c.code in by_code else None) for c in ordered}
    largest = max((v or 0 for v in values.values()), default=0)
    label = str(MAP_FIGURES[figure])
    cells = []
    for i, c in enumerate(ordered):
        value = values[c.code]
        tip = f"{c.name} ({c.code}): {label} {figure_text(figure, value)}"
        if c.no_signal:
            tip += " — " + _("không có sóng di động, phát thanh")
        cells.append(MapCell(code=c.code, name=c.name, x=GAP + (i % cols) * (CELL_W + GAP),
                             y=GAP + (i // cols) * (CELL_H + GAP), value=value, level=level_of(value, largest),
                             no_signal=c.no_signal, tip=tip))
    known = {c.code for c in ordered}
    return CommuneMap(province=province, figure=figure, figure_label=label, columns=cols, cells=cells,
                      unplaced=[o for o in rows if o.key not in known])
