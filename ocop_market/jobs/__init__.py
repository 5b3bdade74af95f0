"""The task queue and its schedule: every job that runs by itself, on Huey (issue 12 §1).

A base-level unit, so any domain can hand work to the queue without knowing what runs it:
- `queue.py`   the only importer of `huey`: the app's Huey (SQLite in `instance/` by default, Redis when
               `REDIS_URL` is set), the job registry (`job()`), the schedule in Asia/Ho_Chi_Minh (`LocalCron`),
               `enqueue()`, `run_job()` (one run: lock, record, retry with back-off) and the consumer
- `models.py`  JobRun: one row per run of a job (what staff see; a running row is the job's lock)
- `cli.py`     flask jobs list | run NAME | consume

Each domain declares its own jobs in its `jobs.py` (orders: expire unpaid card orders, remind producers;
promotions: the weekly allocation, counters; search: repair the outbox; messaging: retry; catalog: certificate
warnings); `create_app` imports them, and `queue.init_app` gives each job a Huey task.
"""
