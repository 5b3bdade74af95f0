"""The queue's search jobs: apply the outbox after a catalog commit, and repair what was left behind."""
from __future__ import annotations

from flask import current_app

from ..jobs.queue import LocalCron, job
from .service import get_search


@job("search.apply", retries=2, retry_delay=10, recorded=False)
def apply() -> str:
    """Apply the search outbox now (enqueued after a catalog commit); a busy index leaves rows for the repair."""
    report = get_search(current_app).apply_outbox(wait=0.0)
    return "busy" if report.busy else f"applied {report.applied}"


@job("search.repair_outbox", schedule=LocalCron(minute="*/2"), retries=2, retry_delay=30)
def repair_outbox() -> dict:
    """Apply outbox rows a crash or a busy index left behind, so search catches up on its own."""
    report = get_search(current_app).apply_outbox(wait=5.0)
    pending, oldest = get_search(current_app).outbox_lag()
    if report.busy:
        raise RuntimeError(f"the search index stayed locked; {pending} change(s) waiting")
    return {"applied": report.applied, "waiting": pending}
