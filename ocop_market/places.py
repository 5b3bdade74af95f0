"""Places since 1 July 2025: province -> commune (districts only as legacy text). Communes are reference data from
the official list (data/communes_2025.csv, with its source and date); old free-text communes are matched to them
by `flask places match-communes`."""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field

from sqlalchemy import ForeignKey, String, UniqueConstraint, insert, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import Model, db
from .reference_cache import cached
from .text import fold

COMMUNES_CSV = os.path.join(os.path.dirname(__file__), "data", "communes_2025.csv")


class Province(Model):
    """A province or centrally-run city (tỉnh / thành phố), one of 34."""

    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)


def province_names() -> dict[str, str]:
    """slug → name of every province. Reference data (reference.py inserts the 34): each process keeps a copy
    until the catalogue generation moves (reference_cache), so the search page and the API spend no statement on
    them."""
    return cached("province_names", lambda: {
        slug: name for slug, name in db.session.execute(select(Province.slug, Province.name))})


class Commune(Model):
    """A commune, ward or special zone (xã, phường, đặc khu): one of 3,321 units since 1 July 2025."""

    __tablename__ = "communes"
    __table_args__ = (UniqueConstraint("code", name="uq_communes_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    #: the General Statistics Office's code (mã đơn vị hành chính), e.g. "01477" for Xã Trùng Khánh
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(80))
    #: xã, phường or đặc khu
    kind: Mapped[str] = mapped_column(String(16))
    #: no mobile or radio signal in the commune (staff set it; the map flags it)
    no_signal: Mapped[bool] = mapped_column(default=False)

    province: Mapped[Province] = relationship("Province")


# The 34 provincial units after the 2025 merger; kept as data in the table, this list only seeds it.
PROVINCES_2025 = [
    ("HN", "Hà Nội"), ("HCM", "TP. Hồ Chí Minh"), ("HP", "Hải Phòng"), ("DN", "Đà Nẵng"),
    ("CT", "Cần Thơ"), ("HUE", "Huế"), ("CB", "Cao Bằng"), ("LS", "Lạng Sơn"),
    ("LC", "Lào Cai"), ("TQ", "Tuyên Quang"), ("TN", "Thái Nguyên"), ("PT", "Phú Thọ"),
    ("BN", "Bắc Ninh"), ("HY", "Hưng Yên"), ("NB", "Ninh Bình"), ("QN", "Quảng Ninh"),
    ("DB", "Điện Biên"), ("LCH", "Lai Châu"), ("SL", "Sơn La"), ("TH", "Thanh Hóa"),
    ("NA", "Nghệ An"), ("HT", "Hà Tĩnh"), ("QT", "Quảng Trị"), ("QNG", "Quảng Ngãi"),
    ("GL", "Gia Lai"), ("KH", "Khánh Hòa"), ("LD", "Lâm Đồng"), ("DL", "Đắk Lắk"),
    ("DNA", "Đồng Nai"), ("TNI", "Tây Ninh"), ("VL", "Vĩnh Long"), ("DT", "Đồng Tháp"),
    ("CM", "Cà Mau"), ("AG", "An Giang"),
]


def _commune_rows(province_codes: set[str] | None = None) -> list[dict]:
    with open(COMMUNES_CSV, encoding="utf-8") as fh:
        reader = csv.DictReader(line for line in fh if not line.startswith("#"))
        return [r for r in reader if province_codes is None or r["province"] in province_codes]


def load_communes(province_codes: list[str] | None = None) -> int:
    """Insert the official communes (of the given provinces; all 34 when None) that are missing. Flushes only;
    returns how many were added. The provinces must exist (reference.ensure_reference_data)."""
    wanted = set(province_codes) if province_codes is not None else None
    provinces = {code: pid for pid, code in db.session.execute(select(Province.id, Province.code))}
    have = set(db.session.scalars(select(Commune.code)))
    rows = [dict(province_id=provinces[r["province"]], code=r["commune_code"].zfill(5), name=r["name"],
                 kind=r["kind"], no_signal=False)
            for r in _commune_rows(wanted) if r["province"] in provinces and r["commune_code"].zfill(5) not in have]
    if rows:
        db.session.execute(insert(Commune), rows)
    db.session.flush()
    return len(rows)


_PREFIXES = ("xa ", "phuong ", "dac khu ", "thi tran ")


def _bare(name: str) -> str:
    folded = " ".join(fold(name).split())
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix):]
    return folded


def match_commune(province_id: int, text: str) -> Commune | None:
    """The commune of the province whose name the free text names ("Xã Đàm Thủy", "xa dam thuy", "Đàm Thuỷ"):
    the full name first, then the name without xã/phường/đặc khu when that is unambiguous; None otherwise."""
    text = (text or "").strip()
    if not text or province_id is None:
        return None
    candidates = list(db.session.scalars(select(Commune).where(Commune.province_id == province_id)))
    folded = " ".join(fold(text).split())
    exact = [c for c in candidates if " ".join(fold(c.name).split()) == folded]
    if len(exact) == 1:
        return exact[0]
    bare = [c for c in candidates if _bare(c.name) == _bare(text)]
    return bare[0] if len(bare) == 1 else None


@dataclass
class MatchReport:
    matched: int = 0
    #: (what, id, province code, free text) of every record no commune could be matched to
    unmatched: list[tuple[str, int, str, str]] = field(default_factory=list)
