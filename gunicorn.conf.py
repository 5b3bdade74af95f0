"""gunicorn settings for OCOP Market: `gunicorn -c gunicorn.conf.py wsgi:app` (what `make serve` runs).

Every value can be changed from the environment without editing this file:

| variable | default | meaning |
| --- | --- | --- |
| GUNICORN_BIND | 127.0.0.1:8000 | address(es) to listen on, comma-separated; keep loopback behind a proxy |
| WEB_CONCURRENCY | 2 x CPU cores + 1 | upper bound on worker processes (the default is never exceeded) |
| GUNICORN_THREADS | 4 | threads per worker (gthread): requests waiting on the database overlap |
| GUNICORN_TIMEOUT | 30 | seconds a worker may stay silent before it is killed and replaced |
| GUNICORN_MAX_REQUESTS | 2000 | recycle a worker after this many requests (0 = never), with jitter |
| GUNICORN_LOG_LEVEL | info | error log level; access and error logs go to stdout/stderr |

Preloading stays off: each worker imports the app itself, so it opens its own database pool and its
own search-index reader; nothing is shared across fork. Background work (messages, the search outbox,
the schedule) runs in the queue consumers (`flask --app wsgi jobs consume`), not in these workers. With PostgreSQL, workers x
(pool_size 5 + max_overflow 10) connections may be open at once: keep that under `max_connections`
(lower WEB_CONCURRENCY, or put PgBouncer in front).
"""
from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


_cores = multiprocessing.cpu_count()
_default_workers = 2 * _cores + 1

bind = [b.strip() for b in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if b.strip()]
workers = max(1, min(_default_workers, _int("WEB_CONCURRENCY", _default_workers)))
worker_class = "gthread"
threads = max(1, _int("GUNICORN_THREADS", 4))

timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # behind a proxy that reuses connections
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max(0, max_requests // 10)

preload_app = False  # each worker: its own DB pool and search reader

accesslog = "-"  # stdout
errorlog = "-"  # stderr
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Peer address (the proxy, when there is one), request, status, bytes, time in µs, user agent.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
proc_name = "ocop-market"
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): two instances on one
# machine would fight over it. Off unless asked for (GUNICORN_CONTROL_SOCKET=path).
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# Heartbeat files in memory: a slow disk must not make the arbiter think a worker hung.
# gunicorn creates them with mkstemp (private, unpredictable names).
_SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM

# Request limits (gunicorn's defaults, stated): uploads are bounded by MAX_CONTENT_LENGTH in the app.
limit_request_line = 4094
limit_request_fields = 100


def post_worker_init(worker):
    """Hand the search outbox to the queue as this worker starts: any change committed but never
    indexed (a process killed between its commit and its index write) is applied by a consumer now,
    not at the next repair (`search.repair_outbox`, every two minutes)."""
    app = getattr(worker, "wsgi", None)
    if app is None or not hasattr(app, "config"):
        return
    try:
        from ocop_market.search.outbox import schedule_apply

        schedule_apply(app)
    except Exception:  # never keep a worker from serving over the index
        worker.log.exception("could not hand the search outbox to the queue")
