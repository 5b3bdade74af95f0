"""The queue's catalog job: warn producers and staff of certificates running out (90 and 30 days ahead)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ..accounts.notices import staff_for_province, tell_user
from ..db_tx import transaction
from ..jobs.queue import LocalCron, job
from ..messaging.services import was_queued
from ..timeutil import local_today
from .certificates import certificates_expiring
from .notices import tell_producer

#: days ahead at which a certificate is announced, latest warning first: each is sent once
WARNING_DAYS = (30, 90)


def _tier(days_left: int) -> int | None:
    return next((d for d in WARNING_DAYS if days_left <= d), None)


@job("catalog.certificate_warnings", schedule=LocalCron(minute="0", hour="7"))
def certificate_warnings(today: dt.date | None = None) -> dict:
    """Tell producers (and their province's staff, one digest each) of certificates that end in 90 or 30 days."""
    today = today or local_today()
    producers = 0
    by_province: dict[int, list[dict]] = defaultdict(list)
    with transaction():
        for cert in certificates_expiring(today, days=max(WARNING_DAYS)):
            days_left = (cert.expires_on - today).days
            tier = _tier(days_left)
            if tier is None:
                continue
            key = f"certificate_expiring:{tier}:{cert.id}:{cert.expires_on.isoformat()}"
            if was_queued(key):
                continue
            product, producer = cert.product, cert.product.producer
            facts = {"product": product.name, "producer": producer.name, "decision_no": cert.decision_no,
                     "expires_on": cert.expires_on.strftime("%d/%m/%Y"), "days_left": days_left}
            tell_producer(producer, event_key=key, template="certificate_expiring", params=facts)
            producers += 1
            by_province[producer.province_id].append(facts)
        staff_told = 0
        for province_id, certs in by_province.items():
            for staff in staff_for_province(province_id):
                key = f"certificate_expiring_staff:{today.isoformat()}:{province_id}:{staff.id}"
                if tell_user(staff, event_key=key, template="certificate_expiring_staff",
                             params={"certificates": certs}):
                    staff_told += 1
    return {"producers told": producers, "staff told": staff_told}
