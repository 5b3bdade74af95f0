"""Catalog import from a CSV file (nhập danh mục sản phẩm): producers, listings and OCOP certificates.

Two phases. `parse` reads and checks every row without writing anything and either returns the rows or raises
`ImportFailed` with every error (line number in the file, header = line 1, and column). `apply` then writes
through the catalog services in the caller's transaction; the command commits once, or rolls back if any row
still fails there, so a bad file leaves the database as it was.

Matching, so that importing the same file twice changes nothing:
- a producer is the same when name, commune and province agree (case and tone placement ignored);
- a listing is the same when producer and product name agree.
On a re-import an existing listing takes the file's price, stock, description, unit and group; an existing producer
takes the file's kind and household category. A certificate with a new decision number is added, one with a known
number is corrected. Nothing is ever deleted, and review states that staff decided (pending, rejected, archived)
stay as they are; archived listings are left untouched. New producers are verified and new listings approved.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit, signals
from ..accounts.models import Role
from ..errors import DomainError
from ..extensions import db
from ..money import parse_vnd
from ..places import Province
from ..text import canonical, fold
from ..timeutil import local_today
from . import certificates, listings, producers
from .models import CertificateLevel, HouseholdCategory, Producer, ProducerKind, Product, ProductGroup, ProductStatus

HEADER = (
    "producer_name", "producer_kind", "province", "commune", "poverty_status", "product_name", "description",
    "group", "stars", "certificate_no", "certified_on", "price_vnd", "unit", "stock", "support_project_code",
)
CERTIFICATE_COLUMNS = ("stars", "certificate_no", "certified_on")
MAX_LENGTH = {"producer_name": 160, "commune": 120, "product_name": 160, "unit": 60, "certificate_no": 64,
              "description": 5000, "support_project_code": 32}
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

#: A function from a support-project code to the project, or None when unknown.
ProjectLookup = Callable[[str], Any]


def project_by_signal(code: str) -> Any:
    """The project a higher domain (programs) names for this code, asked through `signals.import_support_project`;
    None when nobody knows it (then the code is a row error)."""
    found = signals.answers(signals.import_support_project, code)
    return found[0] if found else None


class SystemActor:
    """The programme itself acting from the command line (imports, demo data) when no staff account is named.

    It has no account: audit rows and "verified by" stay empty. It passes the staff checks of the services
    because its role is admin; web views never see it, they always pass `current_user`.
    """

    id = None
    role = Role.ADMIN
    is_staff = True
    display_name = "Hệ thống"

    def __repr__(self) -> str:
        return "<SystemActor>"


SYSTEM = SystemActor()


@dataclass(frozen=True)
class RowError:
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"Dòng {self.line}" if self.line is not None else "Tệp"
        if self.column:
            where += f", cột {self.column}"
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} lỗi")
        self.errors = errors


@dataclass
class ImportRow:
    line: int
    producer: producers.ProducerData
    product: listings.ProductData
    certificate: certificates.CertificateData | None
    support_project: Any = None
    support_project_code: str = ""


@dataclass
class ImportResult:
    rows: int = 0
    producers_created: int = 0
    producers_updated: int = 0
    producers_unchanged: int = 0
    products_created: int = 0
    products_updated: int = 0
    products_unchanged: int = 0
    #: archived listings the file mentions; they are left as they are
    products_skipped: int = 0
    certificates_set: int = 0
    producer_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.producers_created or self.producers_updated or self.products_created
                    or self.products_updated or self.certificates_set)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


def _key(s: str) -> str:
    return " ".join(canonical(s).split())


def _folded(s: str) -> str:
    return " ".join(fold(s).replace("-", " ").replace("–", " ").split())


# ---------------------------------------------------------------- reading
def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([RowError(None, None, "Tệp không phải UTF-8; hãy lưu lại dưới dạng “CSV UTF-8”.")]) from exc


def read_records(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line where the record starts, values by column); raises ImportFailed for a bad header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed([RowError(None, None, "Tệp trống.")]) from None
    except csv.Error as exc:
        raise ImportFailed([RowError(1, None, f"Không đọc được dòng tiêu đề ({exc}).")]) from None
    names = [h.strip().lower() for h in header]
    errors = []
    missing = [h for h in HEADER if h not in names]
    unknown = [h for h in names if h not in HEADER]
    if missing:
        errors.append(RowError(1, None, "Thiếu cột: " + ", ".join(missing) + "."))
    if unknown:
        errors.append(RowError(1, None, "Cột không xác định: " + ", ".join(unknown) + "."))
    duplicated = sorted({h for h in names if names.count(h) > 1 and h})
    if duplicated:
        errors.append(RowError(1, None, "Cột bị lặp: " + ", ".join(duplicated) + "."))
    if errors:
        raise ImportFailed(errors)
    records = []
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportFailed([RowError(line, None, f"Dòng CSV không hợp lệ ({exc}).")]) from None
        if any(v.strip() for v in values):
            if len(values) != len(names):
                records.append((line, {"__width__": str(len(values))}))
            else:
                records.append((line, {n: v.strip() for n, v in zip(names, values, strict=True)}))
        line = reader.line_num + 1
    return records


# ---------------------------------------------------------------- checking
class _Lookups:
    def __init__(self, project_lookup: ProjectLookup):
        self.provinces: dict[str, Province] = {}
        all_provinces = list(db.session.scalars(select(Province)))
        by_code = {p.code: p for p in all_provinces}
        for p in all_provinces:
            self.provinces[_folded(p.code)] = p
            self.provinces[_folded(p.name)] = p
            self.provinces[_folded(p.name.removeprefix("TP. "))] = p
        for old, code in LEGACY_PROVINCES.items():
            if code in by_code:
                self.provinces.setdefault(old, by_code[code])
        self.groups: dict[str, ProductGroup] = {}
        all_groups = list(db.session.scalars(select(ProductGroup)))
        by_group_code = {g.code: g for g in all_groups}
        for g in all_groups:
            self.groups[g.code.lower()] = g
            self.groups[_folded(g.name_vi)] = g
            self.groups[_folded(g.name_en)] = g
        for alias, code in GROUP_ALIASES.items():
            if code in by_group_code:
                self.groups.setdefault(alias, by_group_code[code])
        self.project_lookup = project_lookup

    def province(self, raw: str) -> Province | None:
        key = _folded(raw)
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
    return int(cleaned) if cleaned.isdigit() else None


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
    if not rec["producer_name"]:
        err("producer_name", "Thiếu tên cơ sở sản xuất.")
    if not rec["commune"]:
        err("commune", "Thiếu xã/phường.")
    if not rec["product_name"]:
        err("product_name", "Thiếu tên sản phẩm.")
    if not rec["unit"]:
        err("unit", "Thiếu đơn vị bán (ví dụ “gói 500g”).")

    kind = KIND_ALIASES.get(_folded(rec["producer_kind"]).replace("_", " "))
    if kind is None:
        err("producer_kind", f"Loại hình “{rec['producer_kind']}” không hợp lệ "
            "(household, cooperative, cooperative_group, enterprise).")
    category = CATEGORY_ALIASES.get(_folded(rec["poverty_status"]).replace("_", " "))
    if category is None:
        err("poverty_status", f"Phân loại hộ “{rec['poverty_status']}” không hợp lệ (poor, near_poor, escaped, none).")

    province = look.province(rec["province"]) if rec["province"] else None
    if province is None:
        err("province", f"Không tìm thấy tỉnh/thành phố “{rec['province']}”." if rec["province"]
            else "Thiếu tỉnh/thành phố.")
    group = look.groups.get(_folded(rec["group"]))
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
    return _key(data.name), _key(data.commune), data.province_id


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
        product_key = (pkey, _key(row.product.name))
        if product_key in products_seen:
            errors.append(RowError(line, "product_name",
                                   f"Sản phẩm trùng với dòng {products_seen[product_key]} (cùng cơ sở, cùng tên)."))
        else:
            products_seen[product_key] = line
        rows.append(row)
    if errors:
        raise ImportFailed(errors)
    return rows


# ---------------------------------------------------------------- writing
def _find_producers(rows: list[ImportRow]) -> dict[tuple, Producer]:
    province_ids = {r.producer.province_id for r in rows}
    found = db.session.scalars(
        select(Producer).where(Producer.province_id.in_(province_ids))
        .options(selectinload(Producer.products).selectinload(Product.certificates))
    )
    return {(_key(p.name), _key(p.commune), p.province_id): p for p in found}


def producer_data_of(producer: Producer, **changes) -> producers.ProducerData:
    data = producers.ProducerData(
        kind=producer.kind, name=producer.name, province_id=producer.province_id, commune=producer.commune,
        representative=producer.representative, phone=producer.phone, village=producer.village,
        legacy_district=producer.legacy_district, household_category=producer.household_category,
        category_assessed_on=producer.category_assessed_on, ethnic_minority=producer.ethnic_minority,
        woman_headed=producer.woman_headed, story=producer.story,
    )
    for k, v in changes.items():
        setattr(data, k, v)
    return data


def _certificate_differs(product: Product, cert: certificates.CertificateData) -> bool:
    same = next((c for c in product.certificates if c.decision_no == cert.decision_no.strip()), None)
    return same is None or (same.decision_date, same.stars) != (cert.decision_date, cert.stars)


def apply(rows: list[ImportRow], actor=SYSTEM, source: str = "", update_existing: bool = True) -> ImportResult:
    """Write checked rows through the catalog services; the caller commits. Raises ImportFailed
    (after which the caller must roll back) if a service still refuses a row."""
    result = ImportResult(rows=len(rows))
    known = _find_producers(rows)
    touched: set[int] = set()
    errors: list[RowError] = []
    for row in rows:
        try:
            _apply_row(row, actor, known, touched, result, update_existing)
        except DomainError as exc:
            errors.append(RowError(row.line, None, exc.message or type(exc).__name__))
    if errors:
        raise ImportFailed(errors)
    if result.changed:
        # A re-import that changed nothing leaves no trace, so importing twice yields the same rows.
        audit.record(actor.id, "catalog.import", "catalog", None, source=source,
                     **{k: v for k, v in result.counts().items()})
    return result


def _apply_row(row: ImportRow, actor, known: dict[tuple, Producer], touched: set[int],
               result: ImportResult, update_existing: bool = True) -> None:
    pkey = _producer_key(row.producer)
    producer = known.get(pkey)
    if producer is None:
        producer = producers.create_producer(actor, row.producer)
        producers.verify_producer(actor, producer)
        known[pkey] = producer
        touched.add(producer.id)
        result.producers_created += 1
        result.producer_ids.append(producer.id)
    elif producer.id not in touched and not update_existing:
        touched.add(producer.id)
        result.producer_ids.append(producer.id)
        result.producers_unchanged += 1
    elif producer.id not in touched:
        touched.add(producer.id)
        result.producer_ids.append(producer.id)
        if (producer.kind, producer.household_category) != (row.producer.kind, row.producer.household_category):
            producers.update_producer(actor, producer, producer_data_of(
                producer, kind=row.producer.kind, household_category=row.producer.household_category))
            result.producers_updated += 1
        else:
            result.producers_unchanged += 1

    name_key = _key(row.product.name)
    product = next((p for p in producer.products if _key(p.name) == name_key), None)
    if product is None:
        product = listings.create_product(actor, producer, row.product)
        if row.certificate is not None:
            certificates.set_certificate(actor, product, row.certificate)
            result.certificates_set += 1
        if row.support_project is not None:
            signals.listing_project_imported.send(actor, product=product, project=row.support_project)
        listings.submit_for_review(actor, product)
        listings.approve_product(actor, product)
        result.products_created += 1
        result.product_ids.append(product.id)
        return
    result.product_ids.append(product.id)
    if not update_existing:
        # Demo data: a listing that exists keeps what sales and staff made of it (stock, projects).
        result.products_unchanged += 1
        return
    if product.status == ProductStatus.ARCHIVED:
        result.products_skipped += 1
        return
    linked = False
    if row.support_project is not None and product.support_project_id != row.support_project.id:
        # The programs domain names the project (and audits it); counted as an update of the listing.
        linked = any(signals.answers(signals.listing_project_imported, actor, product=product,
                                     project=row.support_project))
    new = listings.ProductData(name=product.name, group_id=row.product.group_id, unit=row.product.unit.strip(),
                               price_vnd=row.product.price_vnd, stock=row.product.stock,
                               description=row.product.description.strip())
    changed = (product.group_id, product.unit, product.price_vnd, product.stock, product.description) != (
        new.group_id, new.unit, new.price_vnd, new.stock, new.description)
    if changed:
        listings.update_product(actor, product, new)
    cert_changed = False
    if row.certificate is not None and _certificate_differs(product, row.certificate):
        certificates.set_certificate(actor, product, row.certificate)
        result.certificates_set += 1
        cert_changed = True
    if changed or cert_changed or linked:
        result.products_updated += 1
    else:
        result.products_unchanged += 1


def run_import(data: bytes | str, source: str = "", actor=SYSTEM, dry_run: bool = False,
               project_lookup: ProjectLookup | None = None, update_existing: bool = True) -> ImportResult:
    """Check then write. Raises ImportFailed; the caller commits on success and rolls back on failure."""
    rows = parse(data, project_lookup)
    if dry_run:
        return ImportResult(rows=len(rows))
    return apply(rows, actor, source, update_existing)
