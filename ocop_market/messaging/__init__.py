"""Outbound messages: e-mail and SMS that reach people who never open the site.

A base-level domain: it knows nothing of orders or accounts. A higher domain that wants to tell someone
something calls `services.queue_message` inside its own transaction, so the message row commits or rolls back
with the event it tells of (a transactional outbox). After the commit, `delivery` sends it through one adapter
per channel (`mail.py`: SMTP or `.eml` files; `sms.py`: an HTTP gateway or the log) and records the outcome on
the row; a failed send stays in the outbox with its error and attempts for `deliver_pending` to retry.

- `models.py`      OutboundMessage (the outbox row)
- `services.py`    queue_message: the one way in, flushes only
- `rendering.py`   templates per message kind (`templates/messaging/<kind>/`), vi/en, SMS folded to one segment
- `delivery.py`    deliver(id) / deliver_pending(): what a queue task calls; the after-commit dispatch
- `mail.py`, `sms.py`, `phone.py`   adapters: the only importers of smtplib/email, of the HTTP client used for
                   the SMS gateway, and of phonenumbers
- `links.py`       absolute links for messages (PUBLIC_URL), safe against a forged Host header
- `cli.py`         flask notify test | deliver
"""
