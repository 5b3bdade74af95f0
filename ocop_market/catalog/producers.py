"""Producer records (cơ sở / hộ sản xuất): creating and editing them, staff verification and refusal.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..accounts.models import User
from ..errors import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..places import Province, match_commune
from ..timeutil import utcnow
from . import households, notices
from .models import (
    HouseholdCategory,
    Producer,
    ProducerKind,
    ProducerStatus,
)
from .services import producer_of, require_reviewer, unique_slug


@dataclass
class ProducerData:
    kind: str
    name: str
    province_id: int
    commune: str
    representative: str = ""
    phone: str | None = None
    village: str = ""
    legacy_district: str = ""
    household_category: str = HouseholdCategory.NONE
    category_assessed_on: dt.date | None = None
    ethnic_minority: bool = False
    woman_headed: bool = False
    story: str = ""


def _check_producer_data(data: ProducerData) -> None:
    if data.kind not in set(ProducerKind):
        raise InvalidInput(_("Loại hình cơ sở không hợp lệ."))
    if data.household_category not in set(HouseholdCategory):
        raise InvalidInput(_("Phân loại hộ không hợp lệ."))
    if not data.name.strip() or not data.commune.strip():
        raise InvalidInput(_("Cần có tên cơ sở và xã/phường."))
    if db.session.get(Province, data.province_id) is None:
        raise InvalidInput(_("Tỉnh/thành phố không hợp lệ."))


def create_producer(actor: User | None, data: ProducerData, owner: User | None = None) -> Producer:
    """Onboard a producer. Staff (or a cooperative) may create one for a household without an account."""
    _check_producer_data(data)
    if owner is not None and producer_of(owner) is not None:
        raise Conflict(_("Tài khoản này đã có hồ sơ cơ sở sản xuất."))
    _check_producer_unique(data)
    producer = Producer(
        slug=unique_slug(Producer, data.name),
        owner_id=owner.id if owner else None,
        created_by_id=actor.id if actor else None,
        updated_by_id=actor.id if actor else None,
        **_producer_fields(data),
    )
    db.session.add(producer)
    db.session.flush()
    audit.record(actor.id if actor else None, "producer.create", "producer", producer.id,
                 on_behalf=bool(actor and (owner is None or actor.id != owner.id)))
    households.declare(actor, producer, data.household_category, data.category_assessed_on)
    return producer


def _check_producer_unique(data: ProducerData, producer_id: int | None = None) -> None:
    q = select(Producer.id).where(
        Producer.name == data.name.strip(),
        Producer.commune == data.commune.strip(),
        Producer.province_id == data.province_id,
    )
    if producer_id is not None:
        q = q.where(Producer.id != producer_id)
    if db.session.scalar(q) is not None:
        raise Conflict(_("Đã có cơ sở cùng tên ở xã/phường này."))


def _commune_id(data: ProducerData) -> int | None:
    commune = match_commune(data.province_id, data.commune)
    return commune.id if commune else None


def _producer_fields(data: ProducerData) -> dict:
    return {
        "kind": data.kind,
        "name": data.name.strip(),
        "representative": data.representative.strip(),
        "phone": data.phone,
        "province_id": data.province_id,
        "commune": data.commune.strip(),
        "commune_id": _commune_id(data),
        "village": data.village.strip(),
        "legacy_district": data.legacy_district.strip(),
        "ethnic_minority": data.ethnic_minority,
        "woman_headed": data.woman_headed,
        "story": data.story.strip(),
    }


def update_producer(actor: User, producer: Producer, data: ProducerData) -> Producer:
    _check_producer_data(data)
    _check_producer_unique(data, producer.id)
    fields = _producer_fields(data)
    if actor is not None and actor.is_commune_officer and not actor.may_review(fields["commune_id"]):
        # The officer's scope is their commune: they may correct a record, not move it out of their reach.
        raise NotAllowed(_("Cán bộ xã chỉ lưu được hồ sơ ở xã của mình; xã/phường nhập vào là xã khác."))
    for key, value in fields.items():
        setattr(producer, key, value)
    producer.updated_by_id = actor.id
    if producer.status == ProducerStatus.REJECTED:
        # A corrected record goes back to the verification queue.
        producer.status = ProducerStatus.PENDING
    db.session.flush()
    audit.record(actor.id, "producer.update", "producer", producer.id)
    households.declare(actor, producer, data.household_category, data.category_assessed_on)
    return producer


def verify_producer(actor: User, producer: Producer) -> None:
    require_reviewer(actor, producer)
    producer.status = ProducerStatus.VERIFIED
    producer.rejection_reason = ""
    producer.verified_at = utcnow()
    producer.verified_by_id = actor.id
    db.session.flush()
    notices.producer_reviewed(producer, audit.record(actor.id, "producer.verify", "producer", producer.id))


def reject_producer(actor: User, producer: Producer, reason: str) -> None:
    require_reviewer(actor, producer)
    if not reason.strip():
        raise InvalidInput(_("Cần nêu lý do từ chối."))
    producer.status = ProducerStatus.REJECTED
    producer.rejection_reason = reason.strip()
    producer.verified_at = None
    db.session.flush()
    notices.producer_reviewed(producer, audit.record(actor.id, "producer.reject", "producer", producer.id,
                                                     reason=reason.strip()))
