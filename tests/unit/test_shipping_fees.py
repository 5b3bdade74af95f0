"""The fee table's rules (issue 17, orders/fees.py): a parcel's fee by zone and weight band, each further 500 g above
the largest band, the zone between a household and the buyer, and what staff may save."""
from __future__ import annotations

import pytest

from ocop_market.errors import InvalidInput
from ocop_market.orders import fees, rules
from ocop_market.places import PROVINCES_2025

TABLE = fees.FeeTable(
    {str(z): tuple((g, f[i]) for g, f in fees.DEFAULT_BANDS) for i, z in enumerate(fees.ZONES)},
    {str(z): fees.DEFAULT_EXTRAS[i] for i, z in enumerate(fees.ZONES)})
CB_TRUNG_KHANH = fees.Place("CB", "Xã Trùng Khánh")


@pytest.mark.parametrize("zone, grams, fee", [
    ("province", 1, 16_500), ("province", 500, 16_500), ("province", 501, 19_000), ("province", 1_000, 19_000),
    ("commune", 2_000, 20_000), ("region", 5_000, 52_000),
    # above the largest band (5 kg): each further 500 g, or part of it
    ("province", 5_001, 33_000 + 2_500), ("province", 6_000, 33_000 + 2 * 2_500), ("nationwide", 7_200, 72_000 + 5 * 7_000),
])
def test_a_parcel_costs_its_zone_and_weight_band(zone, grams, fee):
    assert TABLE.fee(zone, grams) == fee


@pytest.mark.parametrize("destination, zone", [
    (fees.Place("CB", "trung khanh"), "commune"),       # typed without diacritics or "Xã"
    (fees.Place("CB", "Phường Thục Phán"), "province"),
    (fees.Place("HN", "Phường Hoàn Kiếm"), "region"),  # both in the north
    (fees.Place("HCM", "Phường Bến Thành"), "nationwide"),
    (fees.Place("CB", ""), "province"),                # no commune typed: never the cheapest zone by accident
])
def test_the_zone_is_how_far_the_parcel_goes(destination, zone):
    assert fees.zone_between(CB_TRUNG_KHANH, destination) == zone


def test_every_province_belongs_to_one_of_the_three_regions():
    assert {code for code, _name in PROVINCES_2025} == set(fees.REGION_OF_PROVINCE)
    assert fees.zone_between(fees.Place("HUE"), fees.Place("DN")) == "region"
    assert fees.zone_between(fees.Place("CT"), fees.Place("HCM")) == "region"
    assert fees.zone_between(fees.Place("DN"), fees.Place("HCM")) == "nationwide"


def test_without_a_destination_the_cart_shows_the_most_a_parcel_can_cost_and_without_a_table_the_flat_fee():
    fee_of = fees.quoter(TABLE, {7: CB_TRUNG_KHANH}, None, 30_000)
    assert fee_of(7, 500) == (32_000, "nationwide")
    assert fees.quoter(TABLE, {7: CB_TRUNG_KHANH}, fees.Place("CB", "Xã Trùng Khánh"), 30_000)(7, 500) == (15_000, "commune")
    assert fees.quoter(fees.EMPTY, {7: CB_TRUNG_KHANH}, fees.Place("HCM"), 30_000)(7, 9_000) == (30_000, "")


def test_totals_weigh_each_household_parcel_and_keep_the_free_shipping_threshold():
    lines = [rules.PricedLine(1, 7, 100_000, 2, 550), rules.PricedLine(2, 7, 40_000, 1, 300),
             rules.PricedLine(3, 8, 600_000, 1, 1_000)]
    fee_of = fees.quoter(TABLE, {7: CB_TRUNG_KHANH, 8: fees.Place("LS")}, fees.Place("HN"), 30_000)
    totals = rules.totals(lines, fee_of, 500_000)
    first, second = totals.shipments
    assert (first.weight_grams, first.zone, first.shipping_vnd) == (1_400, "region", 35_000)  # 2 × 550 + 300 g
    assert (second.weight_grams, second.shipping_vnd) == (1_000, 0)  # 600.000 ₫ of goods: free
    assert totals.total_vnd == 240_000 + 35_000 + 600_000


def _input(**over) -> fees.TableInput:
    data = fees.default_input()
    return fees.TableInput(over.get("weights", data.weights), over.get("fees", data.fees),
                           over.get("extras", data.extras))


@pytest.mark.parametrize("bad, message", [
    (dict(weights=[]), "ít nhất một mức"),
    (dict(weights=[500, 500, 2_000, 5_000]), "tăng dần"),
    (dict(weights=[1_000, 500, 2_000, 5_000]), "tăng dần"),
    (dict(weights=[0, 1_000, 2_000, 5_000]), "từ 1 đến 100.000 gam"),
    (dict(fees={**fees.default_input().fees, "region": [25_000, 29_000, 35_000]}), "nhập đủ phí"),
    (dict(fees={**fees.default_input().fees, "region": [25_000, 20_000, 35_000, 52_000]}), "không được giảm"),
    (dict(fees={**fees.default_input().fees, "commune": [-1, 17_000, 20_000, 28_000]}), "từ 0 đến 5.000.000"),
    (dict(extras={**fees.default_input().extras, "commune": 2_000_000}), "mỗi 500 g thêm"),
])
def test_a_table_staff_cannot_mean_is_refused_with_a_reason(app, bad, message):
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        fees.check(_input(**bad))
    assert message in refused.value.message


@pytest.mark.parametrize("grams, text", [(500, "500 g"), (1_000, "1 kg"), (1_550, "1,6 kg"), (12_000, "12 kg"),
                                         (None, "")])
def test_a_weight_reads_as_people_write_it(grams, text):
    assert fees.weight_label(grams) == text


@pytest.mark.parametrize("unit, grams", [("túi 500g", 550), ("gói 1kg", 1_100), ("chai 750ml", 1_220),
                                         ("hộp 10 bánh", 500), ("bao 2,5 kg", 2_750)])
def test_the_demo_weighs_a_listing_by_what_its_unit_says(unit, grams):
    from ocop_market.orders.fees_demo import packed_grams

    assert packed_grams(unit) == grams
