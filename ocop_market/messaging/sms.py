"""SMS channel: an HTTP gateway (the shape Vietnamese brand-name SMS providers offer), or the log.

`HttpSmsGateway` POSTs `{"to": "+84…", "text": "…"}` as JSON to `SMS_GATEWAY_URL` with
`Authorization: Bearer SMS_GATEWAY_TOKEN`; any 2xx is accepted. A provider whose API differs is a small
subclass overriding `request_body` (and `headers`). The standard library's HTTP client is enough for one
POST; this is the only module that makes that call.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


class SmsError(RuntimeError):
    pass


class HttpSmsGateway:
    def __init__(self, url: str, token: str = "", timeout: float = 10.0):
        if urlsplit(url).scheme not in ("http", "https"):
            raise SmsError(f"SMS_GATEWAY_URL must be an http(s) address, not {url!r}")
        self.url = url
        self.token = token
        self.timeout = timeout

    def request_body(self, to: str, text: str) -> dict:
        return {"to": to, "text": text}

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def send(self, to: str, text: str) -> str:
        body = json.dumps(self.request_body(to, text), ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(self.url, data=body, headers=self.headers(), method="POST")  # noqa: S310 - scheme checked above
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - scheme checked above
                answer = resp.read(2000).decode("utf-8", "replace")
                status = resp.status
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace")
            raise SmsError(f"gateway answered {exc.code}: {detail}") from exc
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
            raise SmsError(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsError(f"gateway answered {status}: {answer[:300]}")
        return answer[:200]


class LogSms:
    """Development default with no gateway configured: the text goes to the log."""

    def send(self, to: str, text: str) -> str:
        log.warning("SMS to %s (SMS_GATEWAY_URL is not set): %s", to, text)
        return "logged"
