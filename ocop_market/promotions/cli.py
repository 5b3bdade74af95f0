"""`flask --app wsgi promotions allocate --week 2026-W49`, `verify 2026-W49` (and `flush-counters`)."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from . import allocation, draws, lottery, placements, tracking

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


@promotions_cli.command("verify")
@click.argument("week")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False),
              help="A downloaded boc-tham-WEEK.json instead of what the site publishes now.")
def verify(week, path):
    """Re-run WEEK's draw from its published outcomes alone (commitment, secret, closing value, inputs) and say
    whether it gives the published result. Exit status 1 when it does not."""
    try:
        placements.check_week(week)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if path:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        if document.get("week") != week:
            raise click.ClickException(f"Tệp là của tuần {document.get('week')}, không phải {week}.")
    else:
        document = draws.public_document(draws.published_week(week))
        if document is None:
            raise click.ClickException(f"Tuần {week} chưa được phân bổ; chưa có kết quả công bố.")
    result = lottery.verify(document)
    click.echo("\n".join(lottery.report_lines(result)))
    if not result.matches:
        raise SystemExit(1)
