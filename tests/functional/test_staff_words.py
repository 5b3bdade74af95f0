"""Staff pages in words, not codes (issue 14): the audit log names each action, formats amounts, rates, dates and
household categories, and keeps hashes, ids and raw JSON behind "chi tiết"; the staff order page's buttons are
verbs (orders.services.ACTION_LABELS) and a payment's state reads in words."""
from __future__ import annotations

import re

import pytest
from flask import g

from ocop_market import audit
from ocop_market.audit import AuditEntry
from ocop_market.extensions import db
from ocop_market.money import format_number
from tests.conftest import csrf_from, make_user
from tests.functional.test_orders import _place, shop  # noqa: F401 - the fixture is used by name

HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture
def staff_client(client, auth, ctx):
    make_user("canbo@example.vn", role="staff", name="Cán bộ Nông Văn Minh")
    assert auth.login("canbo@example.vn").status_code == 302
    return client


def _body(html: str) -> str:
    """The audit table's rows, without the filter form (whose option values are the codes)."""
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def _outside_details(html: str) -> str:
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


def test_the_audit_log_reads_in_words(staff_client):
    audit.record(None, "order.transfer_received", "order", 7, code="DH26ABCD", amount_vnd=1_300_000)
    audit.record(None, "project.disburse", "support_project", 3, source="central", amount_vnd=25_000_000,
                 disbursed_on="2026-03-05", plan_year=2026, disbursement_id=41, rate_bp=7259)
    audit.record(None, "household.assess", "producer", 5, assessed_on="2026-01-10", category="near_poor",
                 income_vnd=2_100_000, source="assessed", record_id=12)
    audit.record(None, "product.photo_add", "product", 9, image=f"{HASH}.webp")
    audit.record(None, "promotion.settings", "promotion_settings", 1, before={"max_per_week": 3},
                 after={"max_per_week": 4}, capacities={})
    audit.record(None, "something.new", "thing", None, note="x")
    db.session.commit()

    html = staff_client.get("/quan-tri/nhat-ky").get_data(as_text=True)
    body = _body(html)
    shown = _outside_details(body)
    # actions and what they are about, in words
    for words in ("Ghi nhận đã nhận chuyển khoản", "Ghi nhận giải ngân", "Ghi nhận phân loại hộ", "Thêm ảnh sản phẩm",
                  "Sửa cài đặt quảng bá", "Đơn hàng #7", "Dự án hỗ trợ #3"):
        assert words in shown, words
    for code in ("order.transfer_received", "project.disburse", "household.assess", "product.photo_add",
                 "support_project"):
        assert code not in body, code
    # a code without a label reads as itself
    assert "something.new" in shown
    # amounts, rates, dates and categories formatted
    assert "Số tiền: 1.300.000\u00a0₫" in shown
    assert "amount_vnd" not in body and "1300000" not in body
    assert "Số tiền: 25.000.000\u00a0₫" in shown and "Ngày giải ngân: 05/03/2026" in shown
    assert "72,59 %" in shown and "7259" not in body
    assert "Nguồn: Ngân sách trung ương (NSTW)" in shown
    assert "Phân loại hộ: Hộ cận nghèo" in shown and "near_poor" not in body
    assert "Nguồn: Cán bộ rà soát" in shown
    # hashes, ids and JSON only behind "chi tiết"
    assert HASH not in shown and "max_per_week" not in shown and "disbursement_id" not in shown
    details = re.findall(r"<details[^>]*><summary>chi tiết</summary>(.*?)</details>", body, flags=re.S)
    assert any(HASH in d for d in details)
    assert any("max_per_week" in d for d in details)
    assert any("disbursement_id: 41" in d for d in details)
    # the filter offers the actions in words, the codes stay the values it sends
    assert '<option value="order.transfer_received">Ghi nhận đã nhận chuyển khoản</option>' in html
    filtered = _body(staff_client.get("/quan-tri/nhat-ky?action=product.photo_add").get_data(as_text=True))
    assert "Thêm ảnh sản phẩm" in filtered and "Ghi nhận giải ngân" not in filtered


def test_audit_dates_inside_details_are_in_vietnam_time(staff_client):
    audit.record(None, "report.export", "outcomes", None, period="2026-Q1", format="csv-excel",
                 rows=1234, exported_at="2026-03-05T18:30:00+00:00")
    db.session.commit()
    shown = _outside_details(_body(staff_client.get("/quan-tri/nhat-ky").get_data(as_text=True)))
    assert "Xuất báo cáo" in shown and "Báo cáo kết quả" in shown
    assert "06/03/2026 01:30" in shown  # 18:30 UTC is 01:30 the next day in Hà Nội
    assert "Số dòng: 1.234" in shown


def test_the_audit_log_is_english_in_english(staff_client):
    audit.record(None, "order.transfer_received", "order", 7, code="DH26ABCD", amount_vnd=1_300_000)
    db.session.commit()
    g.pop("_flask_babel", None)  # the test's app context is shared with the client's requests: forget the locale
    html = staff_client.get("/quan-tri/nhat-ky?lang=en").get_data(as_text=True)
    assert "order.transfer_received" not in _body(html)
    assert "Bank transfer received" in _body(html)


def test_the_staff_order_page_buttons_are_verbs(client, auth, shop):  # noqa: F811 - the imported fixture
    order = _place(client, auth, shop)  # cash on delivery: every part is "placed"
    make_user("canbo@tinh.vn", role="staff")
    auth.login("canbo@tinh.vn")
    html = client.get(f"/quan-tri/don-hang/{order.code}").get_data(as_text=True)
    buttons = re.findall(r'<button class="btn btn-small" type="submit">([^<]+)</button>', html)
    assert buttons.count("Xác nhận đơn") == 2, buttons
    assert "Đã xác nhận" not in buttons
    cancel = re.findall(r'class="btn btn-small btn-danger"[^>]*>([^<]+)</a>', html)
    assert cancel == ["Từ chối đơn", "Từ chối đơn"], cancel


def test_a_payment_state_reads_in_words(client, auth, shop, app):  # noqa: F811
    app.config.update(VIETQR_BANK_BIN="970436", VIETQR_ACCOUNT_NO="0123456789", VIETQR_ACCOUNT_NAME="HTX CHO OCOP")
    order = _place(client, auth, shop, method="bank_transfer")
    make_user("canbo@tinh.vn", role="staff")
    auth.login("canbo@tinh.vn")
    token = csrf_from(client.get(f"/quan-tri/don-hang/{order.code}").get_data(as_text=True))
    client.post(f"/quan-tri/don-hang/{order.code}/da-nhan-chuyen-khoan", data={"csrf_token": token, "note": "FT1"})
    html = client.get(f"/quan-tri/don-hang/{order.code}").get_data(as_text=True)
    payments = html.split("<h2>Thanh toán</h2>", 1)[1].split("</section>", 1)[0]
    assert "Thành công" in payments and ">succeeded<" not in payments
    # the staff's own audit row of it, in words
    log = _body(client.get("/quan-tri/nhat-ky").get_data(as_text=True))
    assert "Ghi nhận đã nhận chuyển khoản" in log
    assert f"Số tiền: {format_number(order.total_vnd)}\u00a0₫" in log
    assert db.session.query(AuditEntry).filter_by(action="order.transfer_received").count() == 1
