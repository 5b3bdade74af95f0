"""CSV exports, one writer for all of them (issue 14).

Two variants of the same rows:
- **excel** (the default): what a Vietnamese-locale Excel opens right with a double click — UTF-8 with a BOM (without
  it Excel reads the file as the system code page), `;` between cells (the list separator of the vi-VN locale, where
  `,` is the decimal mark), `,` in decimals (`69,06`), headings in words, dates `dd/mm/yyyy` and times in
  Asia/Ho_Chi_Minh, yes/no as words.
- **machine** (`?dang=may`, or `?format=machine`): for scripts — UTF-8 without a BOM, `,` between cells, `.` in
  decimals, stable snake_case headings, ISO 8601 dates (times in UTC with their offset), `true`/`false`.
Whole numbers (amounts in đồng, counts) are plain digits in both: Excel reads them as numbers in any locale.
Text that would start a formula is neutralised in both (`text.spreadsheet_cell`): a file meant for machines still
ends up opened in a spreadsheet.
"""
from __future__ import annotations

import csv
import datetime as dt
import enum
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .errors import InvalidInput
from .text import spreadsheet_cell
from .timeutil import to_local

EXCEL = "excel"
MACHINE = "machine"
#: the query values that choose a variant: `dang` (Vietnamese URLs) or `format`
_VARIANT_WORDS = {"": EXCEL, "excel": EXCEL, "may": MACHINE, "machine": MACHINE}


class Kind(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"  # counts and amounts in whole đồng
    RATE_BP = "rate_bp"  # a percentage held in basis points (6906 -> 69,06 / 69.06)
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    #: the machine variant's heading: snake_case, never translated, never renamed (scripts depend on it)
    key: str
    #: the Excel variant's heading, in the reader's language (Vietnamese first)
    heading: Any
    kind: Kind = Kind.TEXT
    #: what the column holds, for the documentation on the export's page
    doc: Any = ""
    #: the Excel variant's words for a stored code (an outcome, a reason); the machine variant keeps the code
    words: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class _Dialect:
    delimiter: str
    bom: bool


_DIALECTS = {EXCEL: _Dialect(";", True), MACHINE: _Dialect(",", False)}


def variant_from(args) -> str:
    """The variant a request asks for; anything else is a 400 that names the accepted values."""
    raw = (args.get("dang") or args.get("format") or "").strip().lower()
    if raw not in _VARIANT_WORDS:
        raise InvalidInput(_("Dạng tệp không hợp lệ: để trống (Excel) hoặc dang=may (cho máy đọc)."), parameter="dang")
    return _VARIANT_WORDS[raw]


def _rate(bp: int, variant: str) -> str:
    value = Decimal(int(bp)).scaleb(-2)
    if variant == MACHINE:
        return f"{value:.2f}"
    return format_decimal(value, format="0.00", locale="vi_VN")


def cell(value: Any, column: Column, variant: str) -> Any:
    """One value as the variant writes it."""
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind is Kind.INTEGER:
        return int(value)
    if kind is Kind.RATE_BP:
        return _rate(value, variant)
    if kind is Kind.BOOLEAN:
        if variant == MACHINE:
            return "true" if value else "false"
        return _("Có") if value else _("Không")
    if kind is Kind.DATETIME:
        if variant == MACHINE:
            return value.astimezone(dt.UTC).isoformat()
        return to_local(value).strftime("%d/%m/%Y %H:%M")
    if kind is Kind.DATE:
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        return value.isoformat() if variant == MACHINE else value.strftime("%d/%m/%Y")
    if variant == EXCEL and column.words is not None:
        value = column.words(value)
    return spreadsheet_cell(str(value))


def render(columns: Sequence[Column], rows: Iterable[Sequence[Any]], variant: str) -> bytes:
    """The file's bytes: a heading row, then one line per row (values in the columns' order)."""
    dialect = _DIALECTS[variant]
    buf = io.StringIO()
    if dialect.bom:
        buf.write("\ufeff")
    writer = csv.writer(buf, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow([c.key if variant == MACHINE else str(c.heading) for c in columns])
    for row in rows:
        writer.writerow([cell(v, c, variant) for v, c in zip(row, columns, strict=True)])
    return buf.getvalue().encode("utf-8")


def response(columns: Sequence[Column], rows: Iterable[Sequence[Any]], variant: str, filename: str) -> Response:
    """A download of `rows`; the machine variant's file name ends in `-may.csv` so both can sit in one folder."""
    if variant == MACHINE:
        filename = filename.removesuffix(".csv") + "-may.csv"
    return Response(render(columns, rows, variant), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Content-Type": "text/csv; charset=utf-8"})


#: what the export pages say about the two variants (one sentence, shown beside every download link)
VARIANTS_NOTE = _l("Tệp mặc định mở đúng trong Excel tiếng Việt: UTF-8 có BOM, phân tách bằng dấu chấm phẩy (;), "
                   "số thập phân có dấu phẩy, ngày dd/mm/yyyy giờ Việt Nam, tiêu đề cột bằng chữ. Cho máy đọc, "
                   "thêm dang=may vào địa chỉ: UTF-8 không BOM, dấu phẩy (,), số thập phân có dấu chấm, tiêu đề "
                   "cột snake_case cố định, ngày ISO 8601.")
