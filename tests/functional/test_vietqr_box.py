"""Issue 14: a VietQR box a buyer can pay from on the same phone — the bank by name, every value selectable (and a
copy button with JavaScript), the code as a PNG to save."""
from __future__ import annotations

import io
import re

from PIL import Image

from ocop_market.payments import banks, vietqr
from tests.conftest import make_user
from tests.functional.test_orders import _place, shop  # noqa: F401  (the fixture)

#: The banks the issue names, with their BINs: each must be on the shipped list.
COMMON_BANKS = {
    "970436": "Vietcombank", "970415": "VietinBank", "970418": "BIDV", "970405": "Agribank", "970407": "Techcombank",
    "970422": "MB", "970416": "ACB", "970432": "VPBank", "970403": "Sacombank", "970423": "TPBank", "970441": "VIB",
    "970443": "SHB", "970437": "HDBank", "970448": "OCB", "970426": "MSB", "970440": "SeABank", "970431": "Eximbank",
    "970449": "LPBank", "970428": "Nam A Bank", "970409": "BacABank", "970412": "PVcomBank", "970425": "ABBANK",
    "970427": "VietABank", "970452": "KienlongBank", "970438": "BaoVietBank", "970419": "NCB", "970429": "SCB",
    "970400": "Saigonbank", "970430": "PGBank", "970408": "GPBank", "970433": "VietBank", "970446": "Co-opBank",
    "422589": "CIMB", "970424": "Shinhan Bank", "970458": "UOB", "970457": "Woori Bank", "970439": "Public Bank",
    "458761": "HSBC", "970410": "Standard Chartered", "546034": "CAKE", "546035": "Ubank", "963388": "Timo",
}


def test_the_bank_list_is_shipped_with_its_source_and_date():
    with open(banks.BANKS_CSV, encoding="utf-8") as fh:
        header = "".join(line for line in fh if line.startswith("#"))
    assert "NAPAS/VietQR published bank list" in header and "2026-12" in header
    listed = banks.all_banks()
    assert {b: listed[b].short_name for b in COMMON_BANKS} == COMMON_BANKS
    assert all(re.fullmatch(r"\d{6}", b) and bank.name.strip() for b, bank in listed.items())
    assert banks.bank_by_bin("970405").name == "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"
    assert banks.bank_by_bin("000000") is None and banks.bank_by_bin(None) is None


def _transfer_order(client, auth, shop, app, bank_bin="970405"):  # noqa: F811
    app.config.update(VIETQR_BANK_BIN=bank_bin, VIETQR_ACCOUNT_NO="0123456789", VIETQR_ACCOUNT_NAME="HTX CHO OCOP")
    order = _place(client, auth, shop, method="bank_transfer")
    auth.login("mua@khach.vn")
    return order


def test_the_box_names_the_bank_and_every_value_can_be_copied(client, auth, shop, app):  # noqa: F811
    order = _transfer_order(client, auth, shop, app)
    html = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    box = re.search(r'<section class="card vietqr">(.*?)</section>', html, re.S).group(1)
    assert "<strong>Agribank</strong> · Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam" in box
    assert "970405" not in box
    # Plain selectable text (no JavaScript needed), each with a copy button that app.js reveals.
    assert '<span class="copyable" id="copy-account">0123456789</span>' in box
    assert f'<span class="copyable" id="copy-amount" data-copy-value="{order.total_vnd}">420.000\u00a0₫</span>' in box
    message = vietqr.transfer_message(order.code)
    assert f'<strong class="copyable" id="copy-message">{message}</strong>' in box
    assert len(re.findall(r'<button type="button" class="btn btn-small copy-btn" data-copy-from="copy-[a-z]+" hidden>',
                          box)) == 3
    assert f'href="/don-hang/{order.code}/vietqr.png" download="VietQR-{order.code}.png">Lưu ảnh QR</a>' in box


def test_an_unknown_bin_is_shown_as_digits(client, auth, shop, app):  # noqa: F811
    order = _transfer_order(client, auth, shop, app, bank_bin="999999")
    html = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert "Mã ngân hàng (BIN) 999999" in html


def test_the_qr_can_be_saved_as_a_png(client, auth, shop, app):  # noqa: F811
    order = _transfer_order(client, auth, shop, app)
    resp = client.get(f"/don-hang/{order.code}/vietqr.png")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="VietQR-{order.code}.png"'
    image = Image.open(io.BytesIO(resp.data), formats=["PNG"])
    assert image.size[0] == image.size[1] >= 290  # big enough to scan from a gallery
    # The very code of the SVG beside it: the same payload for this order, amount and message included.
    with app.app_context():
        payload = vietqr.payload("970405", "0123456789", order.total_vnd, order.code)
    assert vietqr.crc_ok(payload) and resp.data == vietqr.png(payload)
    # Only the buyer of a bank-transfer order gets it.
    make_user("khac@khach.vn")
    auth.logout()
    auth.login("khac@khach.vn")
    assert client.get(f"/don-hang/{order.code}/vietqr.png").status_code == 404
