"""Issue 14: every action that cannot be undone asks first, on a page that works without JavaScript.

The page offering the action links to the action's own URL; a GET there is the confirm page (a POST form with
the CSRF token and confirmed=1); a POST without confirmed=1 shows the same page and changes nothing.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ocop_market.catalog.models import Producer, Product
from ocop_market.extensions import db
from ocop_market.orders.models import OrderStatus, ProducerOrder
from ocop_market.payments.models import Payout
from tests.conftest import csrf_from, make_producer, make_product, make_user
from tests.functional.test_hubs import _hub, world  # noqa: F401  (the fixture)
from tests.functional.test_hubs import _place as place_for_hub
from tests.functional.test_orders import _place, shop  # noqa: F401  (the fixture)


def confirm_form(html: str) -> dict:
    """The confirm page's one POST form: its action and fields, as a browser without JavaScript would send it."""
    m = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
    assert m, "no POST form on the confirm page"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', m.group(2)))
    return {"action": m.group(1), "fields": fields}


def status_of(po_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ProducerOrder, po_id).status


def test_buyer_cancel_asks_first_and_only_the_confirm_page_cancels(client, auth, shop):  # noqa: F811
    order = _place(client, auth, shop)
    po = next(p for p in order.producer_orders if p.producer_id == shop["pa"].id)
    auth.login("mua@khach.vn")
    detail = client.get(f"/don-hang/{order.code}").get_data(as_text=True)
    # "Hủy phần đơn này" is a link now, not a button that cancels at once.
    assert re.search(rf'<a class="btn btn-danger btn-small" href="/don-hang/{order.code}/huy/{po.id}" data-confirm-dialog>Hủy phần đơn này</a>',
                     detail)
    page = client.get(f"/don-hang/{order.code}/huy/{po.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Hủy phần đơn này?" in html and "Phần đơn của “Hộ bà Hoa” sẽ bị hủy và không được giao." in html
    assert "Hạt dẻ Trùng Khánh × 2" in html and "330.000" in html and "Việc này không hoàn tác được." in html
    assert f'href="/don-hang/{order.code}"' in html  # the way back
    form = confirm_form(html)
    assert form["action"] == f"/don-hang/{order.code}/huy/{po.id}" and form["fields"]["confirmed"] == "1"
    assert form["fields"]["csrf_token"]
    assert status_of(po.id) == OrderStatus.PLACED
    # A POST that did not come from the confirm page only shows it.
    again = client.post(form["action"], data={"csrf_token": form["fields"]["csrf_token"]})
    assert again.status_code == 200 and "Hủy phần đơn này?" in again.get_data(as_text=True)
    assert status_of(po.id) == OrderStatus.PLACED
    # Without the token the confirm page's own POST is refused.
    assert client.post(form["action"], data={"confirmed": "1"}).status_code == 400
    assert status_of(po.id) == OrderStatus.PLACED
    done = client.post(form["action"], data=form["fields"])
    assert done.status_code == 302 and done.headers["Location"] == f"/don-hang/{order.code}"
    assert status_of(po.id) == OrderStatus.CANCELLED
    assert "Đã hủy phần đơn." in client.get(done.headers["Location"]).get_data(as_text=True)
    # A part that can no longer be cancelled says so instead of asking.
    late = client.get(f"/don-hang/{order.code}/huy/{po.id}")
    assert late.status_code == 409 and "không còn hủy được" in late.get_data(as_text=True)


def test_another_buyers_part_has_no_confirm_page(client, auth, shop):  # noqa: F811
    order = _place(client, auth, shop)
    make_user("khac@khach.vn")
    db.session.commit()
    auth.login("khac@khach.vn")
    assert client.get(f"/don-hang/{order.code}/huy/{order.producer_orders[0].id}").status_code == 404


def test_producer_decline_asks_first_and_carries_the_reason(client, auth, shop):  # noqa: F811
    order = _place(client, auth, shop)
    po = next(p for p in order.producer_orders if p.producer_id == shop["pa"].id)
    auth.login("a@ho.vn")
    detail = client.get(f"/gian-hang/don-hang/{po.id}").get_data(as_text=True)
    assert f'href="/gian-hang/don-hang/{po.id}/huy" data-confirm-dialog>Từ chối đơn</a>' in detail
    html = client.get(f"/gian-hang/don-hang/{po.id}/huy").get_data(as_text=True)
    assert f"Từ chối đơn {order.code}?" in html and "Có, từ chối đơn" in html
    assert "Lý do (người mua đọc được, không bắt buộc)" in html
    form = confirm_form(html)
    client.post(form["action"], data={"csrf_token": form["fields"]["csrf_token"], "note": "Hết hàng"})
    assert status_of(po.id) == OrderStatus.PLACED
    done = client.post(form["action"], data={**form["fields"], "note": "Hết hàng"})
    assert done.status_code == 302 and status_of(po.id) == OrderStatus.CANCELLED
    events = db.session.get(ProducerOrder, po.id).events
    assert events[-1].to_status == "cancelled" and events[-1].note == "Hết hàng"
    db.session.expire_all()
    assert db.session.get(Product, shop["chestnut"].id).stock == 10


def test_staff_cancel_of_a_part_asks_first(client, auth, shop):  # noqa: F811
    order = _place(client, auth, shop)
    po = next(p for p in order.producer_orders if p.producer_id == shop["pb"].id)
    make_user("canbo@tinh.vn", role="staff")
    db.session.commit()
    auth.login("canbo@tinh.vn")
    detail = client.get(f"/quan-tri/don-hang/{order.code}").get_data(as_text=True)
    url = f"/quan-tri/don-hang/{order.code}/phan/{po.id}/cancelled"
    # the button says the deed for a new part: declining it (orders.services.ACTION_LABELS)
    assert f'href="{url}" data-confirm-dialog>Từ chối đơn</a>' in detail
    html = client.get(url).get_data(as_text=True)
    assert "Hủy phần đơn của “HTX Miến dong Nguyên Bình”?" in html
    form = confirm_form(html)
    assert client.post(url, data={"csrf_token": form["fields"]["csrf_token"]}).status_code == 200
    assert status_of(po.id) == OrderStatus.PLACED
    assert client.post(url, data={**form["fields"], "note": "Người mua gọi điện hủy"}).status_code == 302
    assert status_of(po.id) == OrderStatus.CANCELLED
    # The other steps do not ask (they can be followed by the next one) and have no confirm page.
    assert client.get(f"/quan-tri/don-hang/{order.code}/phan/{po.id}/confirmed").status_code == 302


@pytest.mark.parametrize("kind", ["producer", "product"])
def test_staff_reject_asks_first_with_the_reason_shown(client, auth, ctx, kind):
    make_user("canbo@tinh.vn", role="staff")
    producer = make_producer(name="Hộ Lục Thị Hoa", verified=False)
    product = make_product(make_producer(name="HTX Nguyên Bình"), name="Miến dong", status="pending")
    db.session.commit()
    auth.login("canbo@tinh.vn")
    url = f"/quan-tri/co-so/{producer.id}" if kind == "producer" else f"/quan-tri/san-pham/{product.id}"
    # GET: the confirm page with the reason to fill in.
    html = client.get(url + "/tu-choi").get_data(as_text=True)
    title = "Từ chối hồ sơ “Hộ Lục Thị Hoa”?" if kind == "producer" else "Từ chối sản phẩm “Miến dong”?"
    assert title in html and 'name="reason"' in html
    form = confirm_form(html)
    # From the detail page's form: the reason typed comes back to be checked, nothing is refused yet.
    token = form["fields"]["csrf_token"]
    html = client.post(url + "/tu-choi", data={"csrf_token": token, "reason": "Ảnh mờ"}).get_data(as_text=True)
    assert title in html and "Ảnh mờ</textarea>" in html
    db.session.expire_all()
    record = db.session.get(Producer, producer.id) if kind == "producer" else db.session.get(Product, product.id)
    assert record.status == "pending"
    # Confirmed without a reason: the confirm page again, with the message, and 400.
    resp = client.post(url + "/tu-choi", data={**form["fields"], "reason": ""})
    assert resp.status_code == 400 and "Vui lòng nêu lý do từ chối" in resp.get_data(as_text=True)
    resp = client.post(url + "/tu-choi", data={**form["fields"], "reason": "Ảnh mờ"})
    assert resp.status_code == 302
    db.session.expire_all()
    record = db.session.get(Producer, producer.id) if kind == "producer" else db.session.get(Product, product.id)
    assert record.status == "rejected" and record.rejection_reason == "Ảnh mờ"


def test_payout_shows_what_stays_owed_before_it_is_recorded(client, auth, shop, app):  # noqa: F811
    from ocop_market.orders import fulfilment, services

    app.config.update(VIETQR_BANK_BIN="970436", VIETQR_ACCOUNT_NO="0123456789")
    order = _place(client, auth, shop, method="bank_transfer")
    staff = make_user("canbo@tinh.vn", role="staff")
    fulfilment.mark_transfer_received(order, staff)
    po_a = next(po for po in order.producer_orders if po.producer_id == shop["pa"].id)
    for to in ("confirmed", "shipped", "delivered"):
        services.move(po_a, to, staff, "staff")
    db.session.commit()
    auth.login("canbo@tinh.vn")
    url = f"/quan-tri/don-hang/cong-no/{shop['pa'].id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    ask = client.post(url, data={"csrf_token": token, "amount": "100k", "reference": "UNC 7"})
    assert ask.status_code == 400  # the form's own rule: whole đồng only
    ask = client.post(url, data={"csrf_token": token, "amount": "100.000", "reference": "UNC 7"})
    html = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "Ghi nhận chi trả cho “Hộ bà Hoa”?" in html
    assert "100.000" in html and "330.000" in html and "230.000" in html and "UNC 7" in html
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 0
    form = confirm_form(html)
    assert form["fields"]["amount"] == "100000" and form["fields"]["reference"] == "UNC 7"
    assert client.post(url, data=form["fields"]).status_code == 302
    assert db.session.scalar(select(Payout.amount_vnd)) == 100_000
    # More than is owed is refused before the confirm page, in words.
    resp = client.post(url, data={"csrf_token": token, "amount": "300.000"})
    assert resp.status_code == 400 and "vượt quá số đang nợ" in resp.get_data(as_text=True)


def test_a_hub_declining_for_a_household_asks_first(client, auth, world):  # noqa: F811
    _hub(world)
    order = place_for_hub(world, make_product(world["linked"], stock=5))
    po = order.producer_orders[0]
    auth.login("htx@ocop.vn")
    token = csrf_from(client.get(f"/trung-tam/don-hang/{po.id}").get_data(as_text=True))
    ask = client.post(f"/trung-tam/don-hang/{po.id}/huy", data={"csrf_token": token, "note": "Hộ hết hàng"})
    html = ask.get_data(as_text=True)
    assert ask.status_code == 200 and f"Từ chối đơn {order.code}?" in html and "Hộ hết hàng" in html
    assert status_of(po.id) == OrderStatus.PLACED
    form = confirm_form(html)
    done = client.post(form["action"], data={**form["fields"], "note": "Hộ hết hàng"})
    assert done.status_code == 302 and status_of(po.id) == OrderStatus.CANCELLED
