"""Production lots and their traceability stamps (tem truy xuất nguồn gốc): the producer records a lot of a listing
(production date, quantity, lot code, expiry if any) and prints a sheet of QR stamps; each QR opens the lot's public
page, where a buyer in a shop checks the product, the producer, the OCOP certificate and its validity, and the lot.

Services only flush; the view commits."""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import segno
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..timeutil import local_today
from .models import (
    LOT_CODE_MAX,
    MAX_BATCH_QUANTITY,
    Producer,
    ProducerStatus,
    Product,
    ProductBatch,
    ProductStatus,
)

_LOT_CODE = re.compile(rf"^[A-Z0-9][A-Z0-9._-]{{0,{LOT_CODE_MAX - 1}}}$")
#: the oldest production date a lot may have: goods made before it are not on sale any more
OLDEST_PRODUCTION = dt.date(2000, 1, 1)
#: the longest shelf life a lot may state (rice wine, dried goods keep a few years; ten is a typo's bound)
LONGEST_SHELF_LIFE_YEARS = 10
#: a stamp sheet: 4 columns × 8 rows on A4 (each stamp 47 × 34 mm, a QR of 24 mm that any phone reads)
STAMPS_PER_SHEET = 32


@dataclass
class BatchData:
    lot_code: str
    produced_on: dt.date
    quantity: int
    expires_on: dt.date | None = None


def normalise_lot_code(raw: str) -> str:
    return (raw or "").strip().upper()


def is_lot_code(code: str) -> bool:
    return bool(_LOT_CODE.match(code))


def check_batch(data: BatchData, today: dt.date | None = None) -> BatchData:
    """The rules of a lot, whoever enters it; each refusal says what to fix, in the user's language."""
    today = today or local_today()
    code = normalise_lot_code(data.lot_code)
    if not is_lot_code(code):
        raise InvalidInput(_("Mã lô chỉ gồm chữ cái không dấu, chữ số và . _ - (tối đa %(n)s ký tự), ví dụ L2512-01.",
                             n=LOT_CODE_MAX), parameter="lot_code")
    if data.produced_on > today:
        raise InvalidInput(_("Ngày sản xuất không thể ở tương lai."), parameter="produced_on")
    if data.produced_on < OLDEST_PRODUCTION:
        raise InvalidInput(_("Ngày sản xuất quá xa (trước %(d)s).", d=OLDEST_PRODUCTION.strftime("%d/%m/%Y")),
                           parameter="produced_on")
    if not 1 <= data.quantity <= MAX_BATCH_QUANTITY:
        raise InvalidInput(_("Số lượng của lô phải từ 1 đến %(n)s.", n=f"{MAX_BATCH_QUANTITY:,}".replace(",", ".")),
                           parameter="quantity")
    if data.expires_on is not None:
        if data.expires_on <= data.produced_on:
            raise InvalidInput(_("Hạn sử dụng phải sau ngày sản xuất."), parameter="expires_on")
        latest = data.produced_on.replace(year=data.produced_on.year + LONGEST_SHELF_LIFE_YEARS) \
            if not (data.produced_on.month == 2 and data.produced_on.day == 29) \
            else dt.date(data.produced_on.year + LONGEST_SHELF_LIFE_YEARS, 2, 28)
        if data.expires_on > latest:
            raise InvalidInput(_("Hạn sử dụng quá xa (hơn %(n)s năm sau ngày sản xuất).", n=LONGEST_SHELF_LIFE_YEARS),
                               parameter="expires_on")
    return BatchData(code, data.produced_on, data.quantity, data.expires_on)


def add_batch(actor: User | None, product: Product, data: BatchData) -> ProductBatch:
    """Record a lot of the producer's own listing (the caller found it with `services.owned_product`)."""
    data = check_batch(data)
    duplicate = _conflict_message(data.lot_code)
    if db.session.scalar(select(ProductBatch.id).where(ProductBatch.product_id == product.id,
                                                       ProductBatch.lot_code == data.lot_code)):
        raise Conflict(duplicate, parameter="lot_code")
    batch = ProductBatch(product_id=product.id, lot_code=data.lot_code, produced_on=data.produced_on,
                         quantity=data.quantity, expires_on=data.expires_on,
                         created_by_id=actor.id if actor is not None else None)
    try:
        with db.session.begin_nested():  # two tabs saving the same code at once: the unique key decides
            db.session.add(batch)
    except IntegrityError:
        raise Conflict(duplicate, parameter="lot_code") from None
    return batch


def _conflict_message(code: str) -> str:
    return _("Sản phẩm này đã có lô mã “%(code)s”; mỗi lô một mã.", code=code)


def batches_of(product: Product) -> list[ProductBatch]:
    return list(db.session.scalars(select(ProductBatch).where(ProductBatch.product_id == product.id)
                                   .order_by(ProductBatch.produced_on.desc(), ProductBatch.id.desc())))


def batch_of(product: Product, batch_id: int) -> ProductBatch:
    """A lot of a listing already found for its owner; a lot of another listing is not found."""
    batch = db.session.scalar(select(ProductBatch).where(ProductBatch.id == batch_id,
                                                         ProductBatch.product_id == product.id))
    if batch is None:
        raise NotFound(_("Không tìm thấy lô hàng."))
    return batch


def traced_batch(product_slug: str, lot_code: str) -> ProductBatch:
    """The lot a stamp names, for anyone who scans it. A listing once on sale keeps answering after it is archived
    (its packages are still on shelves); a draft, a refused listing or an unverified producer has no public lot.
    An unknown code is a clear 'not found': the stamp may be forged."""
    code = normalise_lot_code(lot_code)
    batch = db.session.scalar(
        select(ProductBatch).join(ProductBatch.product).join(Product.producer)
        .where(Product.slug == product_slug, ProductBatch.lot_code == code,
               Product.status.in_([ProductStatus.APPROVED, ProductStatus.ARCHIVED]),
               Producer.status == ProducerStatus.VERIFIED)
    ) if is_lot_code(code) else None
    if batch is None:
        raise NotFound(_("Không tìm thấy lô hàng mã “%(code)s” của sản phẩm này. Tem có thể bị làm giả hoặc in sai: "
                         "đừng mua khi chưa hỏi người bán, và báo cho Chợ OCOP.", code=code[:LOT_CODE_MAX]))
    return batch


def qr_svg(url: str) -> bytes:
    """The stamp's QR code (error correction M: a scratched corner still reads)."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, border=1, dark="#000000")
    return buf.getvalue()
