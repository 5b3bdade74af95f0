"""Sending what the outbox holds, and when.

`deliver(message_id)` sends one message if it is still due and records the outcome on its row: sent (its
secret values erased), failed (error and attempt count kept, tried again after a back-off while attempts remain)
or expired. A row is first *claimed* by a conditional UPDATE (pending/failed -> sending, rowcount checked) and
committed, so two deliverers never both send it; the send itself runs outside any transaction. `retry_due()`
(the queue's `messaging.retry` job, every minute) takes back rows left `sending` by a process that died
mid-send and sends every due row. Both commit their own work.

After the transaction that wrote messages commits, the session hook hands their ids to the dispatcher chosen
by `MESSAGE_DELIVERY`:
- "queue" (default): one `messaging.deliver` task per message on the task queue (`jobs`), so a request never
  waits for an SMTP server or gateway (and a password-reset answer takes as long for an unknown account);
- "inline": sent at once in a fresh app context of its own;
- "off": left in the outbox for `flask --app wsgi notify deliver` or the next `messaging.retry`.
A dispatcher never raises into the request: a row it could not hand over waits for `messaging.retry`.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, or_, select, update

from ..extensions import db
from ..jobs import queue
from ..timeutil import utcnow
from .channels import channel_for
from .models import DUE_STATES, MessageState, OutboundMessage
from .rendering import render

log = logging.getLogger(__name__)

PENDING = "messaging_pending_ids"


def _max_attempts() -> int:
    return int(current_app.config.get("MESSAGE_MAX_ATTEMPTS", 5))


#: a row still `sending` this long after its claim was interrupted mid-send (the process died): tried again
STALE_SENDING = dt.timedelta(minutes=10)
#: the wait before retry n (1, 2, 3…) of a failed message: 1, 2, 4, 8… minutes, at most 6 hours
RETRY_BASE = dt.timedelta(minutes=1)
RETRY_CAP = dt.timedelta(hours=6)


def retry_wait(attempts: int) -> dt.timedelta:
    return min(RETRY_BASE * (2 ** max(0, attempts - 1)), RETRY_CAP)


def _finish(message: OutboundMessage, state: str, error: str | None = None) -> None:
    message.state = state
    message.last_error = error
    message.retry_at = None
    if state == MessageState.SENT:
        message.sent_at = utcnow()
    elif state == MessageState.FAILED and message.attempts < _max_attempts():
        message.retry_at = utcnow() + retry_wait(message.attempts)
    if state in (MessageState.SENT, MessageState.EXPIRED) or message.attempts >= _max_attempts():
        message.secret_params = None  # final: nothing secret stays at rest


def deliver(message_id: int) -> str | None:
    """Send one message now if it is due; returns its state afterwards (None if it was not due or is gone)."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.state.in_(DUE_STATES),
               OutboundMessage.attempts < _max_attempts())
        .values(state=MessageState.SENDING, attempts=OutboundMessage.attempts + 1, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    db.session.commit()
    message = db.session.get(OutboundMessage, message_id) if claimed else None
    if message is None:
        return None
    if message.expires_at is not None and message.expires_at <= now:
        _finish(message, MessageState.EXPIRED)
        db.session.commit()
        return message.state
    params = {**(message.params or {}), **(message.secret_params or {})}
    channel, recipient = message.channel, message.recipient
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    try:
        rendered = render(message.template, channel, message.locale, params)
        db.session.rollback()  # hold no transaction (nor a SQLite read lock) while talking to the outside
        channel_for(app, channel).send(recipient, rendered)
    except Exception as exc:  # any failure is the message's, never its caller's
        log.warning("message %s (%s to %s) failed: %s", message_id, channel, recipient, exc)
        db.session.rollback()
        message = db.session.get(OutboundMessage, message_id)
        if message is None:  # deleted while it was being sent
            return None
        _finish(message, MessageState.FAILED, f"{type(exc).__name__}: {exc}"[:1000])
    else:
        message = db.session.get(OutboundMessage, message_id)
        if message is None:
            return None
        _finish(message, MessageState.SENT)
    db.session.commit()
    return message.state


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    expired: int = 0


def reclaim_stale_sending(now: dt.datetime | None = None) -> int:
    """Rows left `sending` by a process that died mid-send become failed (their attempt counted), so they are tried
    again. The price: a message whose send went through just before the crash may arrive twice; one lost is worse."""
    now = now or utcnow()
    taken = db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.state == MessageState.SENDING, OutboundMessage.claimed_at < now - STALE_SENDING)
        .values(state=MessageState.FAILED, last_error="interrupted while sending (process stopped)", retry_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
    db.session.commit()
    return taken


def deliver_pending(limit: int = 200, now: dt.datetime | None = None) -> DeliveryReport:
    """Send every due message (oldest first): new ones, and failed ones whose back-off has passed."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(OutboundMessage.id)
        .where(OutboundMessage.state.in_(DUE_STATES), OutboundMessage.attempts < _max_attempts(),
               or_(OutboundMessage.retry_at.is_(None), OutboundMessage.retry_at <= now))
        .order_by(OutboundMessage.id).limit(limit)
    ).all()
    db.session.rollback()
    report = DeliveryReport()
    for message_id in ids:
        state = deliver(message_id)
        if state == MessageState.SENT:
            report.sent += 1
        elif state == MessageState.FAILED:
            report.failed += 1
        elif state == MessageState.EXPIRED:
            report.expired += 1
    return report


# ------------------------------------------------------------------ after the commit
def deliver_after_commit(session, message_id: int) -> None:
    session.info.setdefault(PENDING, []).append(message_id)


def _deliver_in_own_context(app: Flask, ids: Iterable[int]) -> None:
    # A context of its own is a session of its own: the committing session is not reused.
    with app.app_context():
        for message_id in ids:
            try:
                deliver(message_id)
            except Exception:  # e.g. the database went away: the row stays due for the next try
                log.exception("delivering message %s failed", message_id)
                db.session.rollback()


def _to_queue(app: Flask, ids: list[int]) -> None:
    for message_id in ids:
        queue.enqueue("messaging.deliver", message_id, app=app)


DISPATCHERS: dict[str, Callable[[Flask, list[int]], None]] = {
    "inline": _deliver_in_own_context,
    "queue": _to_queue,
    "off": lambda app, ids: None,
}


def register_dispatcher(name: str, dispatcher: Callable[[Flask, list[int]], None]) -> None:
    DISPATCHERS[name] = dispatcher


def delivery_mode(app: Flask) -> str:
    mode = app.config.get("MESSAGE_DELIVERY") or "queue"
    # "background" (a sending thread per process) was the default before the task queue: it now means the queue.
    return "queue" if mode == "background" else mode


def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the real commit is still to come
        return
    ids = session.info.pop(PENDING, None)
    if not ids or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    try:
        DISPATCHERS[delivery_mode(app)](app, list(ids))
    except Exception:  # the rows are committed: they wait for the next `messaging.retry` run
        log.exception("dispatching messages %s failed", ids)


def _after_rollback(session) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back: ids of rows it took are simply not found
        return
    session.info.pop(PENDING, None)


def install_hooks() -> None:
    """On Flask-SQLAlchemy's session class (idempotent: several apps share it)."""
    for name, fn in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(FlaskSession, name, fn):
            event.listen(FlaskSession, name, fn)


install_hooks()
