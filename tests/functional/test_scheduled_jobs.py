"""What the scheduled jobs do, run as the queue runs them (`jobs.queue.run_job`), with messages arriving at a real
SMTP server and a real SMS gateway on loopback."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ocop_market.extensions import db
from ocop_market.jobs import queue
from ocop_market.orders import services as orders
from ocop_market.orders.models import OrderStatus
from ocop_market.promotions import placements
from ocop_market.promotions.models import WeekRun
from ocop_market.promotions.rules import add_weeks, week_of
from ocop_market.timeutil import LOCAL_TZ, add_months, local_today, utcnow
from tests.conftest import make_producer, make_product, make_user


@pytest.fixture
def app_config(request, channels_config):
    return {**channels_config, **(getattr(request, "param", None) or {})}


@pytest.fixture
def household(ctx):
    owner = make_user("hoa@ho.vn", role="producer", phone="+84912345678")
    producer = make_producer(owner=owner)
    make_user("canbo@ocop.vn", role="staff")
    return producer


# ---------------------------------------------------------------- certificates
def test_certificate_warnings_go_out_90_and_30_days_ahead_once_each(household, smtp_server, sms_gateway):
    today = local_today()
    expires = today + dt.timedelta(days=80)
    make_product(household, decision_date=add_months(expires, -36))
    outcome = queue.run_job("catalog.certificate_warnings", today)
    assert outcome.summary == "producers told 1, staff told 1"
    sms = [m for m in sms_gateway.messages if m.to == "+84912345678"]
    assert len(sms) == 1 and len(sms[0].text) <= 160
    assert sms[0].text.startswith("Cho OCOP: giay chung nhan OCOP cua \"Hat de Trung Khanh\" het han ngay")
    assert "(con 80 ngay)" in sms[0].text
    mails = {m.rcpt_tos[0]: m for m in smtp_server.mails}
    assert set(mails) == {"hoa@ho.vn", "canbo@ocop.vn"}
    assert "Hạt dẻ Trùng Khánh" in mails["hoa@ho.vn"].subject and "còn 80 ngày" in mails["hoa@ho.vn"].text
    assert "Hạt dẻ Trùng Khánh (Hộ bà Lục Thị Hoa)" in mails["canbo@ocop.vn"].text
    # The next days tell nobody again, until the certificate is 30 days from its end.
    assert queue.run_job("catalog.certificate_warnings", today + dt.timedelta(days=1)).summary.startswith("producers told 0")
    later = queue.run_job("catalog.certificate_warnings", expires - dt.timedelta(days=30))
    assert later.summary == "producers told 1, staff told 1"
    assert queue.run_job("catalog.certificate_warnings", expires - dt.timedelta(days=29)).summary.startswith("producers told 0")
    assert "(con 30 ngay)" in sms_gateway.messages[-1].text


# ---------------------------------------------------------------- unconfirmed orders
def _order(producer):
    buyer = make_user("mua@khach.vn")
    product = make_product(producer)
    order = orders.place_order(buyer, {product.id: 2}, orders.CheckoutData(
        contact_name="Chị Mai", phone="0987654321", address_line="Số 1", commune="Phường Hợp Giang",
        province_id=producer.province_id, payment_method="cod"))
    db.session.commit()
    return order


def test_an_order_left_unconfirmed_reminds_the_producer_then_tells_staff(household, smtp_server, sms_gateway):
    order = _order(household)
    # The new-order messages went out at checkout; what follows is only the chasing.
    sms_gateway.messages.clear()
    smtp_server.mails.clear()
    now = utcnow()
    assert queue.run_job("orders.remind_unconfirmed", now + dt.timedelta(hours=23)).summary \
        == "producers reminded 0, escalated to staff 0, escalated to hubs 0"
    assert queue.run_job("orders.remind_unconfirmed", now + dt.timedelta(hours=25)).summary \
        == "producers reminded 1, escalated to staff 0, escalated to hubs 0"
    [sms] = sms_gateway.messages
    assert sms.to == "+84912345678" and order.code in sms.text and "330.000 d" in sms.text and len(sms.text) <= 160
    assert "dang cho ban xac nhan da 25 gio" in sms.text
    assert [m.rcpt_tos for m in smtp_server.mails] == [["hoa@ho.vn"]]
    assert "Phường Hợp Giang" in smtp_server.mails[0].text
    # Hourly runs do not repeat it; after 48 h the staff of the province hear of it, once.
    assert queue.run_job("orders.remind_unconfirmed", now + dt.timedelta(hours=26)).summary \
        == "producers reminded 0, escalated to staff 0, escalated to hubs 0"
    assert queue.run_job("orders.remind_unconfirmed", now + dt.timedelta(hours=49)).summary \
        == "producers reminded 0, escalated to staff 1, escalated to hubs 0"
    assert queue.run_job("orders.remind_unconfirmed", now + dt.timedelta(hours=50)).summary \
        == "producers reminded 0, escalated to staff 0, escalated to hubs 0"
    staff_mail = smtp_server.mails[-1]
    assert staff_mail.rcpt_tos == ["canbo@ocop.vn"] and order.code in staff_mail.subject and "49" in staff_mail.subject


def test_a_confirmed_order_is_not_chased(household, sms_gateway):
    order = _order(household)
    po = order.producer_orders[0]
    orders.move(po, OrderStatus.CONFIRMED, household.owner, "producer")
    db.session.commit()
    sent = len(sms_gateway.messages)  # the new order's
    assert queue.run_job("orders.remind_unconfirmed", utcnow() + dt.timedelta(hours=49)).summary \
        == "producers reminded 0, escalated to staff 0, escalated to hubs 0"
    assert len(sms_gateway.messages) == sent


# ---------------------------------------------------------------- weekly allocation, on the day staff chose
def test_the_allocation_runs_on_the_chosen_day_for_next_week_once(ctx):
    staff = make_user("canbo@ocop.vn", role="staff")
    now = utcnow()
    today = now.astimezone(LOCAL_TZ).weekday()
    placements.ensure_defaults()
    placements.update_settings(staff, {"allocation_weekday": (today + 1) % 7}, {})
    db.session.commit()
    assert queue.run_job("promotions.allocate_next_week", now).summary.startswith("not the allocation day")
    assert db.session.scalars(select(WeekRun)).all() == []
    tomorrow = now + dt.timedelta(days=1)
    assert queue.run_job("promotions.allocate_next_week", tomorrow).summary.startswith(f"{add_weeks(week_of(tomorrow), 1)}:")
    again = queue.run_job("promotions.allocate_next_week", tomorrow).summary
    assert "already allocated" in again
    # The week after the allocation day's own week (tomorrow may already be in the next ISO week).
    assert [r.week for r in db.session.scalars(select(WeekRun))] == [add_weeks(week_of(tomorrow), 1)]


def test_staff_choose_the_allocation_day_in_the_promotion_settings(app, client, auth):
    with app.app_context():
        make_user("canbo@ocop.vn", role="staff")
    auth.login("canbo@ocop.vn")
    from tests.conftest import csrf_from

    page = client.get("/quan-tri/quang-ba/cai-dat")
    assert page.status_code == 200 and "Ngày phân bổ tự động" in page.get_data(as_text=True)
    form = {"csrf_token": csrf_from(page.get_data(as_text=True)), "quota_per_quarter": "4", "max_per_week": "1",
            "min_stars": "3", "min_stock": "1", "lookback_weeks": "12", "attribution_days": "7",
            "allocation_weekday": "1"}
    assert client.post("/quan-tri/quang-ba/cai-dat", data=form).status_code == 302
    with app.app_context():
        assert placements.get_settings().allocation_weekday == 1
    bad = client.post("/quan-tri/quang-ba/cai-dat", data={**form, "allocation_weekday": "9"})
    assert bad.status_code == 400
    with app.app_context():
        assert placements.get_settings().allocation_weekday == 1


# ---------------------------------------------------------------- search through the queue
@pytest.mark.parametrize("app_config", [{"SEARCH_APPLY": "queue"}], indirect=True)
def test_catalog_changes_reach_search_through_the_queue(app, ctx):
    from ocop_market.search import get_search

    seen = []
    app.extensions["huey"].signal("executing")(lambda signal, task: seen.append(task.name))
    producer = make_producer()
    make_product(producer, name="Miến dong Nguyên Bình")
    assert "search.apply" in seen
    assert get_search(app).outbox_lag()[0] == 0
    assert queue.run_job("search.repair_outbox").summary == "applied 0, waiting 0"


# ---------------------------------------------------------------- promotion counters: the shared buffer
def test_counts_handed_over_reach_the_daily_counters_once_however_many_flush(app, ctx):
    import threading

    from ocop_market.promotions import tracking
    from ocop_market.promotions.models import CounterSpool, DailyCounter, Placement

    placements.ensure_defaults()
    product = make_product(make_producer())
    placement_id = db.session.scalars(select(Placement.id)).first()
    today = local_today()
    # What several web processes hand over: a batch each, some for the same (placement, listing, day).
    db.session.add_all([CounterSpool(placement_id=placement_id, product_id=product.id, day=today,
                                     impressions=i, clicks=i % 2) for i in range(1, 41)])
    db.session.commit()
    touched = []

    def flusher():
        with app.app_context():
            touched.append(tracking.flush_spool())
            db.session.remove()

    threads = [threading.Thread(target=flusher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(touched) == [0, 0, 0, 1]  # one flush took every row; the others found none
    db.session.expire_all()
    row = db.session.get_one(DailyCounter, (placement_id, product.id, today))
    assert (row.impressions, row.clicks) == (sum(range(1, 41)), 20)
    assert db.session.scalars(select(CounterSpool)).all() == []
    assert queue.run_job("promotions.flush_counters").summary == "counter rows 0"
