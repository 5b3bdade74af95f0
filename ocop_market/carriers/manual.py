"""The post office (Bưu điện): the household hands the parcel over at the counter and types the tracking number
from the receipt. Nothing to call: the shop prints its own label and the producer (or hub) reports delivery."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _

from .base import CarrierCode, CarrierError, CreatedShipment, Parcel, TrackingUpdate

#: a VNPost / EMS number such as "EB123456789VN", or any carrier's 6–30 letters, digits and dashes
TRACKING_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{4,28}[A-Z0-9]$")


def clean_tracking_code(raw: str | None) -> str:
    code = re.sub(r"\s+", "", (raw or "")).upper()
    if not TRACKING_CODE.match(code):
        raise CarrierError(_("Mã vận đơn gồm 6–30 chữ cái không dấu, chữ số hoặc dấu gạch ngang, "
                             "ví dụ EB123456789VN."))
    return code


class ManualCarrier:
    code: str = CarrierCode.MANUAL
    creates_orders = False

    def quote(self, parcel: Parcel) -> int:
        return 0  # the post office prices it at the counter

    def create_shipment(self, parcel: Parcel, tracking_code: str | None = None) -> CreatedShipment:
        return CreatedShipment(clean_tracking_code(tracking_code), 0)

    def label(self, tracking_code: str) -> bytes | None:
        return None

    def track(self, tracking_code: str) -> list[TrackingUpdate]:
        return []

    def cod_report(self, period: tuple[dt.date, dt.date], tracking_codes: list[str]) -> dict[str, int]:
        return {}  # the post office pays COD at the counter against its slip: staff see "not reported"
