"""Checking every row without writing: provinces (old names and the 2025 mergers), groups, kinds and household
categories by their Vietnamese names with or without tones, amounts, dates, certificates, support projects.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from ... import signals
from ...extensions import db
from ...money import parse_vnd
from ...places import Province
from ...timeutil import local_today
from ...validators import hidden_characters_message
from .. import certificates, listings, producers
from ..models import CertificateLevel, HouseholdCategory, ProducerKind, ProductGroup
from .reading import CERTIFICATE_COLUMNS, HEADER, MAX_LENGTH, decode, read_records
from .rows import ImportFailed, ImportRow, ProjectLookup, RowError, folded_key, match_key

MAX_AMOUNT = 2_000_000_000

#: the day 3-star certificates moved from the (abolished) district to the province
DISTRICTS_ABOLISHED = dt.date(2025, 7, 1)

#: the day the Ministry of Agriculture and Rural Development became Agriculture and Environment
MINISTRY_MERGED = dt.date(2025, 3, 1)

CITY_CODES = {"HN", "HCM", "HP", "DN", "CT", "HUE"}

# Provinces merged on 1 July 2025 (Resolution 202/2025/QH15): old names in older files map to the new province.
LEGACY_PROVINCES = {
    "ha giang": "TQ", "yen bai": "LC", "bac kan": "TN", "vinh phuc": "PT", "hoa binh": "PT", "bac giang": "BN",
    "thai binh": "HY", "ha nam": "NB", "nam dinh": "NB", "quang binh": "QT", "kon tum": "QNG", "binh dinh": "GL",
    "ninh thuan": "KH", "dak nong": "LD", "binh thuan": "LD", "phu yen": "DL", "quang nam": "DN",
    "thua thien hue": "HUE", "binh phuoc": "DNA", "long an": "TNI", "ba ria vung tau": "HCM", "binh duong": "HCM",
    "tien giang": "DT", "ben tre": "VL", "tra vinh": "VL", "soc trang": "CT", "hau giang": "CT", "bac lieu": "CM",
    "kien giang": "AG", "ho chi minh": "HCM", "sai gon": "HCM",
}

KIND_ALIASES = {
    "household": ProducerKind.HOUSEHOLD, "ho": ProducerKind.HOUSEHOLD, "ho san xuat": ProducerKind.HOUSEHOLD,
    "ho san xuat kinh doanh": ProducerKind.HOUSEHOLD, "ho kinh doanh": ProducerKind.HOUSEHOLD,
    "cooperative": ProducerKind.COOPERATIVE, "htx": ProducerKind.COOPERATIVE, "hop tac xa": ProducerKind.COOPERATIVE,
    "cooperative group": ProducerKind.COOPERATIVE_GROUP, "tht": ProducerKind.COOPERATIVE_GROUP,
    "to hop tac": ProducerKind.COOPERATIVE_GROUP,
    "enterprise": ProducerKind.ENTERPRISE, "doanh nghiep": ProducerKind.ENTERPRISE,
    "cong ty": ProducerKind.ENTERPRISE,
}

CATEGORY_ALIASES = {
    "": HouseholdCategory.NONE, "none": HouseholdCategory.NONE, "khong": HouseholdCategory.NONE,
    "khong thuoc dien": HouseholdCategory.NONE,
    "poor": HouseholdCategory.POOR, "ngheo": HouseholdCategory.POOR, "ho ngheo": HouseholdCategory.POOR,
    "near poor": HouseholdCategory.NEAR_POOR, "can ngheo": HouseholdCategory.NEAR_POOR,
    "ho can ngheo": HouseholdCategory.NEAR_POOR,
    "escaped": HouseholdCategory.ESCAPED, "thoat ngheo": HouseholdCategory.ESCAPED,
    "moi thoat ngheo": HouseholdCategory.ESCAPED, "ho moi thoat ngheo": HouseholdCategory.ESCAPED,
}

GROUP_ALIASES = {"duoc lieu": "herbal", "du lich": "tourism", "du lich cong dong": "tourism",
                 "thu cong": "handicraft"}


def project_by_signal(code: str) -> Any:
    """The project a higher domain (programs) names for this code, asked through `signals.import_support_project`;
    None when nobody knows it (then the code is a row error)."""
    found = signals.answers(signals.import_support_project, code)
    return found[0] if found else None


# ---------------------------------------------------------------- checking
class _Lookups:
    def __init__(self, project_lookup: ProjectLookup):
        self.provinces: dict[str, Province] = {}
        all_provinces = list(db.session.scalars(select(Province)))
        by_code = {p.code: p for p in all_provinces}
        for p in all_provinces:
            self.provinces[folded_key(p.code)] = p
            self.provinces[folded_key(p.name)] = p
            self.provinces[folded_key(p.name.removeprefix("TP. "))] = p
        for old, code in LEGACY_PROVINCES.items():
            if code in by_code:
                self.provinces.setdefault(old, by_code[code])
        self.groups: dict[str, ProductGroup] = {}
        all_groups = list(db.session.scalars(select(ProductGroup)))
        by_group_code = {g.code: g for g in all_groups}
        for g in all_groups:
            self.groups[g.code.lower()] = g
            self.groups[folded_key(g.name_vi)] = g
            self.groups[folded_key(g.name_en)] = g
        for alias, code in GROUP_ALIASES.items():
            if code in by_group_code:
                self.groups.setdefault(alias, by_group_code[code])
        self.project_lookup = project_lookup

    def province(self, raw: str) -> Province | None:
        key = folded_key(raw)
        for prefix in ("tinh ", "thanh pho ", "tp. ", "tp ", "tp."):
            if key.startswith(prefix) and key not in self.provinces:
                key = key.removeprefix(prefix).strip()
        return self.provinces.get(key)


def parse_date(raw: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def _whole_number(raw: str) -> int | None:
    cleaned = raw.replace(".", "").replace(",", "").replace(" ", "").replace("\u00a0", "")
    # ASCII digits only: int() refuses "²", which isdigit() accepts.
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= 18 else None


def default_authority(stars: int, day: dt.date, province: Province) -> tuple[str, str]:
    """(level, issuing authority) the file does not carry: 5★ central, 4★ province, 3★ district before July 2025."""
    if stars == 5:
        ministry = ("Bộ Nông nghiệp và Phát triển nông thôn" if day < MINISTRY_MERGED
                    else "Bộ Nông nghiệp và Môi trường")
        return CertificateLevel.CENTRAL, ministry
    place = (f"thành phố {province.name.removeprefix('TP. ')}" if province.code in CITY_CODES
             else f"tỉnh {province.name}")
    if stars == 3 and day < DISTRICTS_ABOLISHED:
        return CertificateLevel.DISTRICT, f"UBND cấp huyện, {place}"
    return CertificateLevel.PROVINCE, f"UBND {place}"


def _check_row(line: int, rec: dict[str, str], look: _Lookups) -> tuple[ImportRow | None, list[RowError]]:
    errors: list[RowError] = []

    def err(column: str | None, message: str) -> None:
        errors.append(RowError(line, column, message))

    if "__width__" in rec:
        err(None, f"Dòng có {rec['__width__']} cột, tiêu đề có {len(HEADER)} cột.")
        return None, errors

    for column, limit in MAX_LENGTH.items():
        if len(rec[column]) > limit:
            err(column, f"Dài quá {limit} ký tự.")
    # Names and every other cell: no bidi controls or other hidden characters (the forms refuse them too).
    for column in HEADER:
        hidden = hidden_characters_message(rec.get(column), multiline=column == "description")
        if hidden:
            err(column, hidden)
    if not rec["producer_name"]:
        err("producer_name", "Thiếu tên cơ sở sản xuất.")
    if not rec["commune"]:
        err("commune", "Thiếu xã/phường.")
    if not rec["product_name"]:
        err("product_name", "Thiếu tên sản phẩm.")
    if not rec["unit"]:
        err("unit", "Thiếu đơn vị bán (ví dụ “gói 500g”).")

    kind = KIND_ALIASES.get(folded_key(rec["producer_kind"]).replace("_", " "))
    if kind is None:
        err("producer_kind", f"Loại hình “{rec['producer_kind']}” không hợp lệ "
            "(household, cooperative, cooperative_group, enterprise).")
    category = CATEGORY_ALIASES.get(folded_key(rec["poverty_status"]).replace("_", " "))
    if category is None:
        err("poverty_status", f"Phân loại hộ “{rec['poverty_status']}” không hợp lệ (poor, near_poor, escaped, none).")

    province = look.province(rec["province"]) if rec["province"] else None
    if province is None:
        err("province", f"Không tìm thấy tỉnh/thành phố “{rec['province']}”." if rec["province"]
            else "Thiếu tỉnh/thành phố.")
    group = look.groups.get(folded_key(rec["group"]))
    if group is None:
        err("group", f"Nhóm sản phẩm “{rec['group']}” không tồn tại "
            "(food, drinks, herbal, handicraft, ornamental, tourism).")

    price = None
    if not rec["price_vnd"]:
        err("price_vnd", "Thiếu giá.")
    elif rec["price_vnd"].startswith("-"):
        err("price_vnd", "Giá không được âm.")
    else:
        try:
            price = parse_vnd(rec["price_vnd"])
        except ValueError:
            err("price_vnd", f"Giá “{rec['price_vnd']}” phải là số đồng nguyên (ví dụ 125000).")
        else:
            if price > MAX_AMOUNT:
                err("price_vnd", "Giá quá lớn.")
                price = None
    stock: int | None = 0
    if rec["stock"].startswith("-"):
        err("stock", "Tồn kho không được âm.")
    elif rec["stock"]:
        stock = _whole_number(rec["stock"])
        if stock is None or stock > MAX_AMOUNT:
            err("stock", f"Tồn kho “{rec['stock']}” phải là số nguyên không âm.")

    certificate = None
    present = [c for c in CERTIFICATE_COLUMNS if rec[c]]
    if present and len(present) < len(CERTIFICATE_COLUMNS):
        missing = [c for c in CERTIFICATE_COLUMNS if not rec[c]]
        err(missing[0], "Chứng nhận OCOP cần đủ cả ba cột stars, certificate_no, certified_on "
            "(hoặc để trống cả ba nếu sản phẩm chưa được công nhận).")
    stars = decided = None
    if rec["stars"]:
        stars = _whole_number(rec["stars"]) if not rec["stars"].startswith("-") else None
        if stars is None or stars not in (3, 4, 5):
            err("stars", f"Số sao “{rec['stars']}” không hợp lệ: chỉ sản phẩm 3 đến 5 sao là sản phẩm OCOP.")
            stars = None
    if rec["certified_on"]:
        decided = parse_date(rec["certified_on"])
        if decided is None:
            err("certified_on", f"Ngày “{rec['certified_on']}” không hợp lệ (YYYY-MM-DD hoặc DD/MM/YYYY).")
        elif decided > local_today():
            err("certified_on", "Ngày quyết định không thể ở tương lai.")
            decided = None
    if stars and decided and rec["certificate_no"] and province is not None:
        level, authority = default_authority(stars, decided, province)
        certificate = certificates.CertificateData(decision_no=rec["certificate_no"], decision_date=decided, stars=stars,
                                                   issuing_authority=authority, level=level)

    project = None
    code = rec["support_project_code"]
    if code:
        project = look.project_lookup(code)
        if project is None:
            err("support_project_code", f"Mã dự án không tồn tại: “{code}”.")

    if errors:
        return None, errors
    # Every value below was checked above: a missing or bad one recorded an error.
    assert kind is not None and category is not None and province is not None and group is not None
    assert price is not None and stock is not None
    row = ImportRow(
        line=line,
        producer=producers.ProducerData(kind=kind, name=rec["producer_name"], province_id=province.id,
                                        commune=rec["commune"], household_category=category),
        product=listings.ProductData(name=rec["product_name"], group_id=group.id, unit=rec["unit"],
                                     price_vnd=price, stock=stock, description=rec["description"]),
        certificate=certificate,
        support_project=project,
        support_project_code=code,
    )
    return row, []


def _producer_key(data: producers.ProducerData) -> tuple[str, str, int]:
    return match_key(data.name), match_key(data.commune), data.province_id


def parse(data: bytes | str, project_lookup: ProjectLookup | None = None) -> list[ImportRow]:
    """Check every row; return them all or raise ImportFailed listing every error. Writes nothing."""
    if project_lookup is None:
        project_lookup = project_by_signal
    records = read_records(decode(data))
    if not records:
        raise ImportFailed([RowError(None, None, "Tệp không có dòng dữ liệu nào.")])
    look = _Lookups(project_lookup)
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    producers_seen: dict[tuple, ImportRow] = {}
    products_seen: dict[tuple, int] = {}
    for line, rec in records:
        row, row_errors = _check_row(line, rec, look)
        errors.extend(row_errors)
        if row is None:
            continue
        pkey = _producer_key(row.producer)
        first = producers_seen.setdefault(pkey, row)
        if first is not row:
            if first.producer.kind != row.producer.kind:
                errors.append(RowError(line, "producer_kind", f"Khác với dòng {first.line} của cùng cơ sở."))
            if first.producer.household_category != row.producer.household_category:
                errors.append(RowError(line, "poverty_status", f"Khác với dòng {first.line} của cùng cơ sở."))
        product_key = (pkey, match_key(row.product.name))
        if product_key in products_seen:
            errors.append(RowError(line, "product_name",
                                   f"Sản phẩm trùng với dòng {products_seen[product_key]} (cùng cơ sở, cùng tên)."))
        else:
            products_seen[product_key] = line
        rows.append(row)
    if errors:
        raise ImportFailed(errors)
    return rows
