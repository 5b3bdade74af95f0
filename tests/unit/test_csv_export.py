"""The one CSV writer (ocop_market/csv_export.py): the Excel variant a Vietnamese-locale Excel opens right, and the
machine variant scripts read; both parsed back with the csv module in their own dialect."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from ocop_market import csv_export
from ocop_market.csv_export import Column, Kind
from ocop_market.errors import InvalidInput

COLUMNS = (
    Column("name", "Tên"),
    Column("amount_vnd", "Số tiền (đồng)", Kind.INTEGER),
    Column("rate_pct", "Tỷ lệ (%)", Kind.RATE_BP),
    Column("joined_on", "Ngày tham gia", Kind.DATE),
    Column("paid_at", "Thời điểm trả", Kind.DATETIME),
    Column("eligible", "Đủ điều kiện", Kind.BOOLEAN),
    Column("outcome", "Kết quả", words=lambda code: {"allocated": "Được chọn"}.get(code, code)),
)
ROW = ("Hộ bà Lục Thị Hoa; Trùng Khánh", -1_300_000, 7259, dt.date(2026, 3, 5),
       dt.datetime(2026, 3, 5, 18, 30, tzinfo=dt.UTC), True, "allocated")


def _read(body: bytes, variant: str) -> list[list[str]]:
    if variant == csv_export.EXCEL:
        assert body.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert not body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8")), delimiter=","))


def test_the_excel_variant_has_words_semicolons_decimal_commas_and_local_dates(ctx):
    body = csv_export.render(COLUMNS, [ROW, (None,) * 7], csv_export.EXCEL)
    assert b"\r\n" in body and body.count(b";") > body.count(b",")
    heading, row, empty = _read(body, csv_export.EXCEL)
    assert heading == ["Tên", "Số tiền (đồng)", "Tỷ lệ (%)", "Ngày tham gia", "Thời điểm trả", "Đủ điều kiện",
                       "Kết quả"]
    # 18:30 UTC is 01:30 the next day in Asia/Ho_Chi_Minh; a negative amount stays a number (no apostrophe)
    assert row == ["Hộ bà Lục Thị Hoa; Trùng Khánh", "-1300000", "72,59", "05/03/2026", "06/03/2026 01:30", "Có",
                   "Được chọn"]
    assert empty == [""] * 7


def test_the_machine_variant_has_codes_commas_decimal_points_and_iso_dates(ctx):
    heading, row = _read(csv_export.render(COLUMNS, [ROW], csv_export.MACHINE), csv_export.MACHINE)
    assert heading == ["name", "amount_vnd", "rate_pct", "joined_on", "paid_at", "eligible", "outcome"]
    assert row == ["Hộ bà Lục Thị Hoa; Trùng Khánh", "-1300000", "72.59", "2026-03-05", "2026-03-05T18:30:00+00:00",
                   "true", "allocated"]


@pytest.mark.parametrize("variant", [csv_export.EXCEL, csv_export.MACHINE])
def test_text_that_would_run_as_a_formula_is_neutralised_in_both_variants(ctx, variant):
    row = ("=HYPERLINK(\"http://x\")", 1, 0, None, None, False, "-2")
    _heading, cells = _read(csv_export.render(COLUMNS, [row], variant), variant)
    assert cells[0] == "'=HYPERLINK(\"http://x\")" and cells[6] == "'-2"


def test_the_variant_comes_from_the_query_and_a_bad_one_is_refused(ctx):
    assert csv_export.variant_from({}) == csv_export.EXCEL
    assert csv_export.variant_from({"dang": "may"}) == csv_export.MACHINE
    assert csv_export.variant_from({"format": "machine"}) == csv_export.MACHINE
    with pytest.raises(InvalidInput) as refused:
        csv_export.variant_from({"dang": "xlsx"})
    assert "dang=may" in refused.value.message
