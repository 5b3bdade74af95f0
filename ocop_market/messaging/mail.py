"""E-mail channel: the only module that imports smtplib and the `email` package.

`SMTP_URL` picks the transport: `smtp://[user:password@]host[:port]` (plain, port 25),
`smtp+starttls://…` (STARTTLS required, port 587), `smtps://…` (TLS from the start, port 465).
Without it, `FileMailer` writes each message as an `.eml` file (development; open it in any mail client).
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..timeutil import utcnow

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    pass


def build_message(sender: str, to: str, subject: str, body: str) -> Message:
    # The compat32 classes (Message, Header), not EmailMessage: policy.default folds a long Vietnamese subject into
    # encoded words split at a space and leaves the space between them, where RFC 2047 readers drop it
    # ("“Hạt dẻ Trùng Khánh”đã được duyệt"). Header keeps every space inside an encoded word.
    charset = Charset("utf-8")
    # Quoted-printable: Vietnamese text passes through relays that do not speak 8BITMIME.
    charset.body_encoding = QP
    msg = Message()
    msg["MIME-Version"] = "1.0"
    msg.set_payload(body, charset)  # sets Content-Type text/plain; charset="utf-8" and the transfer encoding
    name, address = parseaddr(sender)
    msg["From"] = formataddr((name, address), charset="utf-8")
    msg["To"] = to
    msg["Subject"] = Header(subject, "utf-8", header_name="Subject").encode()  # folded already, as RFC 2047 words
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = address.rpartition("@")[2] or "ocop.local"
    msg["Message-ID"] = make_msgid(domain=domain)
    # Tells auto-responders and vacation replies not to answer a machine.
    msg["Auto-Submitted"] = "auto-generated"
    return msg


class SmtpMailer:
    DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

    def __init__(self, url: str, sender: str, timeout: float = 15.0):
        parts = urlsplit(url)
        if parts.scheme not in self.DEFAULT_PORTS or not parts.hostname:
            raise MailError(f"SMTP_URL must look like smtp://host:port (or smtp+starttls://, smtps://), not {url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or self.DEFAULT_PORTS[parts.scheme]
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    def send(self, to: str, subject: str, body: str) -> str:
        msg = build_message(self.sender, to, subject, body)
        try:
            if self.scheme == "smtps":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                      context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with conn:
                if self.scheme == "smtp+starttls":
                    conn.starttls(context=ssl.create_default_context())
                if self.username:
                    conn.login(self.username, self.password or "")
                refused = conn.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"{type(exc).__name__}: {exc}") from exc
        if refused:
            raise MailError(f"recipient refused: {refused}")
        return str(msg["Message-ID"])


class FileMailer:
    """Development default: each message becomes `MAIL_DIR/<time>-<id>.eml`, and its path is logged."""

    def __init__(self, directory: str, sender: str):
        self.directory = Path(directory)
        self.sender = sender

    def send(self, to: str, subject: str, body: str) -> str:
        msg = build_message(self.sender, to, subject, body)
        self.directory.mkdir(parents=True, exist_ok=True)
        token = str(msg["Message-ID"]).strip("<>").partition("@")[0]
        path = self.directory / f"{utcnow():%Y%m%d-%H%M%S}-{token}.eml"
        path.write_bytes(msg.as_bytes())
        log.warning("e-mail to %s written to %s (SMTP_URL is not set)", to, path)
        return str(path)
