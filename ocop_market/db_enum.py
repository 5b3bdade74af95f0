"""One helper for enumeration columns: the value must be one of a `StrEnum`'s values.

Chosen over `sa.Enum(native_enum=False, create_constraint=True)` because it keeps the stored values, the column
types and the existing CHECK constraints byte for byte (no table rebuild on SQLite, no migration), while the
allowed values still come from the one `StrEnum` the code uses."""
from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint


def one_of(column: str, values: type[enum.StrEnum], name: str) -> CheckConstraint:
    """CHECK (column IN ('a','b',…)) named `name` (the naming convention adds `ck_<table>_`)."""
    allowed = ",".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)
