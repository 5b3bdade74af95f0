"""Time: timezone-aware UTC in the database, Asia/Ho_Chi_Minh on screen."""
from __future__ import annotations

import datetime as dt
from typing import overload
from zoneinfo import ZoneInfo

from babel.dates import format_interval
from sqlalchemy import DateTime, TypeDecorator

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_today() -> dt.date:
    return utcnow().astimezone(LOCAL_TZ).date()


@overload
def to_local(value: dt.datetime) -> dt.datetime: ...
@overload
def to_local(value: None) -> None: ...
def to_local(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL_TZ)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # 29-31 of a month that is shorter clamps to its last day.
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; SQLite has no time zones, so naive values read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def day_range_text(first: dt.date, last: dt.date, lang: str = "vi") -> str:
    """A span of days as a person reads it: "07/12 – 13/12/2026" in Vietnamese (the year once, unless the span
    crosses New Year: "28/12/2026 – 03/01/2027"); Babel's words in another language ("Dec 7 – 13, 2026")."""
    if lang != "vi":
        return format_interval(first, last, "yMMMd", locale=lang)
    if first.year == last.year:
        return f"{first:%d/%m} – {last:%d/%m/%Y}"
    return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"
