"""Issue 17, reviews from verified buyers: only the buyer of a delivered line rates it (1–5 stars, text, up to 3
photos) within 60 days of delivery, once per line, editable for 7 days; the producer (or the household's hub)
answers once; staff hide with a reason (audited) and unhide; the product keeps the visible average and count as
columns, shown on cards and the product page, fresh for anonymous visitors despite the response cache."""
from __future__ import annotations

import datetime as dt
import io
import os

import flask_babel
import pytest
from sqlalchemy import func, select

from ocop_market.audit import AuditEntry
from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.orders import reviews
from ocop_market.orders.models import Order, OrderLine, ProducerOrder, ProductReview
from tests.conftest import csrf_from, make_product, make_user, png_bytes
from tests.functional.test_hubs import world  # noqa: F401  (the fixture: a hub's member, household, outsider)
from tests.functional.test_orders import _place, add, checkout, shop  # noqa: F401  (the fixture)
from tests.functional.test_returns import deliver, part_of


def write(client, order, line, stars="5", body="Hạt dẻ bùi, thơm, đóng gói cẩn thận.", photos=()):
    token = csrf_from(client.get(f"/don-hang/{order.code}").get_data(as_text=True))
    data = {"csrf_token": token, "stars": stars, "body": body}
    if photos:
        data["photos"] = [(io.BytesIO(png), f"anh{i}.png") for i, png in enumerate(photos)]
    return client.post(f"/don-hang/{order.code}/danh-gia/{line.id}", data=data, content_type="multipart/form-data")


def figures(product) -> tuple[int, int]:
    db.session.expire_all()
    p = db.session.get_one(Product, product.id)
    return p.rating_count, p.rating_sum


def the_review() -> ProductReview:
    db.session.expire_all()
    return db.session.scalars(select(ProductReview)).one()


def delivered_order(client, auth, shop):  # noqa: F811
    order = _place(client, auth, shop)  # 2 chestnut bags (Hộ bà Hoa), 1 noodle pack (HTX)
    po = part_of(order, shop["pa"].id)
    deliver(po.id)
    return order, db.session.get_one(ProducerOrder, po.id)


def _files(root):
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            yield os.path.join(dirpath, name)


def test_a_buyer_rates_a_delivered_line_and_the_product_page_shows_it_to_visitors(client, auth, shop):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    other = part_of(order, shop["pb"].id)
    line = po.lines[0]
    slug = shop["chestnut"].slug
    # A visitor's product page is cached before any review.
    assert "Chưa có đánh giá nào" in client.get(f"/san-pham/{slug}").get_data(as_text=True)
    auth.login("mua@khach.vn")
    page = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert f"/don-hang/{order.code}/danh-gia/{line.id}" in page
    assert f"/danh-gia/{other.lines[0].id}" not in page  # not delivered yet
    form = client.get(f"/don-hang/{order.code}/danh-gia/{line.id}").get_data(as_text=True)
    assert "60 ngày" in form
    resp = write(client, order, line, "4", photos=[png_bytes()])
    assert resp.status_code == 302, resp.get_data(as_text=True)
    review = the_review()
    assert (review.stars, review.product_id, review.buyer_id, len(review.photos)) == (
        4, shop["chestnut"].id, shop["buyer"].id, 1)
    assert figures(shop["chestnut"]) == (1, 4)
    # The order page now shows the stars and offers to change them.
    page = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert "Sửa đánh giá" in page
    # A second review of the same line is the same review, changed: the count stays one.
    assert write(client, order, line, "2", body="Sau vài ngày thấy hơi ẩm.").status_code == 302
    assert figures(shop["chestnut"]) == (1, 2)
    assert db.session.scalar(select(func.count(ProductReview.id))) == 1
    auth.logout()
    # The visitor sees it at once (the response cache's generation moved), with the average on the page and card.
    html = client.get(f"/san-pham/{slug}").get_data(as_text=True)
    assert "Sau vài ngày thấy hơi ẩm." in html and "2,0/5" in html and "1 đánh giá" in html
    photo = client.get(f"/danh-gia/{review.id}/anh/{review.photos[0].id}")
    assert photo.status_code == 200 and photo.headers["Cache-Control"].startswith("public")
    listing = client.get("/san-pham").get_data(as_text=True)
    assert "2,0/5 · 1 đánh giá" in listing


def test_two_buyers_reviews_add_up_and_english_reads_the_average(client, auth, shop, app):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    buyer2 = make_user("mua2@khach.vn")
    # A second buyer's delivered order of the same product.
    auth.login("mua2@khach.vn")
    add(client, shop["chestnut"], "1")
    checkout(client)
    auth.logout()
    order2 = db.session.scalars(select(Order).where(Order.buyer_id == buyer2.id)).one()
    po2 = deliver(part_of(order2, shop["pa"].id).id)
    reviews.write_review(shop["buyer"], db.session.get_one(OrderLine, po.lines[0].id),
                         reviews.ReviewInput("5", "", []), app.config)
    reviews.write_review(buyer2, po2.lines[0], reviews.ReviewInput(4, "", []), app.config)
    db.session.commit()
    assert figures(shop["chestnut"]) == (2, 9)
    flask_babel.refresh()  # the services above ran in the test's app context, which the requests share
    client.set_cookie("lang", "en", domain="localhost")
    html = client.get(f"/san-pham/{shop['chestnut'].slug}").get_data(as_text=True)
    assert "4.5/5" in html and "2 reviews" in html


@pytest.mark.parametrize("stars", ["0", "6", "1.5", "x", "", "-1", "10000000000000000000"])
def test_out_of_range_stars_are_a_vietnamese_form_error_and_keep_nothing(client, auth, shop, app, stars):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    auth.login("mua@khach.vn")
    before = set(_files(app.config["UPLOAD_DIR"]))
    resp = write(client, order, po.lines[0], stars, photos=[png_bytes()])
    assert resp.status_code == 400
    assert "Vui lòng chọn từ 1 đến 5 sao." in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProductReview.id))) == 0
    assert figures(shop["chestnut"]) == (0, 0)
    assert set(_files(app.config["UPLOAD_DIR"])) == before


@pytest.mark.parametrize(("change", "message"), [
    ({"body": "x" * 2001}, "Tối đa 2000 ký tự."),
    ({"photos": [png_bytes()] * 4}, "Gửi tối đa 3 ảnh."),
    ({"photos": [b"not an image"]}, "Ảnh 1:"),
])
def test_a_bad_review_is_refused_with_a_message_and_keeps_nothing(client, auth, shop, app, change, message):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    auth.login("mua@khach.vn")
    before = set(_files(app.config["UPLOAD_DIR"]))
    resp = write(client, order, po.lines[0], "5", body=change.get("body", "Ngon."), photos=change.get("photos", ()))
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProductReview.id))) == 0
    assert set(_files(app.config["UPLOAD_DIR"])) == before


def test_parse_stars_accepts_one_to_five_only():
    assert [reviews.parse_stars(s) for s in ("1", "5", 3, " 2 ")] == [1, 5, 3, 2]
    for bad in ("0", "6", "1.5", "x", "", None, True, 7, "١"):
        with pytest.raises(reviews.InvalidInput):
            reviews.parse_stars(bad)


def test_only_a_delivered_line_within_sixty_days_and_edits_within_seven(client, auth, shop, monkeypatch):  # noqa: F811
    order = _place(client, auth, shop)
    po = part_of(order, shop["pa"].id)
    line = po.lines[0]
    auth.login("mua@khach.vn")
    # Not delivered yet: no offer, and posting anyway keeps nothing.
    assert client.get(f"/don-hang/{order.code}/danh-gia/{line.id}").status_code == 303
    assert write(client, order, line).status_code == 303
    deliver(po.id)
    real = reviews.utcnow()
    monkeypatch.setattr(reviews, "utcnow", lambda: real + dt.timedelta(days=61))
    assert f"/danh-gia/{line.id}" not in client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert write(client, order, line).status_code == 303
    assert db.session.scalar(select(func.count(ProductReview.id))) == 0
    monkeypatch.setattr(reviews, "utcnow", lambda: real + dt.timedelta(days=59))
    assert write(client, order, line, "3").status_code == 302
    # Editable for 7 days from writing, not after.
    monkeypatch.setattr(reviews, "utcnow", lambda: real + dt.timedelta(days=59 + 8))
    assert write(client, order, line, "1").status_code == 303
    assert the_review().stars == 3 and figures(shop["chestnut"]) == (1, 3)


def _edit(client, order, line, remove=(), photos=(), stars="4", body="Sửa lại ảnh."):
    token = csrf_from(client.get(f"/don-hang/{order.code}/danh-gia/{line.id}").get_data(as_text=True))
    data = {"csrf_token": token, "stars": stars, "body": body, "bo_anh": [str(i) for i in remove]}
    if photos:
        data["photos"] = [(io.BytesIO(png), f"moi{i}.png") for i, png in enumerate(photos)]
    return client.post(f"/don-hang/{order.code}/danh-gia/{line.id}", data=data, content_type="multipart/form-data")


def test_its_author_changes_the_photos_too_within_seven_days(client, auth, shop, app):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    line = po.lines[0]
    auth.login("mua@khach.vn")
    assert write(client, order, line, "5", photos=[png_bytes(), png_bytes()]).status_code == 302
    first, second = the_review().photos
    page = client.get(f"/don-hang/{order.code}/danh-gia/{line.id}").get_data(as_text=True)
    assert f'name="bo_anh" value="{first.id}"' in page and "Bỏ ảnh số 2" in page
    on_disk = set(_files(app.config["UPLOAD_DIR"]))
    # Two kept + two new = four: refused whole; the review, its photos and the disk stay as they were.
    resp = _edit(client, order, line, photos=[png_bytes(), png_bytes()])
    assert resp.status_code == 400 and "Gửi tối đa 3 ảnh." in resp.get_data(as_text=True)
    assert [ph.id for ph in the_review().photos] == [first.id, second.id] and the_review().stars == 5
    assert set(_files(app.config["UPLOAD_DIR"])) == on_disk
    # A bad file among the new ones: refused, nothing kept.
    resp = _edit(client, order, line, remove=[first.id], photos=[png_bytes(), b"not an image"])
    assert resp.status_code == 400 and "Ảnh 3:" in resp.get_data(as_text=True)
    assert len(the_review().photos) == 2 and set(_files(app.config["UPLOAD_DIR"])) == on_disk
    # Take the first off and add one: the first's files go, the new one's come, the stars move the figures.
    assert _edit(client, order, line, remove=[first.id, 999999], photos=[png_bytes()]).status_code == 302
    review = the_review()
    assert len(review.photos) == 2 and review.photos[0].id == second.id and review.stars == 4
    assert figures(shop["chestnut"]) == (1, 4)
    now = set(_files(app.config["UPLOAD_DIR"]))
    assert not any(first.stored_name in f for f in now) and any(second.stored_name in f for f in now)
    assert any(review.photos[1].stored_name in f for f in now)
    auth.logout()
    assert client.get(f"/danh-gia/{review.id}/anh/{first.id}").status_code == 404
    assert client.get(f"/danh-gia/{review.id}/anh/{review.photos[1].id}").status_code == 200


def test_nobody_else_writes_sees_or_answers_a_review(client, auth, shop):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    line = po.lines[0]
    make_user("khac@khach.vn")
    auth.login("mua@khach.vn")
    write(client, order, line, "5")
    review = the_review()
    auth.logout()
    # Another buyer: not their order or line; the review is not theirs to change.
    auth.login("khac@khach.vn")
    assert client.get(f"/don-hang/{order.code}/danh-gia/{line.id}").status_code == 404
    assert write(client, order, line, "1").status_code == 404
    assert client.get(f"/gian-hang/danh-gia/{review.id}").status_code == 403
    assert client.get(f"/quan-tri/danh-gia/{review.id}").status_code == 403
    auth.logout()
    # The other producer of the same order: not found, and its answer changes nothing.
    auth.login("b@ho.vn")
    assert client.get(f"/gian-hang/danh-gia/{review.id}").status_code == 404
    token = csrf_from(client.get("/gian-hang/danh-gia/").get_data(as_text=True))
    assert client.post(f"/gian-hang/danh-gia/{review.id}", data={"csrf_token": token,
                                                                 "answer": "Không phải hàng của tôi"}).status_code == 404
    assert the_review().answer == ""
    # A hub member not linked to this household: 403.
    assert client.get(f"/trung-tam/danh-gia/{review.id}").status_code == 403
    assert figures(shop["chestnut"]) == (1, 5)


def test_the_producer_answers_once_and_the_answer_shows_under_the_review(client, auth, shop):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    auth.login("mua@khach.vn")
    write(client, order, po.lines[0], "3", body="Giao hơi chậm.")
    review = the_review()
    auth.logout()
    auth.login("a@ho.vn")
    listing = client.get("/gian-hang/danh-gia/").get_data(as_text=True)
    assert "Chưa trả lời" in listing
    page = client.get(f"/gian-hang/danh-gia/{review.id}").get_data(as_text=True)
    assert "Giao hơi chậm." in page
    token = csrf_from(page)
    resp = client.post(f"/gian-hang/danh-gia/{review.id}", data={"csrf_token": token, "answer": ""})
    assert resp.status_code == 400 and "Vui lòng viết câu trả lời." in resp.get_data(as_text=True)
    assert client.post(f"/gian-hang/danh-gia/{review.id}",
                       data={"csrf_token": token, "answer": "Cảm ơn anh chị, lần sau sẽ giao sớm hơn."}).status_code == 302
    # Once only: a second answer is refused and the first stays.
    resp = client.post(f"/gian-hang/danh-gia/{review.id}", data={"csrf_token": token, "answer": "Sửa lại"})
    assert resp.status_code == 409 and "đã được trả lời" in resp.get_data(as_text=True)
    assert the_review().answer == "Cảm ơn anh chị, lần sau sẽ giao sớm hơn."
    auth.logout()
    html = client.get(f"/san-pham/{shop['chestnut'].slug}").get_data(as_text=True)
    assert "Người bán trả lời:" in html and "lần sau sẽ giao sớm hơn" in html


def test_an_answer_given_in_english_too_is_what_english_visitors_read(client, auth, shop):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    auth.login("mua@khach.vn")
    write(client, order, po.lines[0], "4", body="Ngon, giao nhanh.")
    review = the_review()
    auth.logout()
    auth.login("a@ho.vn")
    token = csrf_from(client.get(f"/gian-hang/danh-gia/{review.id}").get_data(as_text=True))
    resp = client.post(f"/gian-hang/danh-gia/{review.id}",
                       data={"csrf_token": token, "answer": "Cảm ơn chị!", "answer_en": "x" * 1001})
    assert resp.status_code == 400 and "Tối đa 1000 ký tự." in resp.get_data(as_text=True)
    assert the_review().answered_at is None  # refused whole: nothing kept
    assert client.post(f"/gian-hang/danh-gia/{review.id}", data={
        "csrf_token": token, "answer": "Cảm ơn chị đã ủng hộ!", "answer_en": "Thank you for your support!"},
    ).status_code == 302
    auth.logout()
    url = f"/san-pham/{shop['chestnut'].slug}"
    vi = client.get(url).get_data(as_text=True)
    assert "Cảm ơn chị đã ủng hộ!" in vi and "Thank you for your support!" not in vi
    flask_babel.refresh()  # the requests above ran in the test's app context, which keeps its locale
    client.set_cookie("lang", "en", domain="localhost")
    en = client.get(url).get_data(as_text=True)
    assert '<span lang="en">Thank you for your support!</span>' in en and "Cảm ơn chị đã ủng hộ!" not in en


def test_an_answer_in_vietnamese_only_is_shown_to_english_visitors_marked_as_vietnamese(client, auth, shop):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    auth.login("mua@khach.vn")
    write(client, order, po.lines[0], "5")
    review = the_review()
    auth.logout()
    auth.login("a@ho.vn")
    token = csrf_from(client.get(f"/gian-hang/danh-gia/{review.id}").get_data(as_text=True))
    client.post(f"/gian-hang/danh-gia/{review.id}", data={"csrf_token": token, "answer": "Cảm ơn anh!"})
    auth.logout()
    flask_babel.refresh()
    client.set_cookie("lang", "en", domain="localhost")
    en = client.get(f"/san-pham/{shop['chestnut'].slug}").get_data(as_text=True)
    assert '<span lang="vi">Cảm ơn anh!</span>' in en  # a screen reader reads it with Vietnamese voice


def _told(step: str) -> list:
    from ocop_market.messaging.models import OutboundMessage
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMessage).where(OutboundMessage.template == "review_update",
                                                                 OutboundMessage.event_key.like(f"%:{step}%"))))


def test_the_seller_hears_of_a_review_and_its_author_of_the_answer_and_of_hiding(client, auth, shop, app):  # noqa: F811
    from ocop_market.messaging.rendering import render
    order, po = delivered_order(client, auth, shop)
    auth.login("mua@khach.vn")
    write(client, order, po.lines[0], "2", body="Hạt bị ẩm.")
    review = the_review()
    to_seller = _told("written")
    assert [m.recipient for m in to_seller] == ["a@ho.vn"] and to_seller[0].event_key == f"review:{review.id}:written"
    text = render("review_update", "email", "vi", to_seller[0].params).text
    assert "2/5 sao" in text and "Hạt bị ẩm." in text and f"/gian-hang/danh-gia/{review.id}" in text
    assert _told("answered") == []
    auth.logout()
    auth.login("a@ho.vn")
    token = csrf_from(client.get(f"/gian-hang/danh-gia/{review.id}").get_data(as_text=True))
    client.post(f"/gian-hang/danh-gia/{review.id}", data={"csrf_token": token, "answer": "Xin lỗi chị, em gửi bù."})
    answered = _told("answered")
    assert [(m.recipient, m.channel) for m in answered] == [("mua@khach.vn", "email")]
    assert "Xin lỗi chị, em gửi bù." in render("review_update", "email", "vi", answered[0].params).text
    reviews.hide(the_review(), make_user("canbo@tinh.vn", role="staff"), "Có số điện thoại cá nhân.")
    db.session.commit()
    hidden = _told("hidden")
    assert len(hidden) == 1 and "Có số điện thoại cá nhân." in render(
        "review_update", "email", "vi", hidden[0].params).text
    # Told once per step: the same event again writes nothing more.
    assert len(_told("written")) == 1


def test_a_hub_member_answers_for_its_household(client, auth, world):  # noqa: F811
    from tests.functional.test_hubs import _hub
    from tests.functional.test_hubs import _place as place_for_hub

    hub = _hub(world)
    product = make_product(world["linked"], stock=5)
    buyer = make_user("mai@khach.vn")
    order = place_for_hub(world, product, buyer=buyer)
    po = deliver(order.producer_orders[0].id)
    review, _stored = reviews.write_review(buyer, po.lines[0], reviews.ReviewInput("5", "Tuyệt vời", []), {})
    db.session.commit()
    auth.login("htx@ocop.vn")
    assert product.name in client.get("/trung-tam/danh-gia/").get_data(as_text=True)
    page = client.get(f"/trung-tam/danh-gia/{review.id}")
    assert page.status_code == 200 and "Tuyệt vời" in page.get_data(as_text=True)
    resp = client.post(f"/trung-tam/danh-gia/{review.id}",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)), "answer": "Cảm ơn chị!"})
    assert resp.status_code == 302
    review = the_review()
    assert review.answer == "Cảm ơn chị!" and review.answered_hub_id == hub.id
    # An account that is no hub's member: the area itself refuses (403).
    auth.logout()
    auth.login("khac@ocop.vn")
    assert client.get(f"/trung-tam/danh-gia/{review.id}").status_code == 403


def test_staff_hide_with_a_reason_audited_and_the_average_leaves_it_then_unhide(client, auth, shop):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    make_user("canbo@tinh.vn", role="staff")
    auth.login("mua@khach.vn")
    write(client, order, po.lines[0], "1", body="Lời lẽ xúc phạm người bán")
    review = the_review()
    auth.logout()
    auth.login("canbo@tinh.vn")
    queue = client.get("/quan-tri/danh-gia/").get_data(as_text=True)
    assert shop["chestnut"].name in queue
    page = client.get(f"/quan-tri/danh-gia/{review.id}").get_data(as_text=True)
    token = csrf_from(page)
    resp = client.post(f"/quan-tri/danh-gia/{review.id}/an", data={"csrf_token": token, "reason": ""})
    assert resp.status_code == 400 and "Vui lòng ghi lý do ẩn đánh giá." in resp.get_data(as_text=True)
    assert figures(shop["chestnut"]) == (1, 1)
    assert client.post(f"/quan-tri/danh-gia/{review.id}/an",
                       data={"csrf_token": token, "reason": "Ngôn từ không phù hợp"}).status_code == 302
    # Twice is once: the figures move once.
    assert client.post(f"/quan-tri/danh-gia/{review.id}/an",
                       data={"csrf_token": token, "reason": "Lần nữa"}).status_code == 409
    assert figures(shop["chestnut"]) == (0, 0)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review.hide")).one()
    assert "Ngôn từ không phù hợp" in entry.detail
    auth.logout()
    html = client.get(f"/san-pham/{shop['chestnut'].slug}").get_data(as_text=True)
    assert "Lời lẽ xúc phạm" not in html and "Chưa có đánh giá nào" in html
    # The author still sees it on the order, with the reason; the photo-less review is not public any more.
    auth.login("mua@khach.vn")
    page = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    assert "Đã bị ẩn" in page and "Ngôn từ không phù hợp" in page
    auth.logout()
    auth.login("canbo@tinh.vn")
    token = csrf_from(client.get(f"/quan-tri/danh-gia/{review.id}").get_data(as_text=True))
    assert client.post(f"/quan-tri/danh-gia/{review.id}/hien", data={"csrf_token": token}).status_code == 302
    assert figures(shop["chestnut"]) == (1, 1)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "review.unhide")) == 1
    auth.logout()
    assert "Lời lẽ xúc phạm" in client.get(f"/san-pham/{shop['chestnut'].slug}").get_data(as_text=True)


def test_a_hidden_reviews_photo_is_for_the_parties_only(client, auth, shop, app):  # noqa: F811
    order, po = delivered_order(client, auth, shop)
    staff = make_user("canbo@tinh.vn", role="staff")
    auth.login("mua@khach.vn")
    write(client, order, po.lines[0], "2", photos=[png_bytes()])
    review = the_review()
    url = f"/danh-gia/{review.id}/anh/{review.photos[0].id}"
    reviews.hide(review, staff, "Ảnh không liên quan")
    db.session.commit()
    assert client.get(url).status_code == 200  # its author
    auth.logout()
    assert client.get(url).status_code == 404  # a visitor
    auth.login("b@ho.vn")
    assert client.get(url).status_code == 404  # another producer
