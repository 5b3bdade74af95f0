"""The province's indicator report as an XLSX workbook (the only module importing openpyxl): a title, the unit,
the period, numbered indicator rows with plan / result / rate columns, one sheet per province and one row per
commune code on the last sheet. Numbers are stored as numbers with `#,##0` formats (shown with the reader's
separators: dots in a Vietnamese Excel), rates as percentages with two decimals.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from . import rules
from .indicators import Indicator

INTEGER = "#,##0"
PERCENT = "0.00%"


def _sheet_title(text: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    clean = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "Sheet"
    title, n = clean, 2
    while title in taken:
        title = f"{clean[:28]} {n}"
        n += 1
    taken.add(title)
    return title


def _write_indicators(ws, title: str, unit: str, period: rules.Period, rows: Sequence[Indicator]) -> None:
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([_("Đơn vị báo cáo: %(unit)s", unit=unit)])
    ws.append([_("Kỳ báo cáo: %(label)s (%(key)s)", label=period.label, key=period.key)])
    ws.append([])
    header = [_("STT"), _("Chỉ tiêu"), _("Đơn vị tính"), _("Kế hoạch"), _("Thực hiện"), _("Tỷ lệ (%)")]
    ws.append(header)
    for cell in ws[5]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r in rows:
        rate = r.rate_bp
        ws.append([r.no, r.label, r.unit, r.plan, r.result, None if rate is None else rate / 10000])
        row = ws.max_row
        ws.cell(row, 4).number_format = INTEGER
        ws.cell(row, 5).number_format = INTEGER
        ws.cell(row, 6).number_format = PERCENT
        if "." not in r.no:
            ws.cell(row, 1).font = ws.cell(row, 2).font = Font(bold=True)
    for col, width in zip(range(1, 7), (7, 58, 12, 18, 18, 11), strict=True):
        ws.column_dimensions[get_column_letter(col)].width = width


def workbook(period: rules.Period, by_province: Sequence[tuple[str, Sequence[Indicator]]],
             communes: Sequence[rules.Outcome]) -> bytes:
    """`by_province`: (province name, its indicator rows); `communes`: the outcome of each commune (code key)."""
    wb = Workbook()
    taken: set[str] = set()
    first = True
    for province, rows in by_province:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = _sheet_title(province, taken)
        _write_indicators(ws, _("Kết quả thực hiện dự án hỗ trợ phát triển sản xuất — Chương trình MTQG giảm nghèo "
                                "bền vững"), province, period, rows)
    ws = wb.active if first else wb.create_sheet()
    ws.title = _sheet_title(_("Theo xã"), taken)
    ws.append([_("Kết quả theo xã, phường — %(label)s", label=period.label)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append([_("Mã xã"), _("Xã, phường"), _("Hộ tham gia"), _("Hộ thoát nghèo"), _("Hộ thoát cận nghèo"),
               _("Hộ dân tộc thiểu số"), _("Hộ do phụ nữ làm chủ"), _("Doanh thu (đồng)"),
               _("Giải ngân NSTW (%)"), _("Giải ngân NSĐP (%)")])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for o in communes:
        em = o.breakdown.get("ethnic_minority") or rules.Breakdown()
        wh = o.breakdown.get("woman_headed") or rules.Breakdown()
        central, local = o.rate_bp("central"), o.rate_bp("local")
        ws.append([o.key, o.label, o.households, o.escaped_poverty, o.escaped_near_poverty, em.households,
                   wh.households, o.revenue_vnd, None if central is None else central / 10000,
                   None if local is None else local / 10000])
        row = ws.max_row
        ws.cell(row, 8).number_format = INTEGER
        ws.cell(row, 9).number_format = ws.cell(row, 10).number_format = PERCENT
    for col, width in zip(range(1, 11), (10, 40, 12, 14, 16, 16, 16, 18, 16, 16), strict=True):
        ws.column_dimensions[get_column_letter(col)].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
