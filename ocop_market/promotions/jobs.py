"""The queue's promotion job: allocate next week's slots on the day staff chose."""
from __future__ import annotations

import datetime as dt

from ..db_tx import transaction
from ..jobs.queue import LocalCron, job
from ..timeutil import LOCAL_TZ, utcnow
from . import allocation, draws, requests, rules, tracking
from .placements import get_settings


@job("promotions.allocate_next_week", schedule=LocalCron(minute="30", hour="6"))
def allocate_next_week(now: dt.datetime | None = None) -> str:
    """On the allocation day of the promotion settings (default Friday), allocate next week's slots (once)."""
    now = now or utcnow()
    weekday = get_settings().allocation_weekday
    if now.astimezone(LOCAL_TZ).weekday() != weekday:
        return f"not the allocation day (weekday {weekday})"
    week = rules.add_weeks(rules.week_of(now), 1)
    with transaction():
        result = allocation.allocate_week(week)
    if not result.ran_now:
        return f"{week} already allocated ({result.allocated} slots)"
    return f"{week}: {result.allocated} slots allocated, {result.refused} requests refused"


@job("promotions.write_counters", retries=2, retry_delay=10, recorded=False)
def write_counters() -> int:
    """Add the counts a web process just handed over (enqueued by it) to the daily counters."""
    return tracking.flush_spool()


@job("promotions.flush_counters", schedule=LocalCron(minute="*"))
def flush_counters() -> dict:
    """Add every impression and click the web processes handed over to the daily counters."""
    return {"counter rows": tracking.flush_spool()}


@job("promotions.open_weeks", schedule=LocalCron(minute="5", hour="0"))
def open_weeks() -> str:
    """Each night, commit to the lottery secret of every week that has entered the request window."""
    with transaction():
        new = draws.open_weeks(requests.request_window())
    return f"{new} weeks opened for requests"
