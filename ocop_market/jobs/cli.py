"""flask --app wsgi jobs list | run NAME | consume"""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from ..timeutil import to_local
from . import queue
from .models import RunState

jobs_cli = AppGroup("jobs", help="The task queue's jobs and their schedule.")


def _when(value) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@jobs_cli.command("list")
def jobs_list():
    """Every periodic job: its schedule (Asia/Ho_Chi_Minh), next run and last run."""
    for row in queue.schedule_rows():
        last = row["last"]
        last_text = "never run" if last is None else (
            f"{last.state} {_when(last.started_at)}" + (f" ({last.summary})" if last.summary else "")
            + (f" error: {last.error.splitlines()[-1]}" if last.error else ""))
        click.echo(f"{row['name']:<34} {row['schedule']:<40} next {_when(row['next'])}  last {last_text}")
        if row["doc"]:
            click.echo(f"    {row['doc']}")


@jobs_cli.command("run")
@click.argument("name")
def jobs_run(name):
    """Run one job now, in this process (recorded like a scheduled run); exit 1 if it fails or is running."""
    if name not in queue.JOBS:
        raise click.ClickException(f"no job named {name!r}; `flask --app wsgi jobs list` names them")
    try:
        outcome = queue.run_job(name, trigger="command")
    except Exception as exc:
        raise click.ClickException(f"{name} failed: {type(exc).__name__}: {exc}") from exc
    if outcome.state == RunState.SKIPPED:
        raise click.ClickException(f"{name} not run: {outcome.summary}")
    click.echo(f"{name}: {outcome.state}" + (f" ({outcome.summary})" if outcome.summary else ""))


@jobs_cli.command("consume")
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True)
def jobs_consume(workers):
    """Run a queue consumer (worker threads and the periodic scheduler) until stopped."""
    if not logging.getLogger().handlers:  # what ran, and what failed, on stderr (journald, honcho)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"consumer of {current_app.extensions['huey'].storage.__class__.__name__} with {workers} workers")
    queue.consume(current_app._get_current_object(), workers=workers)  # type: ignore[attr-defined]
