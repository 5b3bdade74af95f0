"""flask --app wsgi notify test | deliver"""
from __future__ import annotations

import uuid

import click
from flask.cli import AppGroup

from ..extensions import db
from .delivery import deliver, deliver_pending
from .models import Channel, MessageState, OutboundMessage
from .services import queue_message

notify_cli = AppGroup("notify", help="Outbound messages (e-mail, SMS).")


@notify_cli.command("test")
@click.option("--channel", type=click.Choice([c.value for c in Channel]), required=True)
@click.option("--to", "recipient", required=True, help="an e-mail address, or a phone number (+84…)")
@click.option("--locale", type=click.Choice(["vi", "en"]), default="vi")
def notify_test(channel, recipient, locale):
    """Send one test message through the configured channel now; exit 1 if it fails."""
    try:
        message = queue_message(event_key=f"test:{uuid.uuid4().hex}", channel=channel, recipient=recipient,
                                template="test", locale=locale, deliver_after_commit=False)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    message_id = message.id
    recipient = message.recipient
    state = deliver(message_id)
    row = db.session.get(OutboundMessage, message_id)
    if state != MessageState.SENT:
        error = row.last_error if row is not None else "message vanished"
        raise click.ClickException(f"message {message_id} to {recipient} not sent: {error}")
    click.echo(f"sent {channel} message {message_id} to {recipient}")


@notify_cli.command("deliver")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200)
def notify_deliver(limit):
    """Send every due message (new ones and failed ones with attempts left), e.g. from cron."""
    report = deliver_pending(limit)
    click.echo(f"sent {report.sent}, failed {report.failed}, expired {report.expired}")
