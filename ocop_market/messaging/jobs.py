"""The queue's messaging jobs: send one message after its event's commit; retry what is due."""
from __future__ import annotations

from ..jobs.queue import LocalCron, job
from .delivery import deliver, deliver_pending, reclaim_stale_sending


@job("messaging.deliver", retries=0, recorded=False)
def deliver_message(message_id: int) -> str | None:
    """Send one outbox message (enqueued after the commit that wrote it); a failure stays on its row."""
    return deliver(message_id)


@job("messaging.retry", schedule=LocalCron(minute="*"), retries=0)
def retry_messages() -> dict:
    """Retry failed messages whose back-off has passed, send any left unsent, take back interrupted sends."""
    reclaimed = reclaim_stale_sending()
    report = deliver_pending()
    return {"sent": report.sent, "failed": report.failed, "expired": report.expired, "reclaimed": reclaimed}
