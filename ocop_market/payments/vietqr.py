"""VietQR (NAPAS 247) payload: EMVCo merchant-presented QR for a transfer to a bank account.

Tags used: 00 format, 01 point of initiation (12 = dynamic, one amount), 38 NAPAS account info
(GUID A000000727, beneficiary BIN + account, service QRIBFTTA = transfer to account), 53 currency 704 (VND),
54 amount, 58 country VN, 62/08 purpose (the message the bank shows), 63 CRC-16/CCITT-FALSE."""
from __future__ import annotations

import io
import re

import segno

from ..text import fold

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
_SAFE_MESSAGE = re.compile(r"[^A-Za-z0-9 ]+")


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final xor."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"EMVCo field {tag} longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def transfer_message(text: str, max_length: int = 25) -> str:
    """Banks show ASCII only: drop diacritics (đ -> d), keep letters, digits and spaces."""
    folded = fold(text).upper()
    return re.sub(r"\s+", " ", _SAFE_MESSAGE.sub(" ", folded)).strip()[:max_length].strip()


def payload(bank_bin: str, account_no: str, amount_vnd: int | None, message: str = "") -> str:
    if not re.fullmatch(r"\d{6}", bank_bin or ""):
        raise ValueError("bank BIN must be 6 digits")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account_no or ""):
        raise ValueError("account number must be 1-19 letters or digits")
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account_no)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    parts = [_tlv("00", "01"), _tlv("01", "12" if amount_vnd else "11"), _tlv("38", merchant), _tlv("53", "704")]
    if amount_vnd:
        if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd < 0:
            raise ValueError("amount must be whole đồng")
        parts.append(_tlv("54", str(amount_vnd)))
    parts.append(_tlv("58", "VN"))
    msg = transfer_message(message)
    if msg:
        parts.append(_tlv("62", _tlv("08", msg)))
    body = "".join(parts) + "6304"
    return body + f"{crc16_ccitt(body.encode('ascii')):04X}"


def parse(data: str) -> dict[str, str]:
    """Top-level tags of an EMVCo payload (used by tests and by staff tools to read a code back)."""
    out, i = {}, 0
    while i < len(data):
        tag, length = data[i:i + 2], int(data[i + 2:i + 4])
        out[tag] = data[i + 4:i + 4 + length]
        i += 4 + length
    return out


def crc_ok(data: str) -> bool:
    return data[-8:-4] == "6304" and f"{crc16_ccitt(data[:-4].encode('ascii')):04X}" == data[-4:]


def svg(data: str, scale: int = 5) -> bytes:
    buf = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buf, kind="svg", scale=scale, border=3, dark="#0f3d28")
    return buf.getvalue()


def png(data: str, scale: int = 10) -> bytes:
    """The same code as a PNG a phone can save to its gallery and open from its banking app's QR scanner."""
    buf = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buf, kind="png", scale=scale, border=4, dark="#000000")
    return buf.getvalue()


def for_order(order, cfg) -> str:
    return payload(cfg["VIETQR_BANK_BIN"], cfg["VIETQR_ACCOUNT_NO"], order.total_vnd, order.code)
