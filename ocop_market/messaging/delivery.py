"""Sending what the outbox holds, and when.

`deliver(message_id)` sends one message if it is still due and records the outcome on its row: sent (its
secret values erased), failed (error and attempt count kept, retried while attempts remain) or expired. A row is
first *claimed* by a conditional UPDATE (pending/failed -> sending, rowcount checked) and committed, so two
deliverers never both send it; the send itself runs outside any transaction. `deliver_pending()` sends every
due row. Both commit their own work and are what a queue task calls.

After the transaction that wrote messages commits, the session hook hands their ids to the dispatcher chosen
by `MESSAGE_DELIVERY`:
- "background" (default outside tests): one worker thread per process sends them, so a request never waits
  for an SMTP server or gateway (and a password-reset answer takes as long for an unknown account);
- "inline" (tests, default when TESTING): sent at once in a fresh app context of its own;
- "off": left in the outbox for `flask --app wsgi notify deliver` (cron) or a queue.
A task queue adds itself with `register_dispatcher("queue", fn)`. A dispatcher never raises into the request.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, select, update

from ..extensions import db
from ..timeutil import utcnow
from .channels import channel_for
from .models import DUE_STATES, MessageState, OutboundMessage
from .rendering import render

log = logging.getLogger(__name__)

PENDING = "messaging_pending_ids"


def _max_attempts() -> int:
    return int(current_app.config.get("MESSAGE_MAX_ATTEMPTS", 5))


def _finish(message: OutboundMessage, state: str, error: str | None = None) -> None:
    message.state = state
    message.last_error = error
    if state == MessageState.SENT:
        message.sent_at = utcnow()
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


def deliver_pending(limit: int = 200) -> DeliveryReport:
    """Send every due message (oldest first), e.g. from cron or a periodic task: retries failed ones too."""
    ids = db.session.scalars(
        select(OutboundMessage.id)
        .where(OutboundMessage.state.in_(DUE_STATES), OutboundMessage.attempts < _max_attempts())
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


class _Worker:
    """One sending thread per process (an executor does not survive a gunicorn fork: keyed by pid)."""

    def __init__(self):
        self.pid = os.getpid()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="messages")


_workers: dict[int, _Worker] = {}
_workers_lock = threading.Lock()


def _background(app: Flask, ids: list[int]) -> None:
    with _workers_lock:
        worker = _workers.get(id(app))
        if worker is None or worker.pid != os.getpid():
            worker = _workers[id(app)] = _Worker()
    worker.executor.submit(_deliver_in_own_context, app, ids)


DISPATCHERS: dict[str, Callable[[Flask, list[int]], None]] = {
    "inline": _deliver_in_own_context,
    "background": _background,
    "off": lambda app, ids: None,
}


def register_dispatcher(name: str, dispatcher: Callable[[Flask, list[int]], None]) -> None:
    DISPATCHERS[name] = dispatcher


def delivery_mode(app: Flask) -> str:
    return app.config.get("MESSAGE_DELIVERY") or ("inline" if app.testing else "background")


def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the real commit is still to come
        return
    ids = session.info.pop(PENDING, None)
    if not ids or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    try:
        DISPATCHERS[delivery_mode(app)](app, list(ids))
    except Exception:  # the rows are committed: they wait for `notify deliver` or the next dispatch
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
