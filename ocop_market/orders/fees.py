"""Shipping fees by zone and weight (bảng phí giao hàng): what one producer's parcel costs to reach the buyer.

The zone is how far the parcel goes: the same commune, the same province, the same region (Bắc, Trung, Nam) or
across regions. The weight is the sum of the lines' packed weights (`Product.weight_grams` × quantity), and the
table staff edit (*Quản trị › Phí giao hàng*) gives a fee per zone and weight band, plus an amount for each further
500 g above the largest band, as the national carriers price. While staff have entered no table, every shipment
costs the flat SHIPPING_FEE_VND, as before the table existed. A shipment whose goods reach SHIPPING_FREE_ABOVE_VND
ships free either way (`rules.shipping_fee`).

The table and the provinces' codes are per-process copies (`reference_cache`), refreshed when the catalogue
generation moves: saving the table writes a watched table, so every page (the product page's "phí giao dự kiến"
among them) shows the new fees at its next request."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, literal, select, union_all

from .. import audit
from ..errors import InvalidInput
from ..extensions import db
from ..places import Province
from ..reference_cache import cached
from ..text import fold
from ..timeutil import utcnow
from .models import ShippingRate, ShippingZone, ShippingZoneExtra

Z = ShippingZone
ZONES = (Z.COMMUNE, Z.PROVINCE, Z.REGION, Z.NATIONWIDE)
ZONE_LABELS = {Z.COMMUNE: _l("Cùng xã/phường"), Z.PROVINCE: _l("Trong tỉnh"), Z.REGION: _l("Cùng miền"),
               Z.NATIONWIDE: _l("Liên miền")}
#: the further weight an extra amount is charged for above a zone's largest band, as carriers price
EXTRA_STEP_GRAMS = 500
MAX_BANDS = 8
MAX_FEE_VND = 5_000_000
MAX_EXTRA_VND = 1_000_000
MAX_BAND_GRAMS = 100_000

NORTH, CENTRAL, SOUTH = "north", "central", "south"
#: the three regions of the 34 provinces since 1 July 2025 (the Central Highlands count as the centre, as carriers do)
REGION_OF_PROVINCE = {
    **dict.fromkeys(("HN", "HP", "CB", "LS", "LC", "TQ", "TN", "PT", "BN", "HY", "NB", "QN", "DB", "LCH", "SL"), NORTH),
    **dict.fromkeys(("TH", "NA", "HT", "QT", "HUE", "DN", "QNG", "GL", "KH", "DL", "LD"), CENTRAL),
    **dict.fromkeys(("HCM", "CT", "DNA", "TNI", "VL", "DT", "CM", "AG"), SOUTH),
}

#: the default table the demo loads and staff start from: (max grams, fee per zone in ZONES order), extras per zone
DEFAULT_BANDS = [
    (500, (15_000, 16_500, 25_000, 32_000)),
    (1_000, (17_000, 19_000, 29_000, 38_000)),
    (2_000, (20_000, 23_000, 35_000, 47_000)),
    (5_000, (28_000, 33_000, 52_000, 72_000)),
]
DEFAULT_EXTRAS = (2_000, 2_500, 5_000, 7_000)


# ---------------------------------------------------------------- pure rules
@dataclass(frozen=True)
class FeeTable:
    """zone → ((max grams, fee), …) in increasing weight, and zone → fee per further 500 g."""

    bands: dict[str, tuple[tuple[int, int], ...]]
    extras: dict[str, int]

    @property
    def is_empty(self) -> bool:
        return not any(self.bands.values())

    def weights(self) -> list[int]:
        """The bands' upper weights (every zone has the same bands when staff saved the table)."""
        return sorted({g for rows in self.bands.values() for g, _fee in rows})

    def fee(self, zone: str, grams: int) -> int:
        rows = self.bands.get(zone) or self.bands.get(Z.NATIONWIDE) or ()
        if not rows:
            raise LookupError("empty fee table")
        grams = max(1, grams)
        for max_grams, fee in rows:
            if grams <= max_grams:
                return fee
        top_grams, top_fee = rows[-1]
        steps = -(-(grams - top_grams) // EXTRA_STEP_GRAMS)  # each further 500 g or part of it
        return top_fee + steps * self.extras.get(zone, 0)


EMPTY = FeeTable({}, {})


def _commune_key(name: str) -> str:
    """'Xã Trùng Khánh', 'xa trung khanh' and 'Trùng Khánh' name one commune."""
    key = " ".join(fold(name or "").split())
    for prefix in ("xa ", "phuong ", "dac khu ", "thi tran "):
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


@dataclass(frozen=True)
class Place:
    """Where a parcel leaves from or goes to: the province's code and the commune as typed."""

    province_code: str
    commune: str = ""


def zone_between(origin: Place, destination: Place) -> ShippingZone:
    if origin.province_code == destination.province_code:
        same = _commune_key(origin.commune)
        if same and same == _commune_key(destination.commune):
            return Z.COMMUNE
        return Z.PROVINCE
    region = REGION_OF_PROVINCE.get(origin.province_code)
    if region is not None and region == REGION_OF_PROVINCE.get(destination.province_code):
        return Z.REGION
    return Z.NATIONWIDE


#: a shipment's fee: (producer id, parcel grams) → (fee, zone)
FeeOf = Callable[[int, int], tuple[int, str]]


def flat(fee_vnd: int) -> FeeOf:
    return lambda producer_id, grams: (fee_vnd, "")


def quoter(table: FeeTable, origins: dict[int, Place], destination: Place | None, flat_fee_vnd: int) -> FeeOf:
    """The fee of each producer's parcel to `destination`. No table: the flat fee. No destination yet (a cart
    before the buyer chose a province): the widest zone, the most it can cost, so checkout never charges more."""
    if table.is_empty:
        return flat(flat_fee_vnd)

    def fee_of(producer_id: int, grams: int) -> tuple[int, str]:
        origin = origins.get(producer_id)
        zone = Z.NATIONWIDE if origin is None or destination is None else zone_between(origin, destination)
        return table.fee(zone, grams), str(zone)

    return fee_of


def zone_label(zone: str) -> str:
    return str(ZONE_LABELS[Z(zone)]) if zone in {str(z) for z in ZONES} else ""


def weight_label(grams: int | None) -> str:
    """500 → '500 g', 1500 → '1,5 kg' (Vietnamese decimal comma; kilograms from 1 kg)."""
    if not grams:
        return ""
    if grams < 1000:
        return f"{grams} g"
    kilos = f"{grams / 1000:.1f}".rstrip("0").rstrip(".")
    return kilos.replace(".", ",") + " kg"


# ---------------------------------------------------------------- the table in the database
def _load() -> FeeTable:
    rows = db.session.execute(union_all(
        select(ShippingRate.zone, ShippingRate.max_grams, ShippingRate.fee_vnd),
        select(ShippingZoneExtra.zone, literal(0), ShippingZoneExtra.per_500g_vnd),
    )).all()
    bands: dict[str, list[tuple[int, int]]] = {}
    extras: dict[str, int] = {}
    for zone, grams, fee in rows:
        if grams == 0:
            extras[zone] = fee
        else:
            bands.setdefault(zone, []).append((grams, fee))
    return FeeTable({z: tuple(sorted(r)) for z, r in bands.items()}, extras)


def fee_table() -> FeeTable:
    """This process's copy of the table (an empty one is kept too: no table is a state, not a miss)."""
    return cached("shipping_fee_table", _load, keep=lambda table: True)


def province_codes() -> dict[int, str]:
    return cached("province_codes", lambda: dict(db.session.execute(select(Province.id, Province.code)).tuples().all()))


def place_of(province_id: int | None, commune: str = "") -> Place | None:
    code = province_codes().get(province_id) if province_id is not None else None
    return Place(code, commune or "") if code else None


def origins_of(producers: Iterable) -> dict[int, Place]:
    """Each producer's place (objects with id, province_id and commune: loaded producers)."""
    out = {}
    for producer in producers:
        place = place_of(producer.province_id, producer.commune)
        if place is not None:
            out[producer.id] = place
    return out


def estimate(grams: int) -> list[tuple[str, int]]:
    """The product page's "phí giao dự kiến": (zone label, fee) for a parcel of this weight; [] with no table."""
    table = fee_table()
    if table.is_empty:
        return []
    return [(str(ZONE_LABELS[z]), table.fee(z, grams)) for z in ZONES]


# ---------------------------------------------------------------- staff edit it
@dataclass(frozen=True)
class TableInput:
    """What the staff form sends: band weights, fees[zone][band index], extras[zone]."""

    weights: list[int]
    fees: dict[str, list[int]]
    extras: dict[str, int]


def check(data: TableInput) -> TableInput:
    weights = list(data.weights)
    if not weights:
        raise InvalidInput(_("Bảng phí cần ít nhất một mức khối lượng."))
    if len(weights) > MAX_BANDS:
        raise InvalidInput(_("Bảng phí có tối đa %(n)s mức khối lượng.", n=MAX_BANDS))
    if any(not 1 <= g <= MAX_BAND_GRAMS for g in weights):
        raise InvalidInput(_("Mức khối lượng phải từ 1 đến %(n)s gam.", n=f"{MAX_BAND_GRAMS:,}".replace(",", ".")))
    if any(b <= a for a, b in zip(weights, weights[1:], strict=False)):
        raise InvalidInput(_("Các mức khối lượng phải tăng dần, không trùng nhau."))
    for zone in ZONES:
        fees = data.fees.get(zone, [])
        if len(fees) != len(weights):
            raise InvalidInput(_("Vui lòng nhập đủ phí cho vùng “%(zone)s”.", zone=ZONE_LABELS[zone]))
        if any(not 0 <= f <= MAX_FEE_VND for f in fees):
            raise InvalidInput(_("Phí giao phải từ 0 đến 5.000.000 ₫."))
        if any(b < a for a, b in zip(fees, fees[1:], strict=False)):
            raise InvalidInput(_("Phí của vùng “%(zone)s” không được giảm khi hàng nặng hơn.", zone=ZONE_LABELS[zone]))
        if not 0 <= data.extras.get(zone, 0) <= MAX_EXTRA_VND:
            raise InvalidInput(_("Phí mỗi 500 g thêm phải từ 0 đến 1.000.000 ₫."))
    return data


def save_table(data: TableInput, actor) -> FeeTable:
    """Replace the whole table in the request's transaction (a refused table changes nothing), audited."""
    data = check(data)
    now = utcnow()
    db.session.execute(delete(ShippingRate))
    db.session.execute(delete(ShippingZoneExtra))
    for zone in ZONES:
        for grams, fee in zip(data.weights, data.fees[zone], strict=True):
            db.session.add(ShippingRate(zone=str(zone), max_grams=grams, fee_vnd=fee, updated_at=now,
                                        updated_by_id=getattr(actor, "id", None)))
        db.session.add(ShippingZoneExtra(zone=str(zone), per_500g_vnd=data.extras.get(zone, 0)))
    db.session.flush()
    audit.record(getattr(actor, "id", None), "shipping_fees.save", "shipping_fees", None,
                 weights=data.weights, fees={str(z): data.fees[z] for z in ZONES},
                 extras={str(z): data.extras.get(z, 0) for z in ZONES})
    return _load()


def default_input() -> TableInput:
    return TableInput([g for g, _fees in DEFAULT_BANDS],
                      {str(z): [fees[i] for _g, fees in DEFAULT_BANDS] for i, z in enumerate(ZONES)},
                      {str(z): DEFAULT_EXTRAS[i] for i, z in enumerate(ZONES)})


def current_input() -> TableInput | None:
    """The saved table as the form shows it, None while there is none."""
    table = _load()
    if table.is_empty:
        return None
    weights = table.weights()
    fees = {str(z): [table.fee(z, g) for g in weights] for z in ZONES}
    return TableInput(weights, fees, {str(z): table.extras.get(z, 0) for z in ZONES})
