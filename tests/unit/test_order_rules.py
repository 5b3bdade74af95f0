"""Pure order rules: quantities, shipping, totals, the transition table; VietQR payload and CRC."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_market.orders import rules
from ocop_market.orders.models import OrderStatus as S
from ocop_market.payments import vietqr


@pytest.mark.parametrize("raw", ["0", "-1", "1.5", "abc", str(10**20), "", None, "1e3", True, 0, -3, 100, "٣"])
def test_bad_quantities_are_refused(raw):
    with pytest.raises(rules.QuantityError):
        rules.parse_quantity(raw, 500)


@pytest.mark.parametrize("raw,expected", [("1", 1), (" 7 ", 7), ("99", 99), (5, 5), ("+3", 3)])
def test_good_quantities(raw, expected):
    assert rules.parse_quantity(raw, 500) == expected


def test_quantity_is_capped_by_stock():
    assert rules.parse_quantity("3", 3) == 3
    with pytest.raises(rules.QuantityError):
        rules.parse_quantity("4", 3)
    with pytest.raises(rules.QuantityError):
        rules.parse_quantity("1", 0)


def test_shipping_is_flat_per_producer_and_free_above_threshold():
    lines = [rules.PricedLine(1, 10, 150_000, 2), rules.PricedLine(2, 10, 250_000, 1), rules.PricedLine(3, 20, 60_000, 1)]
    t = rules.totals(lines, 30_000, 500_000)
    assert [(s.producer_id, s.subtotal_vnd, s.shipping_vnd) for s in t.shipments] == [(10, 550_000, 0), (20, 60_000, 30_000)]
    assert t.total_vnd == 640_000
    assert rules.shipping_fee(499_999, 30_000, 500_000) == 30_000
    assert rules.shipping_fee(10, 30_000, 0) == 30_000


def test_transition_table():
    assert rules.can_move(S.PLACED, S.CONFIRMED, "producer")
    assert not rules.can_move(S.PLACED, S.SHIPPED, "producer")
    assert not rules.can_move(S.AWAITING_PAYMENT, S.CONFIRMED, "producer")  # unpaid card order cannot be shipped
    assert not rules.can_move(S.SHIPPED, S.CANCELLED, "buyer")
    assert not rules.can_move(S.COMPLETED, S.PLACED, "staff")
    assert not rules.can_move(S.PLACED, S.CONFIRMED, "buyer")
    assert rules.CANCELLABLE == {S.AWAITING_PAYMENT, S.PLACED, S.CONFIRMED}
    # forward only: no step goes back along the progress line
    for (frm, to) in rules.TRANSITIONS:
        if to != S.CANCELLED:
            assert rules.PROGRESS.index(to) == rules.PROGRESS.index(frm) + 1


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 2_000_000), st.integers(1, 99)), max_size=12),
       st.integers(0, 100_000), st.integers(0, 2_000_000))
def test_totals_property(raw, fee, free_above):
    lines = [rules.PricedLine(i, producer, price, qty) for i, (producer, price, qty) in enumerate(raw)]
    t = rules.totals(lines, fee, free_above)
    assert t.subtotal_vnd == sum(price * qty for _, price, qty in raw)
    assert len(t.shipments) == len({p for p, _, _ in raw})
    for s in t.shipments:
        assert s.shipping_vnd == (0 if free_above and s.subtotal_vnd >= free_above else fee)
    assert t.total_vnd == t.subtotal_vnd + t.shipping_vnd


def test_crc16_ccitt_check_value():
    assert vietqr.crc16_ccitt(b"123456789") == 0x29B1


def test_vietqr_payload_fields_and_crc():
    data = vietqr.payload("970436", "0123456789", 420_000, "DH251127K7Q3M")
    tags = vietqr.parse(data)
    assert tags["00"] == "01" and tags["01"] == "12" and tags["53"] == "704" and tags["58"] == "VN"
    assert tags["54"] == "420000"
    merchant = vietqr.parse(tags["38"])
    assert merchant["00"] == "A000000727" and merchant["02"] == "QRIBFTTA"
    assert vietqr.parse(merchant["01"]) == {"00": "970436", "01": "0123456789"}
    assert vietqr.parse(tags["62"]) == {"08": "DH251127K7Q3M"}
    assert vietqr.crc_ok(data)
    assert not vietqr.crc_ok(data.replace("420000", "420001"))


def test_transfer_message_has_no_diacritics():
    assert vietqr.transfer_message("Thanh toán đơn DH25-1127") == "THANH TOAN DON DH25 1127"
    assert vietqr.transfer_message("Đặc sản " * 10).isascii()
    assert len(vietqr.transfer_message("x" * 80)) <= 25


@pytest.mark.parametrize("bin_, acct", [("97043", "1"), ("970436", ""), ("970436", "12 34"), ("abcdef", "1")])
def test_vietqr_refuses_bad_accounts(bin_, acct):
    with pytest.raises(ValueError):
        vietqr.payload(bin_, acct, 1000, "x")
