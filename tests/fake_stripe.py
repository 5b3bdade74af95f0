"""A small fake of the Stripe API on loopback (http.server in a thread): no test touches the network."""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


class FakeStripe:
    def __init__(self):
        self.requests: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self.by_key: dict[str, dict] = {}
        self.refunds: list[dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
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
                        return self._send(200, fake.by_key[key])
                    status, body = fake.route(self.path, form)
                    if key and status == 200:
                        fake.by_key[key] = body
                return self._send(status, body)

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
            sid = f"cs_test_{n}"
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
            refund = {"id": f"re_{len(self.refunds) + 1}", "object": "refund", "status": "succeeded",
                      "amount": int(form["amount"]), "payment_intent": form["payment_intent"]}
            self.refunds.append(refund)
            return 200, refund
        return 404, {"error": {"type": "invalid_request_error", "message": "unknown path"}}

    def pay(self, sid: str, intent: str = "pi_test_1") -> dict:
        """What Stripe does when the buyer pays: the session becomes complete and paid."""
        s = self.sessions[sid]
        s.update(status="complete", payment_status="paid", payment_intent=intent)
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
