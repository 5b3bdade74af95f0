"""Append-only audit trail of staff and on-behalf actions (nhật ký thao tác)."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from .constraints import AppendOnlyViolation, append_only
from .extensions import Model, db
from .timeutil import UTCDateTime, utcnow


class AuditEntry(Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: e.g. "producer.verify", "product.approve", "catalog.import"
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def detail_dict(self) -> dict:
        return json.loads(self.detail or "{}")


class AuditIsAppendOnly(AppendOnlyViolation):
    pass


append_only(AuditEntry, "audit entries", AuditIsAppendOnly)


def record(actor_id: int | None, action: str, entity_type: str, entity_id: int | None, **detail) -> AuditEntry:
    """Add an audit row to the current transaction; it commits or rolls back with the action."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        detail=json.dumps(detail, ensure_ascii=False, default=str),
    )
    db.session.add(entry)
    return entry


def entries_for(entity_type: str, entity_id: int, limit: int = 50) -> list[AuditEntry]:
    """The latest entries about one record, newest first (a record's history on its staff page)."""
    return list(db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ))
