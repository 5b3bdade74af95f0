from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..constraints import one_of
from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow


class RunState(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # raised; `will_retry` says whether the queue tries it again
    SKIPPED = "skipped"  # another run of the same job was still running (none runs twice at once)
    ABANDONED = "abandoned"  # left running by a process that died; reclaimed after the job's timeout


RUNNING_ONLY = "state = 'running'"


class JobRun(Model):
    """One run of a job (lượt chạy tác vụ). While a run is `running` no other run of that job can start: a partial
    unique index on the name, so the lock holds across processes and machines that share the database."""

    __tablename__ = "job_runs"
    __table_args__ = (
        one_of("state", RunState, "state_known"),
        Index("uq_job_runs_one_running", "name", unique=True,
              sqlite_where=text(RUNNING_ONLY), postgresql_where=text(RUNNING_ONLY)),
        Index("ix_job_runs_name_started", "name", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the job's registered name, e.g. "orders.expire_unpaid"
    name: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16), default=RunState.RUNNING, index=True)
    #: "schedule", "queue" (enqueued by an event), "command" (flask jobs run), "staff"
    trigger: Mapped[str] = mapped_column(String(16), default="queue")
    #: which try of this task this was (1 = first); a failed try with retries left is tried again later
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    will_retry: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: what the job reported (counts), or the error that stopped it
    summary: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
