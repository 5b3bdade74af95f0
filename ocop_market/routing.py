"""Ids from outside: the one bound every URL, form, query string and JSON value is held to.

Every primary key is a 32-bit integer column (SQLAlchemy's Integer: INTEGER on SQLite and PostgreSQL). A larger
number sent to the database is not "no such row": PostgreSQL refuses the query (integer out of range) and SQLite's
driver cannot even bind an integer beyond 64 bits (OverflowError) — both a 500. So a number outside 1..MAX_ID is
refused before any query, as "not found": in a URL by the `id` converter (`/qc/<id:allocation_id>`), in a form,
query string or JSON body through `parse_id` / `coerce_id`, in a service through `is_id`.
"""
from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map, ValidationError

#: the largest value of a 32-bit signed INTEGER column, the type of every id
MAX_ID = 2**31 - 1
#: digits of MAX_ID; anything longer is out of range without converting it
_MAX_DIGITS = len(str(MAX_ID))


def is_id(value: Any) -> bool:
    """True for an int (not a bool) that an id column can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_whole(raw: str | None, low: int, high: int) -> int | None:
    """A whole number typed in a query string or form (a page number, a count): ASCII digits only, within
    low..high, else None. str.isdigit() alone is not enough: it accepts "²" and "١", which int() refuses (a 500),
    and int() refuses more than 4300 digits."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw.lstrip("0")) > len(str(high)):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def parse_id(value: Any) -> int | None:
    """An id from a form field, query string or JSON value: an int, or a string of ASCII digits, within 1..MAX_ID.
    Anything else (0, negative, too large, "1.5", "١", "", None, True) gives None."""
    if isinstance(value, str):
        return parse_whole(value, 1, MAX_ID)
    return value if is_id(value) else None


def coerce_id(value: Any) -> int:
    """`parse_id` for WTForms' `coerce=`: a value that is no id raises ValueError (the field's invalid-value message)."""
    parsed = parse_id(value)
    if parsed is None:
        raise ValueError("not an id")
    return parsed


class IdConverter(IntegerConverter):
    """`<id:name>`: werkzeug's integer converter held to 1..MAX_ID, so an id beyond the column is a 404."""

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_ID)

    def to_python(self, value: str) -> Any:
        if len(value.lstrip("0")) > _MAX_DIGITS:
            raise ValidationError()
        return super().to_python(value)


def register_converters(url_map: Map) -> None:
    """Before any blueprint is registered: rules resolve their converters when they are added."""
    url_map.converters["id"] = IdConverter
