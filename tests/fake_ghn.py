"""A fake GHN (Giao Hàng Nhanh) public API on loopback, for tests and the e2e journey.

A real HTTP server (ThreadingHTTPServer in a thread of the test process, on a free 127.0.0.1 port) answering the
endpoints `carriers/ghn.py` calls, in GHN's JSON shape (`{"code": 200, "message": "Success", "data": …}`), after
checking the `Token` and `ShopId` headers (401 otherwise, as GHN does). It records what it received (`requests`),
keeps the orders it created (`orders`: code -> detail, with a `log` and COD fields) and refuses a second order with
the same `client_order_code`. It can also play GHN's callback: `send_webhook(url, order_code, status, secret=…)`
posts GHN's webhook body to our server, signed the way our webhook expects (`sign`).

    ghn = FakeGhn().start()            # ghn.base_url -> GHN_API_BASE, ghn.token -> GHN_API_TOKEN
    ...
    ghn.send_webhook("http://127.0.0.1:5000/carriers/ghn/webhook", "GHNTEST1", "delivered", secret="s3cret")
    ghn.stop()

Our webhook acts on a "delivered" only when GHN's API (`v2/shipping-order/detail`) agrees: `send_webhook` moves the
fake's parcel first. Run as a process (`python -m tests.fake_ghn --port 8765`) it serves the same fake until
stopped, for `make run` or an e2e server started with GHN_API_BASE=http://127.0.0.1:8765/shiip/public-api;
`deliver_remote(...)` then moves its parcel and sends the signed callback.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/shiip/public-api/"
SIGNATURE_HEADER = "X-Ocop-Signature"
#: a minimal PDF, so a label from the fake is recognisably GHN's (our own label has our layout)
LABEL_PDF = b"%PDF-1.4\n% fake GHN A5 label\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign(body: bytes, secret: str) -> str:
    """The signature header's value for `body`: what the signing relay in front of our webhook adds."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(order_code: str, status: str, time: dt.datetime | None = None, description: str = "",
                 cod_amount: int | None = None) -> bytes:
    """GHN's callback body for one status change (GHN docs "Webhook / callback")."""
    at = (time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    body = {"OrderCode": order_code, "Status": status, "Time": at.isoformat().replace("+00:00", "Z"),
            "Description": description, "Type": "switch_status", "ShopID": 885, "ClientOrderCode": "",
            "Reason": "", "ReasonCode": "", "Weight": 500, "TotalFee": 0}
    if cod_amount is not None:
        body["CODAmount"] = cod_amount
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def post_webhook(url: str, body: bytes, secret: str | None, signature: str | None = None) -> tuple[int, dict]:
    """POST a webhook body to our server, signed with `secret` (or with the `signature` given); (status, JSON)."""
    headers = {"Content-Type": "application/json"}
    if signature is not None or secret is not None:
        headers[SIGNATURE_HEADER] = signature if signature is not None else sign(body, secret or "")
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - a test's own loopback URL
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@dataclass
class Received:
    path: str
    headers: dict
    body: dict


@dataclass
class FakeGhn:
    token: str = "test-ghn-token"
    shop_id: str = "885"
    fee_vnd: int = 32_000
    #: set to an HTTP status (e.g. 503) to play an outage
    fail_with: int | None = None
    requests: list[Received] = field(default_factory=list)
    orders: dict[str, dict] = field(default_factory=dict)
    port: int = 0

    def __post_init__(self):
        fake = self
        numbers = itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, payload, content_type="application/json"):
                body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorised(self) -> bool:
                return self.headers.get("Token") == fake.token

            def do_GET(self):  # noqa: N802 - http.server's hook name
                if self.path.startswith("/a5/public-api/printA5?token="):
                    token = self.path.split("token=", 1)[1]
                    if token.startswith("print-"):
                        return self._answer(200, LABEL_PDF, "application/pdf")
                    return self._answer(404, {"code": 404, "message": "token not found"})
                return self._answer(404, {"code": 404, "message": "not found"})

            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    return self._answer(400, {"code": 400, "message": "invalid JSON"})
                if self.path == "/fake/progress":  # the test's (or demo's) hand on the fake courier
                    if not self._authorised() or str(body.get("order_code")) not in fake.orders:
                        return self._answer(400, {"code": 400, "message": "unknown order or bad token"})
                    fake.progress(str(body["order_code"]), str(body.get("status")), bool(body.get("cod_collected")))
                    return self._answer(200, {"code": 200, "message": "Success", "data": None})
                fake.requests.append(Received(self.path, dict(self.headers), body))
                if not self._authorised():
                    return self._answer(401, {"code": 401, "message": "Token is not valid", "data": None})
                if fake.fail_with:
                    return self._answer(fake.fail_with, {"code": fake.fail_with, "message": "GHN is down"})
                endpoint = self.path[len(PREFIX):] if self.path.startswith(PREFIX) else ""
                handler = {"v2/shipping-order/fee": self._fee, "v2/shipping-order/create": self._create,
                           "v2/shipping-order/detail": self._detail, "v2/a5/gen-token": self._gen_token}.get(endpoint)
                if handler is None:
                    return self._answer(404, {"code": 404, "message": f"no endpoint {self.path}"})
                if self.headers.get("ShopId") != fake.shop_id and endpoint != "v2/a5/gen-token":
                    return self._answer(400, {"code": 400, "message": "ShopId is not valid"})
                return handler(body)

            def _fee(self, body):
                return self._answer(200, {"code": 200, "message": "Success",
                                          "data": {"total": fake.fee_vnd, "service_fee": fake.fee_vnd,
                                                   "insurance_fee": 0}})

            def _create(self, body):
                missing = [k for k in ("to_name", "to_phone", "to_address", "weight", "client_order_code")
                           if not body.get(k)]
                if missing:
                    return self._answer(400, {"code": 400, "message": f"missing {', '.join(missing)}",
                                              "code_message_value": f"Thiếu {', '.join(missing)}"})
                if any(o["client_order_code"] == body["client_order_code"] for o in fake.orders.values()):
                    return self._answer(400, {"code": 400, "message": "duplicate client_order_code",
                                              "code_message_value": "Mã đơn hàng của shop đã tồn tại"})
                code = f"GHNTEST{next(numbers)}"
                now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
                fake.orders[code] = {"order_code": code, "status": "ready_to_pick",
                                     "client_order_code": body["client_order_code"],
                                     "cod_amount": body.get("cod_amount", 0), "cod_collect_date": None,
                                     "log": [{"status": "ready_to_pick", "updated_date": now}], "request": body}
                return self._answer(200, {"code": 200, "message": "Success", "data": {
                    "order_code": code, "sort_code": "19-000-00", "trans_type": "truck",
                    "total_fee": fake.fee_vnd, "expected_delivery_time": now}})

            def _detail(self, body):
                order = fake.orders.get(str(body.get("order_code")))
                if order is None:
                    return self._answer(400, {"code": 400, "message": "order not found"})
                return self._answer(200, {"code": 200, "message": "Success",
                                          "data": {k: v for k, v in order.items() if k != "request"}})

            def _gen_token(self, body):
                codes = body.get("order_codes") or []
                if not codes or any(c not in fake.orders for c in codes):
                    return self._answer(400, {"code": 400, "message": "order not found"})
                return self._answer(200, {"code": 200, "message": "Success", "data": {"token": f"print-{codes[0]}"}})

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{PREFIX.rstrip('/')}"

    def config(self) -> dict:
        """The app settings that point the GHN adapter here."""
        return {"GHN_API_BASE": self.base_url, "GHN_API_TOKEN": self.token, "GHN_SHOP_ID": self.shop_id}

    def start(self) -> FakeGhn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def received(self, endpoint: str) -> list[Received]:
        return [r for r in self.requests if r.path == PREFIX + endpoint]

    def progress(self, order_code: str, status: str, cod_collected: bool = False) -> None:
        """GHN moved the parcel (as its courier would): its detail and log say so."""
        order = self.orders[order_code]
        order["status"] = status
        now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        order["log"].append({"status": status, "updated_date": now})
        if cod_collected:
            order["cod_collect_date"] = now

    def send_webhook(self, url: str, order_code: str, status: str, secret: str | None,
                     time: dt.datetime | None = None, description: str = "", cod_amount: int | None = None,
                     signature: str | None = None) -> tuple[int, dict]:
        """Play GHN's callback for `order_code` reaching `status`, signed with `secret`; (status, JSON answer)."""
        if order_code in self.orders and status != self.orders[order_code]["status"]:
            self.progress(order_code, status, cod_collected=status == "delivered")
        return post_webhook(url, webhook_body(order_code, status, time, description, cod_amount), secret, signature)


def deliver_remote(fake_origin: str, token: str, order_code: str, app_base_url: str, secret: str,
                   status: str = "delivered") -> tuple[int, dict]:
    """For a fake GHN running as its own process (`python -m tests.fake_ghn`): move its parcel to `status` (so GHN's
    API agrees), then send our app the signed callback. `fake_origin` e.g. "http://127.0.0.1:8765"."""
    req = urllib.request.Request(f"{fake_origin}/fake/progress", method="POST",
                                 data=json.dumps({"order_code": order_code, "status": status,
                                                  "cod_collected": status == "delivered"}).encode(),
                                 headers={"Content-Type": "application/json", "Token": token})
    with urllib.request.urlopen(req, timeout=10):  # noqa: S310 - loopback
        pass
    return post_webhook(f"{app_base_url}/carriers/ghn/webhook", webhook_body(order_code, status), secret)


def main() -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description="A fake GHN API on 127.0.0.1 (tests and demos only).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default="demo-ghn-token")
    parser.add_argument("--shop-id", default="885")
    args = parser.parse_args()
    fake = FakeGhn(token=args.token, shop_id=args.shop_id, port=args.port).start()
    print(f"fake GHN at {fake.base_url} (token {fake.token}, shop {fake.shop_id})", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
