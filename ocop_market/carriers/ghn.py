"""Giao Hàng Nhanh (GHN) through its public API (https://api.ghn.vn/home/docs): the only module that talks to GHN.

Requests are JSON POSTs to `GHN_API_BASE` + endpoint with the headers `Token` (the shop's API token) and `ShopId`;
answers are `{"code": 200, "message": "Success", "data": …}`. The standard library's HTTP client is enough (as for
the SMS gateway). Addresses go by name (ward and province, since the July 2025 reform there are no districts); GHN
resolves them. Webhooks: GHN posts the parcel's status as `{"OrderCode", "Status", "Time", "Description", …}`
to the callback URL set in its shop settings; `parse_webhook` reads that shape (the signature is checked before,
by the view: README "Carriers")."""
from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from .base import CarrierCode, CarrierError, CreatedShipment, MalformedWebhook, Parcel, ShipmentStatus, TrackingUpdate

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://online-gateway.ghn.vn/shiip/public-api"
#: GHN's "standard" (hàng nhẹ) service
SERVICE_TYPE_STANDARD = 2
#: who pays GHN's fee: 1 the shop (we charged the buyer our own shipping fee at checkout)
PAYMENT_BY_SHOP = 1
#: what the recipient may do: look but not try ("cho xem hàng, không thử")
REQUIRED_NOTE = "CHOXEMHANGKHONGTHU"

S = ShipmentStatus
#: GHN's statuses (docs "Order status") in our words
STATUS_MAP: dict[str, str] = {
    "ready_to_pick": S.CREATED, "picking": S.CREATED, "money_collect_picking": S.CREATED,
    "picked": S.PICKED_UP, "storing": S.IN_TRANSIT, "transporting": S.IN_TRANSIT, "sorting": S.IN_TRANSIT,
    "delivering": S.DELIVERING, "money_collect_delivering": S.DELIVERING,
    "delivered": S.DELIVERED, "delivery_fail": S.FAILED_ATTEMPT,
    "waiting_to_return": S.RETURNING, "return": S.RETURNING, "return_transporting": S.RETURNING,
    "return_sorting": S.RETURNING, "returning": S.RETURNING, "return_fail": S.RETURNING,
    "returned": S.RETURNED, "cancel": S.CANCELLED, "exception": S.FAILED_ATTEMPT, "damage": S.LOST, "lost": S.LOST,
}


def _parse_time(value) -> dt.datetime:
    if not isinstance(value, str) or not value:
        raise MalformedWebhook("'Time' must be an ISO 8601 string")
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedWebhook(f"'Time' is not ISO 8601: {value[:40]!r}") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone(dt.timedelta(hours=7)))  # GHN's own clock is Vietnam's
    return at.astimezone(dt.UTC)


def _update(code, status, time, description, extra=None) -> TrackingUpdate:
    if not isinstance(code, str) or not 1 <= len(code) <= 40:
        raise MalformedWebhook("'OrderCode' must be a string of 1 to 40 characters")
    if not isinstance(status, str) or not status or len(status) > 40:
        raise MalformedWebhook("'Status' must be a GHN status")
    word = status.strip().lower()
    if word not in STATUS_MAP:
        raise MalformedWebhook(f"unknown GHN status {word!r}")
    return TrackingUpdate(code.strip().upper(), word, STATUS_MAP[word], _parse_time(time),
                          str(description or "")[:300], None, extra or {})


def parse_webhook(raw: bytes) -> TrackingUpdate:
    """GHN's callback body as one update; MalformedWebhook when it is not that shape."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MalformedWebhook("the body is not JSON") from None
    if not isinstance(body, dict):
        raise MalformedWebhook("the body must be a JSON object")
    cod = body.get("CODAmount")
    if cod is not None and (isinstance(cod, bool) or not isinstance(cod, int) or cod < 0):
        raise MalformedWebhook("'CODAmount' must be a whole number of đồng")
    return _update(body.get("OrderCode"), body.get("Status"), body.get("Time"), body.get("Description"),
                   {"cod_vnd": cod} if cod is not None else {})


class GhnCarrier:
    code: str = CarrierCode.GHN
    creates_orders = True

    def __init__(self, token: str, shop_id: str, base_url: str = DEFAULT_BASE, timeout: float = 10.0):
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise CarrierError(f"GHN_API_BASE must be an http(s) address, not {base_url!r}")
        self.token, self.shop_id, self.timeout = token, str(shop_id), timeout
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_config(cls, cfg) -> GhnCarrier | None:
        """The adapter, or None while GHN is not configured (no GHN_API_TOKEN): then it is not offered."""
        if not cfg.get("GHN_API_TOKEN"):
            return None
        return cls(cfg["GHN_API_TOKEN"], cfg.get("GHN_SHOP_ID") or "", cfg.get("GHN_API_BASE") or DEFAULT_BASE,
                   float(cfg.get("GHN_TIMEOUT_SECONDS") or 10))

    # ------------------------------------------------------------ HTTP
    def _headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
                "Token": self.token, "ShopId": self.shop_id}

    def _call(self, endpoint: str, payload: dict) -> dict:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(f"{self.base_url}/{endpoint}", data=body, headers=self._headers(), method="POST")  # noqa: S310 - scheme checked
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - scheme checked
                raw = resp.read(1_000_000)
        except urllib.error.HTTPError as exc:
            raw = exc.read(4000)
            message = self._message(raw) or f"HTTP {exc.code}"
            raise CarrierError(f"GHN: {message}", retryable=exc.code >= 500 or exc.code == 429) from exc
        except (OSError, ValueError) as exc:  # refused, timed out, DNS
            raise CarrierError(f"GHN unreachable ({type(exc).__name__})", retryable=True) from exc
        try:
            answer = json.loads(raw)
        except ValueError:
            raise CarrierError("GHN answered something other than JSON", retryable=True) from None
        if not isinstance(answer, dict) or answer.get("code") != 200:
            raise CarrierError(f"GHN: {self._message(raw) or 'unexpected answer'}")
        data = answer.get("data")
        return data if isinstance(data, dict) else {"items": data}

    @staticmethod
    def _message(raw: bytes) -> str:
        try:
            answer = json.loads(raw)
        except ValueError:
            return ""
        if isinstance(answer, dict):
            return str(answer.get("code_message_value") or answer.get("message") or "")[:300]
        return ""

    # ------------------------------------------------------------ the interface
    def _addresses(self, parcel: Parcel) -> dict:
        s, r = parcel.sender, parcel.recipient
        return {"from_name": s.name, "from_phone": s.phone, "from_address": s.line, "from_ward_name": s.commune,
                "from_province_name": s.province,
                "to_name": r.name, "to_phone": r.phone, "to_address": f"{r.line}, {r.commune}, {r.province}",
                "to_ward_name": r.commune, "to_province_name": r.province}

    def quote(self, parcel: Parcel) -> int:
        data = self._call("v2/shipping-order/fee", {
            **self._addresses(parcel), "service_type_id": SERVICE_TYPE_STANDARD, "weight": parcel.weight_grams,
            "insurance_value": parcel.value_vnd, "cod_value": parcel.cod_vnd})
        return _whole(data.get("total"), "total")

    def create_shipment(self, parcel: Parcel, tracking_code: str | None = None) -> CreatedShipment:
        data = self._call("v2/shipping-order/create", {
            **self._addresses(parcel), "client_order_code": parcel.reference, "payment_type_id": PAYMENT_BY_SHOP,
            "required_note": REQUIRED_NOTE, "note": parcel.note[:500], "service_type_id": SERVICE_TYPE_STANDARD,
            "cod_amount": parcel.cod_vnd, "insurance_value": parcel.value_vnd, "weight": parcel.weight_grams,
            "length": 20, "width": 15, "height": 10,
            "items": [{"name": i.name, "quantity": i.quantity, "weight": i.weight_grams} for i in parcel.items]})
        code = data.get("order_code")
        if not isinstance(code, str) or not code:
            raise CarrierError("GHN returned no order_code")
        expected = data.get("expected_delivery_time")
        try:
            when = _parse_time(expected) if expected else None
        except MalformedWebhook:
            when = None
        return CreatedShipment(code.upper(), _whole(data.get("total_fee", 0), "total_fee"), when)

    def label(self, tracking_code: str) -> bytes | None:
        """GHN's A5 label: a print token (v2/a5/gen-token), then its print page. GHN serves that page as HTML to
        print from a browser; only a PDF answer is passed on, else None (the shop prints its own label)."""
        data = self._call("v2/a5/gen-token", {"order_codes": [tracking_code]})
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise CarrierError("GHN returned no print token")
        parts = urlsplit(self.base_url)
        url = f"{parts.scheme}://{parts.netloc}/a5/public-api/printA5?token={quote(token)}"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers={"Token": self.token}),  # noqa: S310
                                        timeout=self.timeout) as resp:
                raw = resp.read(5_000_000)
        except (OSError, ValueError) as exc:
            raise CarrierError(f"GHN label unreachable ({type(exc).__name__})", retryable=True) from exc
        return raw if raw.startswith(b"%PDF") else None

    def track(self, tracking_code: str) -> list[TrackingUpdate]:
        data = self._call("v2/shipping-order/detail", {"order_code": tracking_code})
        out = []
        for entry in data.get("log") or []:
            if isinstance(entry, dict):
                try:
                    out.append(_update(tracking_code, entry.get("status"), entry.get("updated_date"), ""))
                except MalformedWebhook:
                    log.warning("GHN %s: a log entry we cannot read: %r", tracking_code, entry)
        return out

    def cod_report(self, period: tuple[dt.date, dt.date], tracking_codes: list[str]) -> dict[str, int]:
        """GHN has no public per-period COD statement; its order detail carries `cod_amount` and `cod_collect_date`
        (empty until the courier took the cash). Collected within the period, per tracking code."""
        start, end = period
        out: dict[str, int] = {}
        for code in tracking_codes:
            data = self._call("v2/shipping-order/detail", {"order_code": code})
            collected = data.get("cod_collect_date")
            if not collected:
                continue
            try:
                day = _parse_time(collected).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
            except MalformedWebhook:
                continue
            if start <= day <= end:
                out[code] = _whole(data.get("cod_amount", 0), "cod_amount")
        return out


def _whole(value, name: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CarrierError(f"GHN: '{name}' is not an amount")
    return value
