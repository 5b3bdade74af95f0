"""The outbound-message outbox and its channels, against a real SMTP server and a real HTTP SMS gateway on loopback."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ocop_market.extensions import db
from ocop_market.messaging import delivery
from ocop_market.messaging.models import OutboundMessage
from ocop_market.messaging.phone import InvalidPhoneNumber, normalise_msisdn
from ocop_market.messaging.rendering import MessageTooLong, sms_text
from ocop_market.messaging.services import queue_message
from ocop_market.timeutil import utcnow
from tests.loopback import SmtpServer, free_port


@pytest.fixture
def app_config(request, channels_config):
    """Both loopback servers, unless a test passes its own settings (`indirect=True`)."""
    return getattr(request, "param", channels_config)


def _queue(channel="email", to="lan@example.vn", key="test:1", **kw):
    return queue_message(event_key=key, channel=channel, recipient=to, template="test", **kw)


def _row(message_id) -> OutboundMessage:
    db.session.expire_all()
    return db.session.get(OutboundMessage, message_id)


# ---------------------------------------------------------------- written with the event, sent after its commit
def test_an_email_written_in_a_transaction_arrives_after_the_commit(ctx, smtp_server):
    message = _queue()
    assert smtp_server.mails == []  # nothing leaves inside the transaction
    db.session.commit()
    assert len(smtp_server.mails) == 1
    mail = smtp_server.mails[0]
    assert mail.rcpt_tos == ["lan@example.vn"]
    assert mail.message["From"] == "Chợ OCOP <no-reply@cho-ocop.test>" and mail.message["To"] == "lan@example.vn"
    assert mail.subject == "Chợ OCOP: thư thử"
    assert "kênh e-mail đang hoạt động" in mail.text
    assert mail.message["Message-ID"] and mail.message["Auto-Submitted"] == "auto-generated"
    row = _row(message.id)
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, None) and row.sent_at is not None


def test_a_rolled_back_transaction_sends_nothing(ctx, smtp_server, sms_gateway):
    _queue()
    _queue(channel="sms", to="0912345678")
    db.session.rollback()
    assert smtp_server.mails == [] and sms_gateway.messages == []
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 0


def test_a_savepoint_does_not_send_early_and_its_rollback_keeps_the_others(ctx, smtp_server):
    kept = _queue(key="test:kept")
    with db.session.begin_nested():  # released: nothing may leave before the real commit
        _queue(key="test:inner")
    assert smtp_server.mails == []
    savepoint = db.session.begin_nested()
    _queue(key="test:dropped", to="dropped@example.vn")
    savepoint.rollback()
    db.session.commit()
    assert sorted(m.rcpt_tos[0] for m in smtp_server.mails) == ["lan@example.vn", "lan@example.vn"]
    assert _row(kept.id).state == "sent"


def test_an_sms_arrives_at_the_gateway_as_json_with_the_token(ctx, sms_gateway):
    message = _queue(channel="sms", to="091 234 5678")
    db.session.commit()
    assert len(sms_gateway.messages) == 1
    sms = sms_gateway.messages[0]
    assert sms.body == {"to": "+84912345678", "text": "Cho OCOP: tin nhan thu. Kenh SMS dang hoat dong."}
    assert sms.headers["Authorization"] == "Bearer test-gateway-token"
    assert sms.headers["Content-Type"].startswith("application/json")
    assert _row(message.id).recipient == "+84912345678"


def test_each_event_is_sent_at_most_once_per_channel(ctx, smtp_server, sms_gateway):
    first = _queue(key="order:7")
    again = _queue(key="order:7")
    by_sms = _queue(key="order:7", channel="sms", to="+84912345678")
    db.session.commit()
    assert first.id == again.id != by_sms.id
    assert len(smtp_server.mails) == 1 and len(sms_gateway.messages) == 1
    # A later transaction telling the same event again sends nothing more.
    _queue(key="order:7")
    db.session.commit()
    assert len(smtp_server.mails) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 2


def test_concurrent_deliverers_send_a_message_once(app, smtp_server):
    with app.app_context():
        message = _queue(deliver_after_commit=False)
        db.session.commit()
        message_id = message.id
    barrier = threading.Barrier(4)
    states = []

    def worker():
        with app.app_context():
            barrier.wait()
            states.append(delivery.deliver(message_id))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert states.count("sent") == 1 and states.count(None) == 3
    assert len(smtp_server.mails) == 1


# ---------------------------------------------------------------- failures stay in the outbox
def test_a_gateway_outage_never_fails_the_caller_and_the_message_is_retried(ctx, sms_gateway):
    sms_gateway.status = 503
    message = _queue(channel="sms", to="0912345678", secret_params={"code": "123456"})
    db.session.commit()  # does not raise
    row = _row(message.id)
    assert row.state == "failed" and row.attempts == 1
    assert "503" in row.last_error and "gateway unavailable" in row.last_error
    assert row.secret_params == {"code": "123456"}  # kept for the retry
    sms_gateway.status = 200
    # Back-off: not tried again within the first minute, then tried.
    assert row.retry_at is not None and dt.timedelta(seconds=50) < row.retry_at - utcnow() <= dt.timedelta(minutes=1)
    assert delivery.deliver_pending().sent == 0 and len(sms_gateway.messages) == 0
    report = delivery.deliver_pending(now=utcnow() + dt.timedelta(seconds=61))
    assert (report.sent, report.failed) == (1, 0)
    row = _row(message.id)
    assert (row.state, row.attempts, row.last_error, row.secret_params) == ("sent", 2, None, None)
    assert len(sms_gateway.messages) == 1


def test_a_wrong_gateway_token_is_a_recorded_failure(app, ctx, sms_gateway):
    app.config["SMS_GATEWAY_TOKEN"] = "wrong"
    message = _queue(channel="sms", to="0912345678")
    db.session.commit()
    row = _row(message.id)
    assert row.state == "failed" and "401" in row.last_error
    assert sms_gateway.messages == []


def test_an_unreachable_smtp_server_is_a_recorded_failure_and_attempts_are_bounded(app, ctx):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    app.config["MESSAGE_MAX_ATTEMPTS"] = 2
    message = _queue(secret_params={"link": "https://x/secret"})
    db.session.commit()
    assert _row(message.id).state == "failed"
    delivery.deliver_pending(now=utcnow() + dt.timedelta(minutes=2))
    row = _row(message.id)
    assert (row.state, row.attempts) == ("failed", 2) and "ConnectionRefusedError" in row.last_error
    assert row.secret_params is None and row.retry_at is None  # no retry left: the secret does not stay at rest
    assert delivery.deliver(message.id) is None and _row(message.id).attempts == 2


def test_a_refusing_smtp_server_is_a_recorded_failure(ctx, smtp_server):
    smtp_server.refuse = True
    message = _queue()
    db.session.commit()
    row = _row(message.id)
    assert row.state == "failed" and "554" in row.last_error


def test_an_expired_message_is_not_sent_and_its_secret_is_erased(ctx, smtp_server):
    message = _queue(secret_params={"code": "654321"}, expires_at=utcnow() - dt.timedelta(seconds=1))
    db.session.commit()
    row = _row(message.id)
    assert (row.state, row.secret_params) == ("expired", None)
    assert smtp_server.mails == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_with_the_credentials_in_smtp_url(app, ctx):
    server = SmtpServer(credentials=("ocop", "mat khau/1")).start()
    try:
        app.config["SMTP_URL"] = server.url("ocop", "mat%20khau%2F1")
        ok = _queue(key="test:auth-ok")
        db.session.commit()
        assert _row(ok.id).state == "sent" and len(server.mails) == 1
        app.config["SMTP_URL"] = server.url("ocop", "doan-bua")
        bad = _queue(key="test:auth-bad")
        db.session.commit()
        row = _row(bad.id)
        assert row.state == "failed" and "SMTPAuthenticationError" in row.last_error and len(server.mails) == 1
    finally:
        server.stop()


# ---------------------------------------------------------------- development defaults and background mode
@pytest.mark.parametrize("app_config", [{}], indirect=True)
def test_without_smtp_each_email_becomes_an_eml_file_and_its_path_is_logged(app, ctx, caplog):
    caplog.set_level(logging.WARNING, logger="ocop_market.messaging.mail")
    message = _queue()
    db.session.commit()
    assert _row(message.id).state == "sent"
    files = sorted(Path(app.config["MAIL_DIR"]).glob("*.eml"))
    assert Path(app.config["MAIL_DIR"]) == Path(app.instance_path) / "mail"
    assert len(files) == 1
    assert str(files[0]) in caplog.text
    raw = files[0].read_bytes()
    assert b"To: lan@example.vn" in raw and b"Subject: =?utf-8?" in raw


@pytest.mark.parametrize("subject", [
    "Chợ OCOP: “Hạt dẻ Trùng Khánh” đã được duyệt",
    "Chợ OCOP: đơn DH26120335CL2 của HTX Miến dong Phia Đén đã được xác nhận và đang được chuẩn bị để giao cho bạn",
    "OCOP Market: order DH26120335CL2 confirmed",
])
def test_a_vietnamese_subject_and_sender_name_arrive_with_every_space(subject):
    """A folded subject used to lose the space at the fold (“Khánh”đã): what the reader's mail program shows is
    what was written."""
    from email import message_from_bytes, policy

    from ocop_market.messaging.mail import build_message

    raw = build_message("Chợ OCOP <no-reply@ocop.local>", "lan@example.vn", subject, "Xin chào bà Lan,\nđơn hàng").as_bytes()
    assert max(len(line) for line in raw.split(b"\n")) <= 998
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed["From"].addresses[0].display_name == "Chợ OCOP"
    assert parsed["Content-Transfer-Encoding"] == "quoted-printable"
    assert parsed.get_content().rstrip("\n") == "Xin chào bà Lan,\nđơn hàng"


@pytest.mark.parametrize("app_config", [{}], indirect=True)
def test_without_a_gateway_the_sms_text_is_logged(ctx, caplog):
    caplog.set_level(logging.WARNING, logger="ocop_market.messaging.sms")
    message = _queue(channel="sms", to="0912345678")
    db.session.commit()
    assert _row(message.id).state == "sent"
    assert "SMS to +84912345678" in caplog.text and "Cho OCOP: tin nhan thu." in caplog.text


def test_by_default_each_message_is_a_task_on_the_queue(app, ctx, smtp_server):
    assert delivery.delivery_mode(app) == "queue"
    app.config["MESSAGE_DELIVERY"] = "background"  # the old thread-per-process setting means the queue now
    assert delivery.delivery_mode(app) == "queue"
    huey = app.extensions["huey"]
    seen = []
    huey.signal("executing")(lambda signal, task: seen.append((task.name, task.args)))
    message = _queue()
    db.session.commit()
    assert seen == [("messaging.deliver", (message.id,))]  # Huey (immediate in tests) ran the task
    assert len(smtp_server.mails) == 1 and _row(message.id).state == "sent"


def test_a_message_left_sending_by_a_dead_process_is_taken_back_and_sent(app, ctx, smtp_server):
    app.config["MESSAGE_DELIVERY"] = "off"
    message = _queue()
    db.session.commit()
    # What a process killed mid-send leaves: claimed, attempt counted, never finished.
    row = _row(message.id)
    row.state, row.attempts, row.claimed_at = "sending", 1, utcnow() - dt.timedelta(minutes=11)
    db.session.commit()
    assert delivery.deliver_pending().sent == 0  # a sending row is no one else's to send
    assert delivery.reclaim_stale_sending() == 1
    assert delivery.deliver_pending().sent == 1
    row = _row(message.id)
    assert (row.state, row.attempts) == ("sent", 2) and len(smtp_server.mails) == 1


def test_a_message_just_claimed_is_not_taken_back(app, ctx, smtp_server):
    app.config["MESSAGE_DELIVERY"] = "off"
    message = _queue()
    db.session.commit()
    row = _row(message.id)
    row.state, row.claimed_at = "sending", utcnow() - dt.timedelta(minutes=2)
    db.session.commit()
    assert delivery.reclaim_stale_sending() == 0 and _row(message.id).state == "sending"


def test_off_leaves_messages_for_notify_deliver(app, ctx, runner, smtp_server):
    app.config["MESSAGE_DELIVERY"] = "off"
    _queue()
    db.session.commit()
    assert smtp_server.mails == []
    result = runner.invoke(args=["notify", "deliver"])
    assert result.exit_code == 0 and "sent 1, failed 0" in result.output
    assert len(smtp_server.mails) == 1


def test_messages_are_written_in_the_recipients_language(ctx, smtp_server, sms_gateway):
    _queue(locale="en")
    _queue(channel="sms", to="0912345678", locale="en")
    db.session.commit()
    assert smtp_server.mails[0].subject == "OCOP Market: test message"
    assert sms_gateway.messages[0].text == "OCOP Market: test message. The SMS channel works."


# ---------------------------------------------------------------- notify test
def test_notify_test_sends_an_email_now(runner, smtp_server):
    result = runner.invoke(args=["notify", "test", "--channel", "email", "--to", "canbo@example.vn"])
    assert result.exit_code == 0, result.output
    assert "sent email message" in result.output
    assert smtp_server.mails[0].rcpt_tos == ["canbo@example.vn"]


def test_notify_test_sends_an_sms_now(runner, sms_gateway):
    result = runner.invoke(args=["notify", "test", "--channel", "sms", "--to", "+84912345678"])
    assert result.exit_code == 0, result.output
    assert sms_gateway.messages[0].to == "+84912345678"


def test_notify_test_exits_non_zero_on_failure(runner, sms_gateway):
    sms_gateway.status = 500
    result = runner.invoke(args=["notify", "test", "--channel", "sms", "--to", "+84912345678"])
    assert result.exit_code != 0 and "not sent" in result.output and "500" in result.output
    result = runner.invoke(args=["notify", "test", "--channel", "sms", "--to", "12345"])
    assert result.exit_code != 0 and "not a valid phone number" in result.output


# ---------------------------------------------------------------- text rules
def test_sms_text_is_unaccented_gsm7_and_one_segment():
    assert sms_text("Đơn hàng  Hạt dẻ\nTrùng Khánh – 150.000 ₫") == "Don hang Hat de Trung Khanh - 150.000 d"
    assert sms_text("Mã “OCOP” của bạn…") == 'Ma "OCOP" cua ban...'
    assert sms_text("Chữ 中 lạ") == "Chu ? la"
    assert len(sms_text("a" * 160)) == 160
    with pytest.raises(MessageTooLong):
        sms_text("ă" * 161)


@pytest.mark.parametrize("typed,expected", [("0912345678", "+84912345678"), ("+84 91 234 5678", "+84912345678"),
                                            ("(+84) 912-345-678", "+84912345678"), ("+1 202 555 0143", "+12025550143")])
def test_phone_numbers_are_normalised_to_e164(typed, expected):
    assert normalise_msisdn(typed) == expected


@pytest.mark.parametrize("typed", ["", "12345", "abc", "091234567", "+84 12"])
def test_invalid_phone_numbers_are_refused(typed):
    with pytest.raises(InvalidPhoneNumber):
        normalise_msisdn(typed)


def test_an_unknown_channel_or_an_empty_recipient_is_refused(ctx):
    with pytest.raises(ValueError):
        _queue(channel="fax")
    with pytest.raises(ValueError):
        _queue(to="  ")


# ---------------------------------------------------------------- links outside a request
def test_links_are_built_from_public_url_in_a_job_or_command_too(app):
    from ocop_market.messaging.links import public_url

    app.config.update(PUBLIC_URL="https://cho-ocop.example.vn/", SERVER_NAME=None)
    with app.app_context():  # no request: a queue job, `flask seed demo`
        assert public_url("orders.order_detail", code="DH1") == "https://cho-ocop.example.vn/don-hang/DH1"
    app.config["PUBLIC_URL"] = ""
    with app.app_context():
        assert public_url("orders.order_detail", code="DH1") is None
