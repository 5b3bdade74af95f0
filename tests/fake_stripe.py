"""A small fake of the Stripe API on loopback (http.server in a thread): no test touches the network."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


class FakeStripe:
    """Sessions, expiry and refunds as Stripe keeps them, with its idempotency rules: a key already answered
    replays the saved answer (errors included), a key whose first request is still running gets 409.

    On demand it is slow (`delay`: seconds every POST takes before it is handled) or fails (`fail_next`)."""

    def __init__(self, prefix: str = ""):
        #: put before every id it makes, for several fakes in one database (ids are unique there)
        self.prefix = prefix
        self.requests: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self.by_key: dict[str, tuple[int, dict]] = {}
        self.in_flight: set[str] = set()
        self.refunds: list[dict] = []
        self.lock = threading.Lock()
        self.delay = 0.0
        #: (path prefix, "api_error" | "connection") for the next POSTs to fail, oldest first
        self.failures: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, retry=None):
                raw = json.dumps(body).encode()
                self.send_response(status)
                if retry is not None:
                    self.send_header("Stripe-Should-Retry", retry)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                path, _, query = self.path.partition("?")
                if path == "/v1/refunds":
                    intent = dict(parse_qsl(query)).get("payment_intent")
                    with fake.lock:
                        data = [r for r in fake.refunds if r["payment_intent"] == intent]
                    return self._send(200, {"object": "list", "data": data, "has_more": False, "url": "/v1/refunds"})
                m = re.fullmatch(r"/v1/checkout/sessions/([\w]+)", self.path.split("?")[0])
                if m and m.group(1) in fake.sessions:
                    return self._send(200, fake.sessions[m.group(1)])
                return self._send(404, {"error": {"type": "invalid_request_error", "message": "No such session"}})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                key = self.headers.get("Idempotency-Key")
                with fake.lock:
                    fake.requests.append({"path": self.path, "form": form, "key": key,
                                          "auth": self.headers.get("Authorization")})
                    if key and key in fake.by_key:
                        return self._send(*fake.by_key[key])
                    if key and key in fake.in_flight:
                        return self._send(409, {"error": {"type": "idempotency_error", "message":
                                                          "another request with this key is in progress"}})
                    failure = next((f for f in fake.failures if self.path.startswith(f[0])), None)
                    if failure:
                        fake.failures.remove(failure)
                    if key:
                        fake.in_flight.add(key)
                try:
                    if fake.delay:
                        time.sleep(fake.delay)
                    if failure and failure[1] == "connection":
                        # the connection drops before any answer: Stripe's client cannot tell what happened
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return None
                    with fake.lock:
                        if failure:
                            status, body = 500, {"error": {"type": "api_error", "message": "fake outage"}}
                        else:
                            status, body = fake.route(self.path, form)
                        if key:
                            fake.by_key[key] = (status, body)  # Stripe saves errors against the key too
                finally:
                    with fake.lock:
                        fake.in_flight.discard(key)
                return self._send(status, body, retry="false" if status == 500 else None)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, path, form):
        if path == "/v1/checkout/sessions":
            n = len(self.sessions) + 1
            total, i = 0, 0
            while f"line_items[{i}][quantity]" in form:
                total += int(form[f"line_items[{i}][price_data][unit_amount]"]) * int(form[f"line_items[{i}][quantity]"])
                i += 1
            sid = f"cs_test_{self.prefix}{n}"
            session = {
                "id": sid, "object": "checkout.session", "url": f"{self.base}/pay/{sid}", "status": "open",
                "payment_status": "unpaid", "amount_total": total, "currency": form.get("line_items[0][price_data][currency]"),
                "metadata": {"order_id": form.get("metadata[order_id]"), "order_code": form.get("metadata[order_code]")},
                "expires_at": int(form.get("expires_at", 0)), "payment_intent": None,
            }
            self.sessions[sid] = session
            return 200, session
        m = re.fullmatch(r"/v1/checkout/sessions/(\w+)/expire", path)
        if m:
            session = self.sessions.get(m.group(1))
            if session is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such session"}}
            if session["status"] != "open":
                return 400, {"error": {"type": "invalid_request_error", "message": "Session is not open"}}
            session["status"] = "expired"
            return 200, session
        if path == "/v1/refunds":
            intent, amount = form.get("payment_intent"), int(form["amount"])
            paid = next((s for s in self.sessions.values() if s["payment_intent"] == intent and s["status"] == "complete"), None)
            if paid is None:
                return 400, {"error": {"type": "invalid_request_error", "message": "No such payment_intent"}}
            if self.refunded(intent) + amount > paid["amount_total"]:
                return 400, {"error": {"type": "invalid_request_error", "message": "Refund exceeds the charge"}}
            refund = {"id": f"re_{self.prefix}{len(self.refunds) + 1}", "object": "refund", "status": "succeeded",
                      "amount": int(form["amount"]), "payment_intent": form["payment_intent"],
                      "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")}}
            self.refunds.append(refund)
            return 200, refund
        return 404, {"error": {"type": "invalid_request_error", "message": "unknown path"}}

    def refunded(self, intent: str) -> int:
        return sum(r["amount"] for r in self.refunds if r["payment_intent"] == intent)

    def captured(self, order_id: int | None = None) -> int:
        """Money taken from buyers' cards and not given back (for one order, or all): a bank statement."""
        paid = [s for s in self.sessions.values() if s["payment_status"] == "paid"
                and (order_id is None or s["metadata"]["order_id"] == str(order_id))]
        return sum(s["amount_total"] for s in paid) - sum(self.refunded(s["payment_intent"]) for s in paid)

    def expire(self, sid: str) -> dict:
        """What Stripe does at a session's expires_at: an open session can no longer be paid."""
        with self.lock:
            s = self.sessions[sid]
            if s["status"] == "open":
                s["status"] = "expired"
            return dict(s)

    def fail_next(self, path: str = "/v1/checkout/sessions", kind: str = "api_error", times: int = 1) -> None:
        """The next `times` POSTs whose path starts with `path` fail: a 500 (saved against the idempotency key,
        as Stripe does) or a dropped connection (nothing saved, nothing created)."""
        with self.lock:
            self.failures.extend([(path, kind)] * times)

    def pay(self, sid: str, intent: str | None = None) -> dict:
        """What Stripe does when the buyer pays: the session becomes complete and paid."""
        with self.lock:
            s = self.sessions[sid]
            s.update(status="complete", payment_status="paid", payment_intent=intent or f"pi_{sid}")
            return dict(s)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def event(kind: str, session: dict, event_id: str | None = None) -> bytes:
    return json.dumps({
        "id": event_id or f"evt_{kind}_{session['id']}_{time.time_ns()}",
        "object": "event", "type": kind, "created": int(time.time()),
        "data": {"object": session},
    }).encode()
