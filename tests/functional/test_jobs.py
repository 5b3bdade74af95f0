"""The task queue (Huey) and its schedule: jobs list/run, one run at a time, retries with back-off, the staff page,
and one real consumer process on a SQLite queue."""
from __future__ import annotations

import datetime as dt
import os
import pathlib
import signal
import subprocess
import sys
import threading

import pytest
from sqlalchemy import select

from ocop_market.extensions import db
from ocop_market.jobs import queue
from ocop_market.jobs.models import JobRun
from ocop_market.messaging.models import OutboundMessage
from ocop_market.messaging.services import queue_message
from ocop_market.timeutil import utcnow
from tests.conftest import make_user
from tests.loopback import wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEDULED = {"orders.expire_unpaid", "orders.remind_unconfirmed", "promotions.allocate_next_week",
             "search.repair_outbox", "messaging.retry", "catalog.certificate_warnings", "promotions.flush_counters",
             "promotions.open_weeks"}


class Flaky:
    """A job of this test's own that fails its first `fails` runs, or waits for `release` while `hold` is set."""

    def __init__(self):
        self.calls = 0
        self.fails = 0
        self.hold = False
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self):
        self.calls += 1
        if self.hold:
            self.started.set()
            self.release.wait(20)
        if self.calls <= self.fails:
            raise RuntimeError(f"failure number {self.calls}")
        return f"ok after {self.calls}"


@pytest.fixture
def flaky():
    flaky = Flaky()
    queue.job("test.flaky", retries=3, retry_delay=60)(flaky)
    yield flaky
    queue.JOBS.pop("test.flaky", None)


@pytest.fixture
def app_config(flaky, channels_config):
    return channels_config


def _runs(name):
    db.session.expire_all()
    return list(db.session.scalars(select(JobRun).where(JobRun.name == name).order_by(JobRun.id)))


# ---------------------------------------------------------------- the schedule
def test_every_scheduled_job_is_on_the_queue_in_vietnam_time(app):
    assert SCHEDULED <= {name for name, j in queue.JOBS.items() if j.schedule is not None}
    huey = app.extensions["huey"]
    # What Huey's scheduler starts at 00:00 UTC, which is 07:00 in Việt Nam (naive UTC is Huey's clock).
    due = {t.name for t in huey.read_periodic(dt.datetime(2026, 12, 4, 0, 0))}
    assert due == {"catalog.certificate_warnings", "orders.expire_unpaid", "messaging.retry", "search.repair_outbox",
                   "promotions.flush_counters"}
    assert {t.name for t in huey.read_periodic(dt.datetime(2026, 12, 3, 23, 30))} >= {"promotions.allocate_next_week"}
    assert "orders.remind_unconfirmed" in {t.name for t in huey.read_periodic(dt.datetime(2026, 12, 4, 3, 15))}
    # 07:00 in Việt Nam is 00:00 UTC: Huey's clock (naive UTC) is read in Asia/Ho_Chi_Minh.
    daily = queue.JOBS["catalog.certificate_warnings"].schedule
    assert daily(dt.datetime(2026, 12, 3, 0, 0)) and not daily(dt.datetime(2026, 12, 3, 7, 0))
    assert daily.next_after(dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)) == dt.datetime(2026, 12, 3, 0, 0, tzinfo=dt.UTC)
    every5 = queue.JOBS["orders.expire_unpaid"].schedule
    assert every5(dt.datetime(2026, 12, 3, 0, 5)) and not every5(dt.datetime(2026, 12, 3, 0, 6))


def test_jobs_list_prints_every_periodic_job_with_schedule_and_last_run(runner, ctx):
    result = runner.invoke(args=["jobs", "run", "messaging.retry"])
    assert result.exit_code == 0, result.output
    assert "messaging.retry: succeeded (sent 0, failed 0, expired 0, reclaimed 0)" in result.output
    listing = runner.invoke(args=["jobs", "list"])
    assert listing.exit_code == 0, listing.output
    lines = {line.split()[0]: line for line in listing.output.splitlines() if line and not line.startswith(" ")}
    assert SCHEDULED <= set(lines)
    assert "*/5 * * * * (Asia/Ho_Chi_Minh)" in lines["orders.expire_unpaid"]
    assert "last succeeded" in lines["messaging.retry"] and "last never run" in lines["orders.expire_unpaid"]


def test_jobs_run_does_the_work_now(app, ctx, runner, smtp_server):
    app.config["MESSAGE_DELIVERY"] = "off"
    queue_message(event_key="test:run", channel="email", recipient="lan@example.vn", template="test")
    db.session.commit()
    assert smtp_server.mails == []
    result = runner.invoke(args=["jobs", "run", "messaging.retry"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert len(smtp_server.mails) == 1
    [run] = _runs("messaging.retry")
    assert (run.state, run.trigger, run.summary) == ("succeeded", "command", "sent 1, failed 0, expired 0, reclaimed 0")


def test_jobs_run_of_an_unknown_job_exits_non_zero(runner):
    result = runner.invoke(args=["jobs", "run", "orders.nothing"])
    assert result.exit_code != 0 and "no job named 'orders.nothing'" in result.output


# ---------------------------------------------------------------- failures: recorded, retried with back-off
def test_a_failing_job_is_recorded_and_retried_with_a_growing_delay(app, ctx, flaky):
    flaky.fails = 2
    huey = app.extensions["huey"]
    queue.enqueue("test.flaky")  # immediate mode: runs here, now, and fails
    [first] = _runs("test.flaky")
    assert (first.state, first.attempt, first.will_retry) == ("failed", 1, True)
    assert "RuntimeError: failure number 1" in first.error
    [retry] = huey.scheduled()
    assert dt.timedelta(seconds=55) < retry.eta - utcnow().replace(tzinfo=None) <= dt.timedelta(seconds=60)
    huey.execute(huey.read_schedule(retry.eta)[0], timestamp=retry.eta)  # the retry is due: Huey runs it
    [retry2] = huey.scheduled()
    # the delay doubled (counted from the moment the retry failed)
    assert dt.timedelta(seconds=115) < retry2.eta - utcnow().replace(tzinfo=None) <= dt.timedelta(seconds=120)
    huey.execute(huey.read_schedule(retry2.eta)[0], timestamp=retry2.eta)
    runs = _runs("test.flaky")
    assert [(r.state, r.attempt) for r in runs] == [("failed", 1), ("failed", 2), ("succeeded", 3)]
    assert runs[-1].summary == "ok after 3" and huey.scheduled() == []


def test_a_job_failing_through_every_retry_stays_failed_for_staff(app, ctx, flaky):
    flaky.fails = 99
    huey = app.extensions["huey"]
    queue.enqueue("test.flaky")
    for _ in range(3):
        [task] = huey.scheduled()
        huey.execute(huey.read_schedule(task.eta)[0], timestamp=task.eta)
    runs = _runs("test.flaky")
    assert [(r.attempt, r.will_retry) for r in runs] == [(1, True), (2, True), (3, True), (4, False)]
    assert huey.scheduled() == []


def test_staff_see_job_runs_and_failures(app, client, auth, flaky):
    with app.app_context():
        make_user("canbo@example.vn", role="staff")
        flaky.fails = 1
        queue.enqueue("test.flaky")
        queue.run_job("messaging.retry")
    auth.login("canbo@example.vn")
    page = client.get("/quan-tri/tac-vu")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tác vụ tự động" in html and "Gửi lại tin nhắn lỗi" in html and "*/5 * * * *" in html
    assert "RuntimeError: failure number 1" in html and "sẽ thử lại" in html
    failed = client.get("/quan-tri/tac-vu?loi=1").get_data(as_text=True).split("<h2>Các lần chạy</h2>")[1]
    assert "RuntimeError: failure number 1" in failed and "sent 0, failed 0" not in failed


def test_staff_can_run_a_scheduled_job_now(app, client, auth):
    with app.app_context():
        make_user("canbo@example.vn", role="staff")
    auth.login("canbo@example.vn")
    page = client.get("/quan-tri/tac-vu").get_data(as_text=True)
    from tests.conftest import csrf_from

    response = client.post("/quan-tri/tac-vu/search.repair_outbox/chay", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    with app.app_context():
        [run] = _runs("search.repair_outbox")
        assert run.state == "succeeded"
    assert client.post("/quan-tri/tac-vu/nope/chay", data={"csrf_token": csrf_from(page)}).status_code == 404


def test_buyers_do_not_see_the_job_page(app, client, auth):
    with app.app_context():
        make_user("lan@example.vn")
    auth.login("lan@example.vn")
    assert client.get("/quan-tri/tac-vu").status_code in (403, 404)


# ---------------------------------------------------------------- one run at a time
def test_no_job_runs_twice_at_once(app, ctx, flaky, runner):
    flaky.hold = True
    outcome = {}

    def first():
        with app.app_context():
            outcome["first"] = queue.run_job("test.flaky", trigger="schedule")

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert flaky.started.wait(10)
        result = runner.invoke(args=["jobs", "run", "test.flaky"])
        assert result.exit_code != 0 and "another run of this job was still running" in result.output
    finally:
        flaky.release.set()
        thread.join(20)
    assert outcome["first"].state == "succeeded" and flaky.calls == 1
    assert [r.state for r in _runs("test.flaky")] == ["succeeded", "skipped"]


def test_old_routine_runs_are_pruned_and_failures_kept_longer(ctx, flaky):
    old = utcnow() - dt.timedelta(days=4)
    db.session.add_all([JobRun(name="test.flaky", state="succeeded", started_at=old, finished_at=old),
                        JobRun(name="test.flaky", state="failed", started_at=old, finished_at=old, error="x")])
    db.session.commit()
    queue.run_job("test.flaky")
    assert [r.state for r in _runs("test.flaky")] == ["failed", "succeeded"]


def test_a_run_left_running_by_a_dead_process_does_not_block_the_job_for_ever(ctx, flaky):
    db.session.add(JobRun(name="test.flaky", state="running", started_at=utcnow() - dt.timedelta(minutes=31)))
    db.session.commit()
    assert queue.run_job("test.flaky").state == "succeeded"
    runs = _runs("test.flaky")
    assert [r.state for r in runs] == ["abandoned", "succeeded"] and "taken for dead" in runs[0].error


# ---------------------------------------------------------------- a real consumer
#: Redis for the RedisHuey run of the consumer test (the PostgreSQL CI run sets it, e.g. redis://127.0.0.1:6379/3;
#: the queue's keys are flushed first); without it the consumer runs on the embedded SQLite queue only.
REDIS_FOR_TESTS = os.environ.get("TEST_REDIS_URL", "")


@pytest.mark.parametrize("backend", ["sqlite"] + (["redis"] if REDIS_FOR_TESTS else []))
def test_a_real_consumer_process_sends_what_the_web_side_queued(app, tmp_path, smtp_server, backend):
    queue_file = tmp_path / "queue.sqlite3"
    redis_url = REDIS_FOR_TESTS if backend == "redis" else ""
    # A web process's view: a real SqliteHuey file (or RedisHuey), nothing immediate (the fixture's app runs tasks
    # at once).
    from ocop_market import create_app

    web = create_app({**app.config, "QUEUE_IMMEDIATE": False, "QUEUE_FILE": str(queue_file), "MESSAGE_DELIVERY": "queue",
                      "REDIS_URL": redis_url})
    if redis_url:
        web.extensions["huey"].flush()  # what an earlier run left in this Redis database
    with web.app_context():
        message = queue_message(event_key="test:consumer", channel="email", recipient="lan@example.vn", template="test")
        db.session.commit()
        message_id = message.id
        assert queue.pending_count(web) == 1 and smtp_server.mails == []
        queue.enqueue("messaging.retry", app=web)  # a recorded job, as the scheduler would
        db.session.remove()
        db.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS_"))}
    env.update(OCOP_ENV="testing", DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], INSTANCE_PATH=app.instance_path,
               QUEUE_IMMEDIATE="0", QUEUE_FILE=str(queue_file), SMTP_URL=smtp_server.url(), REDIS_URL=redis_url,
               SEARCH_INDEX_DIR=app.config["SEARCH_INDEX_DIR"], PYTHONPATH=str(ROOT))
    consumer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "consume", "--workers", "1"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: len(smtp_server.mails) == 1, timeout=60), "the consumer sent nothing"
        assert smtp_server.mails[0].rcpt_tos == ["lan@example.vn"]
        with app.app_context():
            def retry_ran():
                return "succeeded" in [r.state for r in _runs("messaging.retry")]
            assert wait_for(retry_ran, timeout=30)
            db.session.expire_all()
            assert db.session.get_one(OutboundMessage, message_id).state == "sent"
    finally:
        consumer.send_signal(signal.SIGINT)
        try:
            output, _ = consumer.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            consumer.kill()
            output, _ = consumer.communicate()
    storage = "RedisStorage" if redis_url else "SqliteStorage"
    assert f"consumer of {storage} with 1 workers".encode() in output, output.decode(errors="replace")
