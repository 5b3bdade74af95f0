"""The carrier adapters against a real fake GHN on loopback (tests/fake_ghn.py), and the pure shipment rules."""
from __future__ import annotations

import datetime as dt

import pytest

from ocop_market.carriers import base, ghn, manual
from ocop_market.carriers.base import Address, CarrierError, MalformedWebhook, Parcel, ParcelItem, moves_forward
from tests.fake_ghn import LABEL_PDF, FakeGhn, webhook_body
from tests.loopback import free_port


@pytest.fixture
def fake():
    server = FakeGhn().start()
    yield server
    server.stop()


def _parcel(reference="DH2612039ABCD-7", cod=330_000) -> Parcel:
    return Parcel(reference, Address("Hộ bà Lục Thị Hoa", "+84912000222", "Bản Pò Peo", "Xã Trùng Khánh", "Cao Bằng"),
                  Address("Chị Mai", "+84987654321", "Số 1 Hoàng Đình Giong", "Phường Thục Phán", "Cao Bằng"),
                  1000, cod, 300_000, (ParcelItem("Hạt dẻ Trùng Khánh", 2, 500),), "Gọi trước")


def _adapter(fake, **over) -> ghn.GhnCarrier:
    return ghn.GhnCarrier(over.get("token", fake.token), fake.shop_id, fake.base_url, timeout=2)


def test_create_sends_ghn_its_headers_and_fields_and_reads_the_code_and_fee(fake):
    created = _adapter(fake).create_shipment(_parcel())
    assert (created.tracking_code, created.fee_vnd) == ("GHNTEST1", 32_000)
    [sent] = fake.received("v2/shipping-order/create")
    assert (sent.headers["Token"], sent.headers["Shopid"]) == (fake.token, fake.shop_id)
    body = sent.body
    assert (body["client_order_code"], body["cod_amount"], body["weight"], body["insurance_value"]) == (
        "DH2612039ABCD-7", 330_000, 1000, 300_000)
    assert (body["to_ward_name"], body["to_province_name"], body["from_name"]) == (
        "Phường Thục Phán", "Cao Bằng", "Hộ bà Lục Thị Hoa")
    assert body["items"] == [{"name": "Hạt dẻ Trùng Khánh", "quantity": 2, "weight": 500}]
    assert body["payment_type_id"] == ghn.PAYMENT_BY_SHOP and body["service_type_id"] == ghn.SERVICE_TYPE_STANDARD


def test_a_second_order_with_the_same_reference_is_refused_with_ghns_words(fake):
    _adapter(fake).create_shipment(_parcel())
    with pytest.raises(CarrierError, match="Mã đơn hàng của shop đã tồn tại") as err:
        _adapter(fake).create_shipment(_parcel())
    assert not err.value.retryable
    assert len(fake.orders) == 1


def test_a_wrong_token_an_outage_and_no_server_are_carrier_errors(fake):
    with pytest.raises(CarrierError, match="Token is not valid") as err:
        _adapter(fake, token="wrong").quote(_parcel())
    assert not err.value.retryable
    fake.fail_with = 503
    with pytest.raises(CarrierError, match="GHN is down") as err:
        _adapter(fake).quote(_parcel())
    assert err.value.retryable
    nobody = ghn.GhnCarrier("t", "1", f"http://127.0.0.1:{free_port()}/shiip/public-api", timeout=1)
    with pytest.raises(CarrierError, match="unreachable") as err:
        nobody.create_shipment(_parcel())
    assert err.value.retryable


def test_quote_label_track_and_cod_report(fake):
    adapter = _adapter(fake)
    assert adapter.quote(_parcel()) == 32_000
    code = adapter.create_shipment(_parcel()).tracking_code
    assert adapter.label(code) == LABEL_PDF
    assert fake.received("v2/a5/gen-token")[0].body == {"order_codes": [code]}
    fake.progress(code, "picked")
    fake.progress(code, "delivered", cod_collected=True)
    assert [(u.carrier_status, u.status) for u in adapter.track(code)] == [
        ("ready_to_pick", "created"), ("picked", "picked_up"), ("delivered", "delivered")]
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    assert adapter.cod_report((today, today), [code]) == {code: 330_000}
    assert adapter.cod_report((today - dt.timedelta(days=9), today - dt.timedelta(days=1)), [code]) == {}


def test_without_a_token_ghn_is_not_configured():
    assert ghn.GhnCarrier.from_config({"GHN_API_TOKEN": ""}) is None
    with pytest.raises(CarrierError):
        ghn.GhnCarrier("t", "1", "file:///etc/passwd")


def test_ghns_webhook_body_is_read_into_one_update():
    at = dt.datetime(2026, 12, 3, 2, 30, tzinfo=dt.UTC)
    upd = ghn.parse_webhook(webhook_body("ghntest1", "Delivered", at, "Giao thành công", cod_amount=330_000))
    assert (upd.tracking_code, upd.carrier_status, upd.status, upd.at, upd.description) == (
        "GHNTEST1", "delivered", "delivered", at, "Giao thành công")
    assert upd.key == "delivered@2026-12-03T02:30:00+00:00" and upd.extra == {"cod_vnd": 330_000}
    # GHN's own clock without a zone is Vietnam's
    naive = ghn.parse_webhook(b'{"OrderCode": "A1", "Status": "picked", "Time": "2026-12-03T09:30:00"}')
    assert naive.at == at.replace(hour=2)
    for bad in (b"", b"{", b"[1]", b'{"Status": "picked", "Time": "2026-12-03T09:30:00Z"}',
                b'{"OrderCode": "A1", "Status": "flying", "Time": "2026-12-03T09:30:00Z"}',
                b'{"OrderCode": "A1", "Status": "picked", "Time": 5}',
                b'{"OrderCode": "A1", "Status": "picked", "Time": "2026-12-03T09:30:00Z", "CODAmount": 1.5}'):
        with pytest.raises(MalformedWebhook):
            ghn.parse_webhook(bad)


def test_every_ghn_status_has_one_of_ours():
    assert set(ghn.STATUS_MAP.values()) <= set(base.ShipmentStatus)


S = base.ShipmentStatus


@pytest.mark.parametrize("current,new,moves", [
    (S.CREATED, S.PICKED_UP, True), (S.PICKED_UP, S.CREATED, False), (S.IN_TRANSIT, S.DELIVERED, True),
    (S.DELIVERING, S.FAILED_ATTEMPT, True), (S.FAILED_ATTEMPT, S.DELIVERING, True),
    (S.DELIVERING, S.DELIVERING, False), (S.DELIVERED, S.RETURNED, False), (S.DELIVERED, S.PICKED_UP, False),
    (S.RETURNING, S.DELIVERING, False), (S.RETURNING, S.RETURNED, True), (S.CANCELLED, S.PICKED_UP, False),
    (S.CREATED, S.CANCELLED, True),
])
def test_a_shipment_only_moves_forward(current, new, moves):
    assert moves_forward(current, new) is moves


def test_the_post_office_number_is_cleaned_or_refused():
    assert manual.clean_tracking_code(" eb 123 456 789 vn ") == "EB123456789VN"
    for bad in ("", None, "abc", "EB<1234567>", "-EB1234567", "x" * 31):
        with pytest.raises(CarrierError):
            manual.clean_tracking_code(bad)
    created = manual.ManualCarrier().create_shipment(_parcel(), "RR987654321VN")
    assert (created.tracking_code, created.fee_vnd) == ("RR987654321VN", 0)
    assert manual.ManualCarrier().label("RR987654321VN") is None



def test_the_fake_courier_can_be_moved_from_outside_its_process(fake):
    """`python -m tests.fake_ghn` runs apart from the tests: /fake/progress (with the token) moves its parcel."""
    import json
    import urllib.request

    code = _adapter(fake).create_shipment(_parcel()).tracking_code
    origin = fake.base_url.split("/shiip")[0]
    req = urllib.request.Request(f"{origin}/fake/progress", method="POST", headers={"Token": fake.token},
                                 data=json.dumps({"order_code": code, "status": "delivered"}).encode())
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback
        assert resp.status == 200
    assert [u.status for u in _adapter(fake).track(code)][-1] == "delivered"
