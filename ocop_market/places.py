"""Places since 1 July 2025: province -> commune (districts only as legacy text)."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import Model


class Province(Model):
    """A province or centrally-run city (tỉnh / thành phố), one of 34."""

    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)


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
