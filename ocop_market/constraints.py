"""Rules every domain's tables share: a column holds one of an enumeration's values, a history is append-only."""
from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import CheckConstraint, event


def one_of(column: str, values: type[enum.StrEnum], name: str) -> CheckConstraint:
    """CHECK (column IN ('a','b',…)) over the enumeration's stored values, in their declared order.

    The column stays a plain string (portable, and SQLite and PostgreSQL alike refuse an unknown value); the SQL
    text is the one the existing migrations created, so the constraint needs no new revision."""
    allowed = ",".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


class AppendOnlyViolation(RuntimeError):
    """Someone tried to change or delete a row of a history that is only ever added to."""


def append_only(model: Any, what: str, error: type[AppendOnlyViolation] = AppendOnlyViolation) -> None:
    """Refuse UPDATE and DELETE of `model` rows at flush, so a history (audit, order events, livelihood records)
    can only grow; `what` names the rows in the message ("audit entries")."""

    def refuse_update(mapper, connection, target):
        raise error(f"{what} cannot be changed")

    def refuse_delete(mapper, connection, target):
        raise error(f"{what} cannot be deleted")

    event.listen(model, "before_update", refuse_update)
    event.listen(model, "before_delete", refuse_delete)
