"""Producers, their OCOP listings, certificates and photos."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..constraints import AppendOnlyViolation, append_only, one_of
from ..extensions import Model
from ..timeutil import UTCDateTime, add_months, local_today, utcnow
from ..validators import PLAIN_TEXT, PLAIN_TEXT_MULTILINE

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..places import Commune, Province

CERTIFICATE_VALID_MONTHS = 36
#: 'hộ mới thoát nghèo' lasts this long after the household escaped (the commune's recognition)
ESCAPED_MONTHS = 36


class ProducerKind(enum.StrEnum):
    HOUSEHOLD = "household"
    COOPERATIVE = "cooperative"
    COOPERATIVE_GROUP = "cooperative_group"
    ENTERPRISE = "enterprise"


class HouseholdCategory(enum.StrEnum):
    POOR = "poor"
    NEAR_POOR = "near_poor"
    ESCAPED = "escaped"
    NONE = "none"


class AssessmentSource(enum.StrEnum):
    DECLARED = "declared"  # what the household (or staff for it) stated on its producer record
    ASSESSED = "assessed"  # a programme officer's dated re-assessment (rà soát), with income
    IMPORTED = "imported"  # a catalog CSV import
    MIGRATED = "migrated"  # the producer record's own category before the registry (revision 5efb1b8f6d8f)


class LivingArea(enum.StrEnum):
    RURAL = "rural"
    URBAN = "urban"


class ProducerStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class CertificateLevel(enum.StrEnum):
    DISTRICT = "district"  # legacy: 3★ before 1 July 2025
    PROVINCE = "province"
    CENTRAL = "central"


class CertificateState(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    UNDER_REVIEW = "under_review"
    REVOKED = "revoked"


class ProductGroup(Model):
    """OCOP product group (nhóm sản phẩm); a row with a parent is a subgroup."""

    __tablename__ = "product_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("product_groups.id"))

    def name(self, locale: str = "vi") -> str:
        return self.name_en if locale == "en" else self.name_vi


class Producer(Model):
    """A producing entity: household (hộ sản xuất), cooperative (HTX), cooperative group
    (tổ hợp tác) or enterprise. Staff may enter it on a household's behalf."""

    __tablename__ = "producers"
    __table_args__ = (
        one_of("kind", ProducerKind, "kind_known"),
        one_of("status", ProducerStatus, "status_known"),
        UniqueConstraint("name", "commune", "province_id", name="uq_producers_name_place"),
        UniqueConstraint("province_id", "household_code", name="uq_producers_household_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    #: the account that manages the record; empty for a household without one
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(160), info=PLAIN_TEXT)
    representative: Mapped[str] = mapped_column(String(120), default="", info=PLAIN_TEXT)
    phone: Mapped[str | None] = mapped_column(String(16))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    commune: Mapped[str] = mapped_column(String(120), info=PLAIN_TEXT)
    #: the commune in the official list the text names (set on save when it matches, or by
    #: `flask places match-communes`); reports group by its code
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), index=True)
    village: Mapped[str] = mapped_column(String(120), default="", info=PLAIN_TEXT)
    #: district name for records issued before the two-tier reform of 1 July 2025
    legacy_district: Mapped[str] = mapped_column(String(120), default="", info=PLAIN_TEXT)
    #: the household's code in the commune's official list of poor and near-poor households (mã hộ), if listed
    household_code: Mapped[str | None] = mapped_column(String(32), info=PLAIN_TEXT)
    ethnic_minority: Mapped[bool] = mapped_column(default=False)
    woman_headed: Mapped[bool] = mapped_column(default=False)
    story: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    status: Mapped[str] = mapped_column(String(16), default=ProducerStatus.PENDING, index=True)
    rejection_reason: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: who typed the record in (the household itself, a cooperative, or staff)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    province: Mapped[Province] = relationship("Province")
    commune_ref: Mapped[Commune | None] = relationship("Commune")
    owner: Mapped[User | None] = relationship("User", foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship("User", foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship("User", foreign_keys=[updated_by_id])
    verified_by: Mapped[User | None] = relationship("User", foreign_keys=[verified_by_id])
    products: Mapped[list[Product]] = relationship("Product", back_populates="producer", order_by="Product.id")
    #: the household's dated assessments: the one place its poverty category is stored (promotion priority,
    #: programme outcomes and the producer's own page all read it)
    assessments: Mapped[list[HouseholdAssessment]] = relationship(
        "HouseholdAssessment", back_populates="producer", order_by="(HouseholdAssessment.assessed_on, HouseholdAssessment.id)",
        lazy="selectin")

    @property
    def current_assessment(self) -> HouseholdAssessment | None:
        return max(self.assessments, key=lambda a: a.assessed_on) if self.assessments else None

    @property
    def household_category(self) -> str:
        """The category of the latest assessment as of today ('hộ mới thoát nghèo' lapses to 'none' after 36
        months); 'none' for a producer never assessed."""
        current = self.current_assessment
        return current.category_on(local_today()) if current else HouseholdCategory.NONE

    @property
    def category_assessed_on(self) -> dt.date | None:
        current = self.current_assessment
        return current.assessed_on if current else None

    @property
    def is_verified(self) -> bool:
        return self.status == ProducerStatus.VERIFIED

    @property
    def entered_on_behalf(self) -> bool:
        return self.created_by_id is not None and self.created_by_id != self.owner_id


class HouseholdAssessment(Model):
    """A household's poverty category as assessed on a date (rà soát, phân loại hộ nghèo, cận nghèo): the
    beneficiary registry. Append-only: a new assessment is a new row, so the history is never overwritten;
    classification is re-checked every year."""

    __tablename__ = "household_assessments"
    __table_args__ = (
        one_of("category", HouseholdCategory, "category_known"),
        one_of("source", AssessmentSource, "source_known"),
        CheckConstraint("area IS NULL OR area IN ('rural','urban')", name="area_known"),
        CheckConstraint("income_vnd IS NULL OR income_vnd >= 0", name="income_not_negative"),
        CheckConstraint("deprivations IS NULL OR deprivations BETWEEN 0 AND 12", name="deprivations_in_range"),
        UniqueConstraint("producer_id", "assessed_on", name="uq_household_assessments_producer_assessed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(16))
    #: income per person per month, whole đồng; unknown for a declared category
    income_vnd: Mapped[int | None] = mapped_column(Integer)
    #: the poverty standard in force, e.g. "2022-2025" (Decree 07/2021/NĐ-CP); the next one is another value
    standard: Mapped[str] = mapped_column(String(32), default="")
    area: Mapped[str | None] = mapped_column(String(8))
    #: how many of the standard's deprivation indicators the household lacks (of 12 under Decree 07/2021)
    deprivations: Mapped[int | None] = mapped_column(Integer)
    #: the commune's recognition decision (quyết định công nhận) and its date: "newly escaped" runs 36 months from it
    recognition_no: Mapped[str] = mapped_column(String(64), default="")
    recognition_date: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16), default=AssessmentSource.ASSESSED)
    note: Mapped[str] = mapped_column(String(200), default="", info=PLAIN_TEXT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    producer: Mapped[Producer] = relationship("Producer", back_populates="assessments")

    def category_on(self, day: dt.date) -> str:
        """What this assessment says on `day`: 'newly escaped' ends 36 months after the commune recognised the
        escape (the assessment's own date when no decision is recorded)."""
        if self.category == HouseholdCategory.ESCAPED and \
                day >= add_months(self.recognition_date or self.assessed_on, ESCAPED_MONTHS):
            return HouseholdCategory.NONE
        return self.category


class AssessmentHistoryIsAppendOnly(AppendOnlyViolation):
    pass


append_only(HouseholdAssessment, "household assessments", AssessmentHistoryIsAppendOnly)


#: bits of the review count in `rating_key` (counts above 2^20 - 1 tie)
RATING_COUNT_BITS = 20


def rating_key(rating_sum: int, rating_count: int) -> int:
    """The "top_rated" (Đánh giá cao) order as one whole number, the same for every search engine and the product
    list: the visible average to two decimals first, then the number of reviews; 0 without a review."""
    if not rating_count:
        return 0
    return ((rating_sum * 100 // rating_count) << RATING_COUNT_BITS) | min(rating_count, (1 << RATING_COUNT_BITS) - 1)


class Product(Model):
    """A listing (sản phẩm) of one producer."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price_vnd >= 0", name="price_not_negative"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("case_min_quantity IS NULL OR case_min_quantity BETWEEN 1 AND 10000", name="case_min_range"),
        CheckConstraint("weight_grams BETWEEN 1 AND 50000", name="weight_range"),
        one_of("status", ProductStatus, "status_known"),
        UniqueConstraint("producer_id", "name", name="uq_products_producer_name"),
        Index("ix_products_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("product_groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(160), info=PLAIN_TEXT)
    #: plain text; line breaks are kept on display, HTML is never interpreted
    description: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    #: selling unit as the producer says it, e.g. "gói 500g"
    unit: Mapped[str] = mapped_column(String(60), info=PLAIN_TEXT)
    price_vnd: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    #: giá sỉ: [[from quantity, unit price], ...], quantities increasing and prices decreasing, each below
    #: `price_vnd` (catalog/tiers.py checks them); whoever buys that many pays that price. Kept on the row so the
    #: product page and the stock UPDATE at checkout read them without another statement.
    price_tiers: Mapped[list | None] = mapped_column(JSON)
    #: the least a request for quote may ask for (số lượng tối thiểu khi mua sỉ), when the producer set one
    case_min_quantity: Mapped[int | None] = mapped_column(Integer)
    #: one unit as packed for shipping (khối lượng đóng gói), in grams: a shipment's weight band in the fee table
    #: (orders/fees.py) is the sum of its lines' weights
    weight_grams: Mapped[int] = mapped_column(Integer, default=500, server_default="500")
    #: units delivered to buyers ("Đã bán"), counted when a part of an order is delivered (orders.services.move)
    sold_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: visible buyers' reviews (đánh giá) and the sum of their stars: moved only by conditional atomic UPDATEs in
    #: the transaction that writes, edits, hides or unhides a review (orders/reviews.py); hidden ones never count
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_sum: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16), default=ProductStatus.DRAFT)
    rejection_reason: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: the production-support project the listing was produced under, if any. Only the id: the programs domain,
    #: above the catalog, owns the project and reads it (programs/listings.py); the catalog never loads it.
    support_project_id: Mapped[int | None] = mapped_column(ForeignKey("support_projects.id"), index=True)

    producer: Mapped[Producer] = relationship("Producer", back_populates="products")
    group: Mapped[ProductGroup] = relationship("ProductGroup")
    created_by: Mapped[User | None] = relationship("User", foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship("User", foreign_keys=[updated_by_id])
    images: Mapped[list[ProductImage]] = relationship(
        "ProductImage", order_by="ProductImage.position", cascade="all, delete-orphan",
        back_populates="product",
    )
    certificates: Mapped[list[OcopCertificate]] = relationship(
        "OcopCertificate", order_by="OcopCertificate.decision_date.desc()",
        cascade="all, delete-orphan", back_populates="product",
    )

    @property
    def certificate(self) -> OcopCertificate | None:
        """The most recent certificate, whatever its state."""
        return self.certificates[0] if self.certificates else None

    @property
    def ocop_stars(self) -> int | None:
        """Stars only while the certificate is valid: an expired one is not OCOP any more."""
        cert = self.certificate
        return cert.stars if cert is not None and cert.is_valid() else None

    @property
    def rating_average(self) -> float | None:
        """The buyers' average stars to one decimal ("4,5"), None before the first visible review."""
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def cover(self) -> ProductImage | None:
        return self.images[0] if self.images else None

    @property
    def is_public(self) -> bool:
        return self.status == ProductStatus.APPROVED and self.producer.is_verified

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class OcopCertificate(Model):
    """An OCOP rating decision (quyết định công nhận sản phẩm OCOP); valid 36 months."""

    __tablename__ = "ocop_certificates"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 3 AND 5", name="stars_certified"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
        one_of("level", CertificateLevel, "level_known"),
        CheckConstraint("state IN ('valid','under_review','revoked')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    #: e.g. "1234/QĐ-UBND"
    decision_no: Mapped[str] = mapped_column(String(64), info=PLAIN_TEXT)
    decision_date: Mapped[dt.date] = mapped_column(Date)
    #: e.g. "UBND tỉnh Cao Bằng"
    issuing_authority: Mapped[str] = mapped_column(String(160), default="", info=PLAIN_TEXT)
    level: Mapped[str] = mapped_column(String(16), default=CertificateLevel.PROVINCE)
    score: Mapped[int | None] = mapped_column(Integer)
    stars: Mapped[int] = mapped_column(Integer)
    #: what staff last decided; expiry is computed from the date, never stored
    state: Mapped[str] = mapped_column(String(16), default="valid")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship("Product", back_populates="certificates")

    @property
    def expires_on(self) -> dt.date:
        return add_months(self.decision_date, CERTIFICATE_VALID_MONTHS)

    def state_on(self, day: dt.date | None = None) -> CertificateState:
        day = day or local_today()
        if self.state == CertificateState.REVOKED:
            return CertificateState.REVOKED
        if day >= self.expires_on:
            return CertificateState.EXPIRED
        if self.state == CertificateState.UNDER_REVIEW:
            return CertificateState.UNDER_REVIEW
        return CertificateState.VALID

    def is_valid(self, day: dt.date | None = None) -> bool:
        return self.state_on(day) == CertificateState.VALID


class ProductImage(Model):
    """A photo; the original is kept so thumbnails can be rebuilt."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    #: random name without extension; files live under UPLOAD_DIR
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: format of the re-encoded original: jpeg, png or webp
    original_format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    alt_text: Mapped[str] = mapped_column(String(200), default="", info=PLAIN_TEXT)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship("Product", back_populates="images")


#: a lot on a stamp: letters, digits and . _ - (it sits in the stamp's URL), at most 32
LOT_CODE_MAX = 32
MAX_BATCH_QUANTITY = 1_000_000


class ProductBatch(Model):
    """A production lot of a listing (lô sản xuất): what a traceability stamp (tem truy xuất) names. The producer
    enters it; the QR on each stamp opens the public page of the lot with its product, producer and certificate."""

    __tablename__ = "product_batches"
    __table_args__ = (
        UniqueConstraint("product_id", "lot_code", name="uq_product_batches_product_lot"),
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_BATCH_QUANTITY}", name="quantity_range"),
        CheckConstraint("expires_on IS NULL OR expires_on > produced_on", name="expires_after_production"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    #: stored upper-case, so a code typed from the package in either case finds its lot
    lot_code: Mapped[str] = mapped_column(String(LOT_CODE_MAX), info=PLAIN_TEXT)
    #: ngày sản xuất (NSX)
    produced_on: Mapped[dt.date] = mapped_column(Date)
    #: hạn sử dụng (HSD); empty for goods that do not expire (handicrafts)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    #: packages in the lot, as many stamps as the producer prints
    quantity: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship("Product")

    def is_expired(self, day: dt.date | None = None) -> bool:
        return self.expires_on is not None and (day or local_today()) >= self.expires_on


OCOP_GROUPS = [
    ("food", "Thực phẩm", "Food"),
    ("drinks", "Đồ uống", "Drinks"),
    ("herbal", "Dược liệu và sản phẩm từ dược liệu", "Herbal products"),
    ("handicraft", "Thủ công mỹ nghệ", "Handicrafts"),
    ("ornamental", "Sinh vật cảnh", "Ornamental plants and animals"),
    ("tourism", "Dịch vụ du lịch cộng đồng, sinh thái và điểm du lịch", "Community and eco tourism"),
]


class HubKind(enum.StrEnum):
    COOPERATIVE = "cooperative"
    COMMUNE_OFFICER = "commune_officer"
    POST_OFFICE = "post_office"


class Hub(Model):
    """A point that sells for several households (điểm bán hộ): a cooperative (HTX), a commune officer or a
    post-office point. Staff link households to it; its members confirm and ship their orders for them."""

    __tablename__ = "hubs"
    __table_args__ = (one_of("kind", HubKind, "kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True, info=PLAIN_TEXT)
    kind: Mapped[str] = mapped_column(String(24))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    commune: Mapped[str] = mapped_column(String(120), default="", info=PLAIN_TEXT)
    #: where the hub hears of its households' orders (+84…), beside its members' accounts
    phone: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    province: Mapped[Province] = relationship("Province")
    members: Mapped[list[HubMember]] = relationship("HubMember", back_populates="hub", order_by="HubMember.id",
                                                    cascade="all, delete-orphan")
    households: Mapped[list[HubHousehold]] = relationship("HubHousehold", back_populates="hub",
                                                          order_by="HubHousehold.id", cascade="all, delete-orphan")


class HubMember(Model):
    """An account that works for a hub (thành viên điểm bán): it gets the hub area."""

    __tablename__ = "hub_members"
    __table_args__ = (UniqueConstraint("hub_id", "user_id", name="uq_hub_members_hub_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    hub: Mapped[Hub] = relationship("Hub", back_populates="members")
    user: Mapped[User] = relationship("User")


class HubHousehold(Model):
    """A household a hub sells for. `producer_id` is unique: a household belongs to at most one hub, so every
    action on its orders names one hub."""

    __tablename__ = "hub_households"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), unique=True)
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    hub: Mapped[Hub] = relationship("Hub", back_populates="households")
    producer: Mapped[Producer] = relationship("Producer")
    linked_by: Mapped[User | None] = relationship("User")
