"""The adapter behind each channel, chosen from the configuration."""
from __future__ import annotations

from flask import Flask

from .mail import FileMailer, SmtpMailer
from .models import Channel
from .rendering import Rendered
from .sms import HttpSmsGateway, LogSms


class EmailChannel:
    def __init__(self, app: Flask):
        cfg = app.config
        sender = cfg["MAIL_FROM"]
        self.mailer = SmtpMailer(cfg["SMTP_URL"], sender) if cfg.get("SMTP_URL") else FileMailer(cfg["MAIL_DIR"], sender)

    def send(self, recipient: str, message: Rendered) -> str:
        return self.mailer.send(recipient, message.subject or "", message.text)


class SmsChannel:
    def __init__(self, app: Flask):
        cfg = app.config
        url = cfg.get("SMS_GATEWAY_URL")
        self.gateway = HttpSmsGateway(url, cfg.get("SMS_GATEWAY_TOKEN", "")) if url else LogSms()

    def send(self, recipient: str, message: Rendered) -> str:
        return self.gateway.send(recipient, message.text)


def channel_for(app: Flask, channel: str) -> EmailChannel | SmsChannel:
    if channel == Channel.EMAIL:
        return EmailChannel(app)
    if channel == Channel.SMS:
        return SmsChannel(app)
    raise ValueError(f"unknown channel {channel!r}")
