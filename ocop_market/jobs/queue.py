"""Huey, the task queue (the only module that imports `huey`), and the jobs it runs.

- **Storage**: `SqliteHuey` in `QUEUE_FILE` (default `instance/queue.sqlite3`) on one machine; `RedisHuey` when
  `REDIS_URL` is set, so several web instances share one queue and any number of consumers take from it.
  `QUEUE_IMMEDIATE` (on in tests) runs each task at once, in the caller's thread, on Huey's in-memory storage.
- **Jobs**: a domain declares one with `@job("orders.expire_unpaid", schedule=LocalCron(minute="*/5"))` in its
  `jobs.py`; `init_app` makes a Huey task of each. A job runs inside an app context of its own (its own
  session) and commits its own work, like a command.
- **One run at a time**: a recorded job's run is a `JobRun` row; while one is `running` the partial unique index
  refuses a second (across processes and machines sharing the database), which is then recorded `skipped`.
  A row left `running` by a process that died is marked `abandoned` after the job's timeout.
- **Failures**: a run that raises is recorded `failed` (the error kept) and Huey tries it again after
  `retry_delay` seconds, doubled at each try (`retry_backoff=2`), up to `retries` times. Staff see every run
  under *Quản trị › Tác vụ*.
- **Schedule**: `LocalCron` reads Huey's UTC clock in Asia/Ho_Chi_Minh, so "07:00" means seven in Việt Nam.
"""
from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey, TaskWrapper
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import LOCAL_TZ, to_local, utcnow
from .models import JobRun, RunState

log = logging.getLogger(__name__)

QUEUE_NAME = "ocop_market"


@dataclass(frozen=True)
class LocalCron:
    """A crontab (minute, hour, day of week: 0 = Sunday) read in Asia/Ho_Chi_Minh."""

    minute: str = "*"
    hour: str = "*"
    day_of_week: str = "*"
    _match: Callable[[dt.datetime], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_match", crontab(minute=self.minute, hour=self.hour,
                                                   day_of_week=self.day_of_week, strict=True))

    def __call__(self, timestamp: dt.datetime) -> bool:
        """Huey's test of a periodic task: `timestamp` is its clock, naive UTC."""
        return self.matches(timestamp.replace(tzinfo=dt.UTC) if timestamp.tzinfo is None else timestamp)

    def matches(self, moment: dt.datetime) -> bool:
        return self._match(moment.astimezone(LOCAL_TZ).replace(tzinfo=None))

    def next_after(self, moment: dt.datetime) -> dt.datetime | None:
        """The next minute (UTC) after `moment` that matches, within 8 days."""
        t = moment.astimezone(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        for _ in range(8 * 24 * 60):
            if self.matches(t):
                return t
            t += dt.timedelta(minutes=1)
        return None

    def describe(self) -> str:
        return f"{self.minute} {self.hour} * * {self.day_of_week} (Asia/Ho_Chi_Minh)"


@dataclass(frozen=True)
class Job:
    name: str
    fn: Callable[..., Any]
    #: None: run only when enqueued (`enqueue`) or asked for (`flask jobs run`)
    schedule: LocalCron | None = None
    retries: int = 3
    #: seconds before the first retry; doubled at each further one
    retry_delay: int = 60
    #: recorded as JobRun rows (and so never two at once); per-event tasks that record their own outcome
    #: (a message's delivery, a search apply) are not
    recorded: bool = True
    #: after this a `running` row is taken for a dead process's
    timeout_minutes: int = 30

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip().split("\n")[0]


JOBS: dict[str, Job] = {}


def job(name: str, *, schedule: LocalCron | None = None, retries: int = 3, retry_delay: int = 60,
        recorded: bool = True, timeout_minutes: int = 30) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a job (at import of the domain's `jobs.py`). Its function commits its own work and returns a
    short summary (str or dict) for the run's record."""
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        JOBS[name] = Job(name, fn, schedule, retries, retry_delay, recorded, timeout_minutes)
        return fn
    return register


class UnknownJob(LookupError):
    pass


def get_job(name: str) -> Job:
    try:
        return JOBS[name]
    except KeyError:
        raise UnknownJob(name) from None


# ---------------------------------------------------------------- one run
@dataclass
class RunOutcome:
    state: str
    summary: str = ""
    error: str | None = None
    run_id: int | None = None


def _summary(result: Any) -> str:
    if result is None:
        return ""
    if isinstance(result, dict):
        return ", ".join(f"{k} {v}" for k, v in result.items())[:1000]
    return str(result)[:1000]


def reclaim_abandoned(job_: Job, now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    done = db.session.execute(
        update(JobRun)
        .where(JobRun.name == job_.name, JobRun.state == RunState.RUNNING,
               JobRun.started_at < now - dt.timedelta(minutes=job_.timeout_minutes))
        .values(state=RunState.ABANDONED, finished_at=now,
                error=f"still running after {job_.timeout_minutes} min: its process is taken for dead")
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
    db.session.commit()
    return done


def run_job(name: str, *args: Any, trigger: str = "command", attempt: int = 1, will_retry: bool = False) -> RunOutcome:
    """Run a job now in this process, recorded and never beside another run of it. Raises what the job raised
    (after recording it), so Huey retries it; returns the outcome otherwise (`skipped` when one was running)."""
    job_ = get_job(name)
    if not job_.recorded:
        return RunOutcome(RunState.SUCCEEDED, _summary(job_.fn(*args)))
    db.session.rollback()
    reclaim_abandoned(job_)
    run = JobRun(name=name, trigger=trigger, attempt=attempt, state=RunState.RUNNING, started_at=utcnow())
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # the partial unique index: a run of this job is still going
        db.session.rollback()
        now = utcnow()
        skipped = JobRun(name=name, trigger=trigger, attempt=attempt, state=RunState.SKIPPED, started_at=now,
                         finished_at=now, summary="another run of this job was still running")
        db.session.add(skipped)
        db.session.commit()
        return RunOutcome(RunState.SKIPPED, skipped.summary, run_id=skipped.id)
    run_id = run.id
    try:
        result = job_.fn(*args)
    except Exception as exc:
        db.session.rollback()
        error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
        row = db.session.get_one(JobRun, run_id)
        row.state, row.error, row.will_retry, row.finished_at = RunState.FAILED, error, will_retry, utcnow()
        db.session.commit()
        log.warning("job %s failed (attempt %s%s): %s", name, attempt, ", will retry" if will_retry else "", error)
        raise
    db.session.rollback()  # whatever the job left open is its own business; the record is ours
    row = db.session.get_one(JobRun, run_id)
    row.state, row.summary, row.finished_at = RunState.SUCCEEDED, _summary(result), utcnow()
    _prune(name)
    db.session.commit()
    return RunOutcome(RunState.SUCCEEDED, row.summary, run_id=run_id)


#: how long runs stay on record: routine ones (succeeded, skipped) briefly, the ones staff must look at longer
KEEP_ROUTINE = dt.timedelta(days=3)
KEEP_TROUBLE = dt.timedelta(days=30)


def _prune(name: str) -> None:
    now = utcnow()
    db.session.execute(delete(JobRun).where(JobRun.name == name, JobRun.started_at < now - KEEP_ROUTINE,
                                            JobRun.state.in_((RunState.SUCCEEDED, RunState.SKIPPED))))
    db.session.execute(delete(JobRun).where(JobRun.name == name, JobRun.started_at < now - KEEP_TROUBLE,
                                            JobRun.state != RunState.RUNNING))


def last_runs() -> dict[str, JobRun]:
    """The latest run of every job that ran (skipped ones left out)."""
    latest: dict[str, JobRun] = {}
    rows = db.session.scalars(
        select(JobRun).where(JobRun.state != RunState.SKIPPED).order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(2000)
    )
    for row in rows:
        latest.setdefault(row.name, row)
    return latest


def recent_runs(limit: int = 100, failed_only: bool = False) -> list[JobRun]:
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    if failed_only:
        query = query.where(JobRun.state.in_((RunState.FAILED, RunState.ABANDONED)))
    return list(db.session.scalars(query))


def schedule_rows(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """What `jobs list` and the staff page show: every periodic job, its schedule, next and last run."""
    now = now or utcnow()
    last = last_runs()
    rows = []
    for name in sorted(JOBS):
        job_ = JOBS[name]
        if job_.schedule is None:
            continue
        run = last.get(name)
        rows.append({"name": name, "doc": job_.doc, "schedule": job_.schedule.describe(),
                     "next": to_local(job_.schedule.next_after(now)), "last": run})
    return rows


# ---------------------------------------------------------------- Huey
def make_huey(app: Flask) -> Huey:
    cfg = app.config
    immediate = bool(cfg.get("QUEUE_IMMEDIATE"))
    if cfg.get("REDIS_URL"):
        return RedisHuey(QUEUE_NAME, url=cfg["REDIS_URL"], immediate=immediate)
    path = Path(cfg.get("QUEUE_FILE") or Path(app.instance_path) / "queue.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(path), immediate=immediate)


def _task_body(app: Flask, job_: Job, trigger: str) -> Callable[..., Any]:
    def body(*args: Any, task: Any = None) -> Any:
        left = task.retries if task is not None else 0  # what Huey still has in hand after this try
        with app.app_context():  # a context (and so a database session) of its own
            return run_job(job_.name, *args, trigger=trigger, attempt=job_.retries - left + 1,
                           will_retry=left > 0).summary
    body.__name__ = job_.name.replace(".", "_")
    return body


def init_app(app: Flask) -> None:
    huey = make_huey(app)
    tasks: dict[str, TaskWrapper] = {}
    for job_ in JOBS.values():
        options = dict(retries=job_.retries, retry_delay=job_.retry_delay, retry_backoff=2, context=True,
                       name=job_.name)
        if job_.schedule is not None:
            tasks[job_.name] = huey.periodic_task(job_.schedule, **options)(_task_body(app, job_, "schedule"))
        else:
            tasks[job_.name] = huey.task(**options)(_task_body(app, job_, "queue"))
    app.extensions["huey"] = huey
    app.extensions["queue_tasks"] = tasks


def huey_of(app: Flask | None = None) -> Huey:
    return (app or current_app).extensions["huey"]


def enqueue(name: str, *args: Any, app: Flask | None = None, delay: float | None = None) -> None:
    """Hand a job to the queue (a consumer runs it; in immediate mode it runs now, here)."""
    tasks = (app or current_app).extensions["queue_tasks"]
    if name not in tasks:
        raise UnknownJob(name)
    if delay:
        tasks[name].schedule(args, delay=delay)
    else:
        tasks[name](*args)


def pending_count(app: Flask | None = None) -> int:
    return huey_of(app).pending_count()


def consume(app: Flask, workers: int = 2) -> None:
    """Run a consumer in this process until SIGINT/SIGTERM: `workers` threads, and the periodic scheduler."""
    huey = huey_of(app)
    huey.immediate = False
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                    check_worker_health=True, scheduler_interval=1)
    consumer.run()

