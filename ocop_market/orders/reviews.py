"""Reviews from verified buyers (đánh giá sản phẩm), issue 17.

- only the buyer of an order line whose part was delivered, within `REVIEW_DAYS` of the delivery, rates it: 1–5
  stars, a text of up to `MAX_BODY` characters, up to `MAX_PHOTOS` photos (`write_review`); one review per line
  (the unique key decides between two taps);
- its author may change stars, text and photos for `EDIT_DAYS` (`edit_review`);
- the producer, or a member of the hub linked to the household, answers once (`answer`);
- staff hide a review with a reason and unhide it (`hide`, `unhide`), audited.

The product's `rating_count` and `rating_sum` move by conditional atomic UPDATEs in the same transaction as the
review's own step, and only while the review is visible: never recomputed in Python from a read, so two reviews
written at once both count. Each step that changes a review is a compare-and-set on the review's row first, so a
double tap or two staff at once move the figures once. Each function flushes; the request commits once.

Review text is not put in the search index (the index carries only the average and count, for the sort)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..accounts.models import User
from ..accounts.notices import tell
from ..catalog import hubs, images
from ..catalog.models import Product
from ..catalog.notices import tell_hub, tell_producer
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..messaging.links import public_url
from ..timeutil import utcnow
from .models import OrderLine, OrderStatus, ProducerOrder, ProductReview, ReviewPhoto
from .returns import delivered_at

#: days after delivery within which the buyer may review (the big shops' usual window)
REVIEW_DAYS = 60
#: days after writing within which its author may change it
EDIT_DAYS = 7
MAX_PHOTOS = 3
MAX_BODY = 2000
MAX_ANSWER = 1000
MAX_REASON = 500
#: a product page shows at most this many reviews, newest first
PAGE_REVIEWS = 20


@dataclass
class ReviewInput:
    """What the buyer filled in; `stars` is the raw text of the field (checked by `parse_stars`)."""

    stars: object
    body: str
    photos: list[bytes]


def parse_stars(raw: object) -> int:
    """'1'..'5' (or the int) -> the stars; 0, 6, 1.5, 'x', True or nothing are the buyer's error, never a 500."""
    if isinstance(raw, bool):
        raise InvalidInput(_("Vui lòng chọn từ 1 đến 5 sao."))
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw or "").strip()
        if text not in ("1", "2", "3", "4", "5"):  # ASCII digits only ('١' is a digit to Python)
            raise InvalidInput(_("Vui lòng chọn từ 1 đến 5 sao."))
        value = int(text)
    if not 1 <= value <= 5:
        raise InvalidInput(_("Vui lòng chọn từ 1 đến 5 sao."))
    return value


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if len(body) > MAX_BODY:
        raise InvalidInput(_("Nhận xét dài tối đa %(n)s ký tự.", n=MAX_BODY))
    return body


# ---------------------------------------------------------------- who may see and act
def review_deadline(po: ProducerOrder) -> dt.datetime | None:
    at = delivered_at(po)
    return at + dt.timedelta(days=REVIEW_DAYS) if at is not None else None


def can_review(po: ProducerOrder, now: dt.datetime | None = None) -> bool:
    """The part was delivered and the review window is still open."""
    if po.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return False
    deadline = review_deadline(po)
    return deadline is not None and (now or utcnow()) <= deadline


def can_edit(review: ProductReview, now: dt.datetime | None = None) -> bool:
    return (now or utcnow()) <= review.created_at + dt.timedelta(days=EDIT_DAYS)


def of_line(line_id: int) -> ProductReview | None:
    return db.session.scalar(select(ProductReview).where(ProductReview.order_line_id == line_id))


def of_order(order_id: int) -> dict[int, ProductReview]:
    """The order's reviews by order line id (the order page shows each beside its line)."""
    rows = db.session.scalars(
        select(ProductReview).join(OrderLine, OrderLine.id == ProductReview.order_line_id)
        .join(ProducerOrder, ProducerOrder.id == OrderLine.producer_order_id)
        .where(ProducerOrder.order_id == order_id))
    return {r.order_line_id: r for r in rows}


def visible_for_product(product_id: int, limit: int = PAGE_REVIEWS) -> list[ProductReview]:
    """Newest first, with their authors (one join) and photos (one more statement), never one per review."""
    return list(db.session.scalars(
        select(ProductReview).where(ProductReview.product_id == product_id, ProductReview.hidden_at.is_(None))
        .options(joinedload(ProductReview.buyer), selectinload(ProductReview.photos))
        .order_by(ProductReview.created_at.desc(), ProductReview.id.desc()).limit(limit)))


def line_for_buyer(buyer: User, line_id: int) -> OrderLine:
    """Another buyer's line is 'not found', never 'forbidden'."""
    line = db.session.get(OrderLine, line_id)
    if line is None or line.producer_order.order.buyer_id != buyer.id:
        raise NotFound(_("Không tìm thấy sản phẩm trong đơn hàng của bạn."))
    return line


def for_seller(user: User, review_id: int, as_role: str) -> ProductReview:
    """The producer's own reviews; a hub member's for the households linked to its hub (403 for another)."""
    review = db.session.get(ProductReview, review_id)
    if review is None:
        raise NotFound(_("Không tìm thấy đánh giá."))
    if as_role == "hub":
        hubs.acting_hub(user, review.producer_id)
        return review
    if review.order_line.producer_order.producer.owner_id != user.id:
        raise NotFound(_("Không tìm thấy đánh giá."))
    return review


def for_staff(user: User, review_id: int) -> ProductReview:
    if user is None or not user.is_staff:
        raise NotAllowed()
    review = db.session.get(ProductReview, review_id)
    if review is None:
        raise NotFound(_("Không tìm thấy đánh giá."))
    return review


def staff_queue(hidden: bool | None = None, limit: int = 300) -> list[ProductReview]:
    """Newest first; the lowest stars first among the same day would hide nothing, so plain time order."""
    q = select(ProductReview)
    if hidden is True:
        q = q.where(ProductReview.hidden_at.is_not(None))
    elif hidden is False:
        q = q.where(ProductReview.hidden_at.is_(None))
    return list(db.session.scalars(q.order_by(ProductReview.created_at.desc(), ProductReview.id.desc()).limit(limit)))


def seller_queue(producer_ids: list[int], limit: int = 200) -> list[ProductReview]:
    """Those waiting for an answer first, in SQL before the LIMIT; hidden ones are not the seller's to answer."""
    return list(db.session.scalars(
        select(ProductReview).where(ProductReview.producer_id.in_(producer_ids), ProductReview.hidden_at.is_(None))
        .order_by(ProductReview.answered_at.is_not(None), ProductReview.created_at.desc(), ProductReview.id.desc())
        .limit(limit)))


# ---------------------------------------------------------------- the product's figures
def _count(product_id: int, stars_delta: int, count_delta: int) -> None:
    """Move the product's visible count and star sum; a decrease only while there is something to take off."""
    where = [Product.id == product_id]
    if count_delta < 0:
        where.append(Product.rating_count >= -count_delta)
    if stars_delta < 0:
        where.append(Product.rating_sum >= -stars_delta)
    changed = db.session.execute(
        update(Product).where(*where)
        .values(rating_count=Product.rating_count + count_delta, rating_sum=Product.rating_sum + stars_delta)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    if changed != 1:
        raise Conflict(_("Số liệu đánh giá của sản phẩm vừa thay đổi. Vui lòng thử lại."))
    # The UPDATE does not touch a copy of the product already loaded in this session: expire its figures, so the
    # page and the PostgreSQL search document written before the commit read the new ones.
    loaded = db.session.identity_map.get(db.session.identity_key(Product, product_id))
    if loaded is not None:
        db.session.expire(loaded, ["rating_count", "rating_sum"])


def _cas(review: ProductReview, *where, **values) -> None:
    changed = db.session.execute(
        update(ProductReview).where(ProductReview.id == review.id, *where)
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    if changed != 1:
        raise Conflict(_("Đánh giá vừa được thay đổi. Vui lòng tải lại trang."))
    db.session.refresh(review)


# ---------------------------------------------------------------- the steps
def write_review(buyer: User, line: OrderLine, data: ReviewInput, config) -> tuple[ProductReview, list[images.StoredImage]]:
    """The buyer rates a delivered line. Returns the review and the photo files written (the caller removes them
    if its commit fails, so no file outlives its row)."""
    po = line.producer_order
    if po.order.buyer_id != buyer.id:
        raise NotFound(_("Không tìm thấy sản phẩm trong đơn hàng của bạn."))
    if po.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        raise Conflict(_("Chỉ đánh giá được sau khi đã nhận hàng."))
    if not can_review(po):
        raise Conflict(_("Đã quá %(n)s ngày kể từ khi giao hàng: không còn đánh giá được.", n=REVIEW_DAYS))
    if of_line(line.id) is not None:
        raise Conflict(_("Bạn đã đánh giá sản phẩm này trong đơn hàng này."))
    stars = parse_stars(data.stars)
    body = _clean_body(data.body)
    if len(data.photos) > MAX_PHOTOS:
        raise InvalidInput(_("Gửi tối đa %(n)s ảnh.", n=MAX_PHOTOS))
    stored = _store_photos(data.photos, config)
    review = ProductReview(order_line_id=line.id, product_id=line.product_id, producer_id=po.producer_id,
                           buyer_id=buyer.id, stars=stars, body=body, created_at=utcnow())
    review.photos = [ReviewPhoto(stored_name=s.stored_name, original_format=s.original_format) for s in stored]
    try:
        with db.session.begin_nested():
            db.session.add(review)
    except IntegrityError:
        _remove(config, stored)
        if of_line(line.id) is not None:
            raise Conflict(_("Bạn đã đánh giá sản phẩm này trong đơn hàng này.")) from None
        raise
    _count(line.product_id, stars, 1)
    db.session.flush()
    _tell_seller(review)
    return review, stored


def _store_photos(data: list[bytes], config, first_number: int = 1) -> list[images.StoredImage]:
    """Store the buyer's photos; a refused one removes those stored before it and names its number."""
    stored: list[images.StoredImage] = []
    try:
        for raw in data:
            stored.append(images.store_upload(raw, config["UPLOAD_DIR"], max_bytes=config["MAX_IMAGE_BYTES"],
                                              max_pixels=config["MAX_IMAGE_PIXELS"]))
    except images.ImageRejected as exc:
        _remove(config, stored)
        raise InvalidInput(_("Ảnh %(i)s: %(msg)s", i=first_number + len(stored), msg=_(str(exc)))) from exc
    return stored


@dataclass
class Edited:
    """What an edit wrote and took away on disk: the caller removes `added` if its commit fails, and `removed`
    (the photos the buyer took off) only after it succeeds, so no file outlives its row and no row loses its file."""

    added: list[images.StoredImage]
    #: (stored name, original format) of each photo taken off
    removed: list[tuple[str, str]]


def edit_review(buyer: User, review: ProductReview, stars_raw: object, body: str,
                remove_photo_ids: frozenset[int] = frozenset(), new_photos: list[bytes] | None = None,
                config=None) -> Edited:
    """Its author changes stars, text and photos within `EDIT_DAYS` (at most `MAX_PHOTOS` kept); a visible review
    moves the product's sum by the difference (the compare-and-set on the old stars keeps two edits at once from
    counting twice)."""
    if review.buyer_id != buyer.id:
        raise NotFound(_("Không tìm thấy đánh giá."))
    if not can_edit(review):
        raise Conflict(_("Chỉ sửa được đánh giá trong %(n)s ngày sau khi viết.", n=EDIT_DAYS))
    stars = parse_stars(stars_raw)
    body = _clean_body(body)
    new_photos = new_photos or []
    kept = [ph for ph in review.photos if ph.id not in remove_photo_ids]
    if len(kept) + len(new_photos) > MAX_PHOTOS:
        raise InvalidInput(_("Gửi tối đa %(n)s ảnh.", n=MAX_PHOTOS))
    added = _store_photos(new_photos, config, len(kept) + 1) if new_photos else []
    old, hidden = review.stars, review.is_hidden
    try:
        _cas(review, ProductReview.stars == old, ProductReview.hidden_at.is_(None) if not hidden
             else ProductReview.hidden_at.is_not(None), stars=stars, body=body, edited_at=utcnow())
    except Conflict:
        _remove(config, added)
        raise
    removed = [(ph.stored_name, ph.original_format) for ph in review.photos if ph.id in remove_photo_ids]
    review.photos = kept + [ReviewPhoto(stored_name=s.stored_name, original_format=s.original_format) for s in added]
    if not hidden and stars != old:
        _count(review.product_id, stars - old, 0)
    db.session.flush()
    return Edited(added, removed)


def answer(review: ProductReview, actor: User, text: str, as_role: str = "producer", text_en: str = "") -> None:
    """The producer, or a member of the hub linked to the household, answers once; optionally also in English,
    which English visitors then read instead (a household seldom writes English: a hub often does)."""
    if actor is None:
        raise NotAllowed()
    hub_id = None
    if as_role == "hub":
        hub_id = hubs.acting_hub(actor, review.producer_id).id
    elif review.order_line.producer_order.producer.owner_id != actor.id:
        raise NotFound(_("Không tìm thấy đánh giá."))
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Vui lòng viết câu trả lời."))
    text_en = (text_en or "").strip()
    if len(text) > MAX_ANSWER or len(text_en) > MAX_ANSWER:
        raise InvalidInput(_("Câu trả lời dài tối đa %(n)s ký tự.", n=MAX_ANSWER))
    if review.answered_at is not None:
        raise Conflict(_("Đánh giá này đã được trả lời."))
    try:
        _cas(review, ProductReview.answered_at.is_(None), answer=text, answer_en=text_en, answered_at=utcnow(),
             answered_by_id=actor.id, answered_hub_id=hub_id)
    except Conflict:
        raise Conflict(_("Đánh giá này đã được trả lời.")) from None
    db.session.flush()
    _tell_author(review, "answered")


def hide(review: ProductReview, actor: User, reason: str) -> None:
    """Staff take a review off the public pages, with a reason its author reads; it leaves the average."""
    if actor is None or not actor.is_staff:
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Vui lòng ghi lý do ẩn đánh giá."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("Lý do dài tối đa %(n)s ký tự.", n=MAX_REASON))
    try:
        _cas(review, ProductReview.hidden_at.is_(None), hidden_at=utcnow(), hidden_by_id=actor.id,
             hidden_reason=reason)
    except Conflict:
        raise Conflict(_("Đánh giá này đã bị ẩn.")) from None
    _count(review.product_id, -review.stars, -1)
    audit.record(actor.id, "review.hide", "product_review", review.id, product_id=review.product_id,
                 stars=review.stars, reason=reason)
    db.session.flush()
    _tell_author(review, "hidden")


def unhide(review: ProductReview, actor: User) -> None:
    if actor is None or not actor.is_staff:
        raise NotAllowed()
    try:
        _cas(review, ProductReview.hidden_at.is_not(None), hidden_at=None, hidden_by_id=None, hidden_reason="")
    except Conflict:
        raise Conflict(_("Đánh giá này đang hiện.")) from None
    _count(review.product_id, review.stars, 1)
    audit.record(actor.id, "review.unhide", "product_review", review.id, product_id=review.product_id,
                 stars=review.stars)
    db.session.flush()


# ---------------------------------------------------------------- who hears of it (outbox, in the step's transaction)
def _params(review: ProductReview, step: str) -> dict:
    po = review.order_line.producer_order
    return {"step": step, "code": po.order.code, "product": review.order_line.product_name, "stars": review.stars,
            "producer": po.producer.name, "body": review.body[:300], "answer": review.answer[:300],
            "reason": review.hidden_reason[:200]}


def _tell_seller(review: ProductReview) -> None:
    """A new review: the household (by SMS when that is all it has) and its hub, with the page to answer on."""
    params = _params(review, "written")
    producer = review.order_line.producer_order.producer
    tell_producer(producer, event_key=f"review:{review.id}:written", template="review_update",
                  params={**params, "link": public_url("producer_reviews.detail", review_id=review.id) or ""})
    hub = hubs.active_hub_of_producer(producer.id)
    if hub is not None:
        tell_hub(hub, event_key=f"review:{review.id}:written:hub", template="review_update",
                 params={**params, "link": public_url("hub_reviews.detail", review_id=review.id) or ""})


def _tell_author(review: ProductReview, step: str) -> None:
    """The answer, or the hiding and its reason, to the review's author: by e-mail when they have one, else SMS
    (one message, not both: this is news, not an order they wait for)."""
    buyer = review.buyer
    order = review.order_line.producer_order.order
    tell(event_key=f"review:{review.id}:{step}", template="review_update",
         params={**_params(review, step), "link": public_url("orders.order_detail", code=order.code) or ""},
         email=buyer.email, phone=None if buyer.email else (buyer.phone or order.phone), user=buyer)


def _remove(config, stored: list[images.StoredImage]) -> None:
    for s in stored:
        images.delete_files(config["UPLOAD_DIR"], s.stored_name, s.original_format)
