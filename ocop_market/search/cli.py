"""`flask --app wsgi search ...`: apply the outbox, rebuild the index, compare it with the database."""
from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from .service import get_search

search_cli = AppGroup("search", help="Search index maintenance.")


@search_cli.command("apply")
@click.option("--wait", default=30.0, show_default=True, help="Seconds to wait for the index lock.")
def apply_cmd(wait: float):
    """Apply pending outbox rows to the index (also repairs a crash between commit and index write)."""
    report = get_search().apply_outbox(wait=wait)
    if report.busy:
        raise click.ClickException("search index is locked by another process; rows kept, try again")
    click.echo(f"applied {report.applied} outbox row(s)")


@search_cli.command("reindex")
def reindex_cmd():
    """Build a new index beside the live one from the database, then switch atomically."""
    started = time.monotonic()
    count = get_search().reindex()
    click.echo(f"indexed {count} product(s) in {time.monotonic() - started:.1f}s")


@search_cli.command("verify")
@click.option("--repair", is_flag=True, help="Queue the differing products in the outbox and apply it.")
def verify_cmd(repair: bool):
    """Compare index and database; exit 1 naming every product that differs."""
    service = get_search()
    drifts = service.verify()
    pending, _oldest = service.outbox_lag()
    for drift in drifts:
        click.echo(str(drift))
    if pending:
        click.echo(f"{pending} outbox row(s) not applied yet")
    if drifts and repair:
        service.enqueue(d.product_id for d in drifts)
        service.apply_outbox(wait=30.0)
        drifts = service.verify()
        click.echo(f"after repair: {len(drifts)} difference(s)")
    if drifts:
        click.echo(f"{len(drifts)} difference(s) between index and database", err=True)
        sys.exit(1)
    click.echo(f"index matches database ({service.doc_count()} document(s))")
