"""Real servers on loopback for the message channels: an SMTP server (aiosmtpd) and an HTTP SMS gateway.

Tests check what actually arrives over the protocol, never a mock of our own code. Each server runs in a
thread of the test process on a free 127.0.0.1 port and is stopped by its fixture.
"""
from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ArrivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_content()


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_DATA(self, smtp_server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.server.refuse:
            return "554 5.7.1 refused by the test server"
        self.server.mails.append(ArrivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                                             or envelope.content))
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1; `mails` holds what arrived. With `credentials`, AUTH LOGIN/PLAIN is required."""

    def __init__(self, credentials: tuple[str, str] | None = None):
        self.mails: list[ArrivedMail] = []
        self.refuse = False
        self.port = free_port()
        kwargs = {}
        if credentials:
            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = (auth_data.login.decode(), auth_data.password.decode()) == credentials
                return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535 itself

            # PLAIN only: smtplib then reports a wrong password at once instead of trying LOGIN next.
            kwargs = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False,
                      "auth_exclude_mechanism": ["LOGIN"]}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)

    def url(self, user: str | None = None, password: str | None = None) -> str:
        auth = f"{user}:{password}@" if user else ""
        return f"smtp://{auth}127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class ArrivedSms:
    headers: dict
    body: dict
    raw: bytes

    @property
    def to(self) -> str:
        return self.body["to"]

    @property
    def text(self) -> str:
        return self.body["text"]


@dataclass
class SmsGateway:
    """A small HTTP SMS gateway: accepts `POST /send` with JSON {"to", "text"} and the bearer token.

    `status` sets the answer (e.g. 503 to play an outage); a wrong or missing token gets 401.
    """

    token: str = "test-gateway-token"
    status: int = 200
    messages: list[ArrivedSms] = field(default_factory=list)

    def __post_init__(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Authorization") != f"Bearer {gateway.token}":
                    return self._answer(401, {"error": "bad token"})
                if gateway.status >= 300:
                    return self._answer(gateway.status, {"error": "gateway unavailable"})
                gateway.messages.append(ArrivedSms(dict(self.headers), json.loads(raw), raw))
                return self._answer(200, {"status": "queued", "id": len(gateway.messages)})

            def _answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/send"

    def start(self) -> SmsGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(predicate, timeout: float = 5.0) -> bool:
    """For the background delivery mode: poll until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())
