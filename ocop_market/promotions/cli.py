"""`flask --app wsgi promotions allocate --week 2026-W49` (and `flush-counters`)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from . import allocation, placements, tracking

promotions_cli = AppGroup("promotions", help="Free promotion slots.")


@promotions_cli.command("allocate")
@click.option("--week", default=None, help="ISO week, e.g. 2026-W49 (default: the current week in Việt Nam).")
def allocate(week):
    """Run the week's allocation. Running it again for the same week changes nothing."""
    week = week or placements.current_week()
    try:
        result = allocation.allocate_week(week)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    if result.ran_now:
        click.echo(f"Tuần {week}: đã phân bổ {result.allocated} vị trí; {result.refused} yêu cầu không được phân bổ.")
    else:
        click.echo(f"Tuần {week} đã được phân bổ trước đó ({result.allocated} vị trí); không có gì thay đổi.")


@promotions_cli.command("flush-counters")
def flush_counters():
    """Add every impression/click count the web processes handed over to the daily counters now."""
    tracking.flush()  # this process's own (a command shows no promotions: usually nothing)
    click.echo(f"{tracking.flush_spool()} dòng đếm đã ghi.")
