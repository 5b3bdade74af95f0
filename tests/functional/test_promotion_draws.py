"""Promotion evaluation that holds up (issue 13): the weekly draw's commit-reveal seed, its published outcomes that
anyone can re-run, the control-group comparison, and each producer's own weekly figures."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import uuid

from sqlalchemy import select

from ocop_market.catalog.models import Product, ProductImage
from ocop_market.extensions import db
from ocop_market.jobs import queue
from ocop_market.orders import services as orders
from ocop_market.orders.models import OrderLine, ProducerOrder
from ocop_market.places import Province
from ocop_market.programs import participation, projects
from ocop_market.promotions import allocation as weekly
from ocop_market.promotions import lottery, placements, requests, rules
from ocop_market.promotions.models import (
    Allocation,
    Conversion,
    DailyCounter,
    PromotionRequest,
    RequestedWeek,
    WeekLottery,
)
from tests.conftest import csrf_from, make_producer, make_product, make_user

D = dt.date


def _listing(name, product, category="poor", owner=None, group="food"):
    producer = make_producer(owner=owner, name=name, category=category)
    item = make_product(producer, name=product, group=group)
    db.session.add(ProductImage(product_id=item.id, stored_name=uuid.uuid4().hex, original_format="png",
                                width=10, height=10, size_bytes=100))
    db.session.commit()
    return producer, item


def _request(product, week):
    request = PromotionRequest(producer_id=product.producer_id, product_id=product.id)
    request.weeks = [RequestedWeek(week=week, state="waiting", reason="")]
    db.session.add(request)
    db.session.commit()
    return request.weeks[0]


def _lottery(week):
    db.session.expire_all()
    return db.session.scalar(select(WeekLottery).where(WeekLottery.week == week))


def test_the_seed_is_committed_when_the_week_opens_and_revealed_only_after_the_draw(ctx, client, auth):
    owner = make_user("hoa@example.vn", role="producer")
    _, product = _listing("Hộ bà Lục Thị Hoa", "Hạt dẻ Trùng Khánh", owner=owner)
    make_user("canbo@example.vn", role="staff")
    week = rules.add_weeks(placements.current_week(), 2)

    auth.login("hoa@example.vn")
    page = client.get("/gian-hang/quang-ba/")
    resp = client.post("/gian-hang/quang-ba/", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "product_id": product.id, "weeks": [week]})
    assert resp.status_code == 302
    auth.logout()
    committed = _lottery(week)
    assert committed is not None and committed.seed is None and committed.revealed_at is None
    secret, commitment = committed.secret, committed.commitment
    assert hashlib.sha256(secret.encode()).hexdigest() == commitment

    # Before the draw: the commitment is public, the secret is on no page, staff pages included.
    outcomes = client.get(f"/quang-ba/boc-tham/{week}")
    html = outcomes.get_data(as_text=True)
    assert outcomes.status_code == 200 and commitment in html and secret not in html
    assert "Tuần này chưa phân bổ" in html
    assert client.get(f"/quang-ba/boc-tham/{week}.json").status_code == 404
    assert client.get(f"/quang-ba/boc-tham/{week}.csv").status_code == 404
    auth.login("canbo@example.vn")
    desk = client.get(f"/quan-tri/quang-ba/?week={week}").get_data(as_text=True)
    assert product.name in desk and commitment in desk and secret not in desk
    assert secret not in client.get(f"/quang-ba/minh-bach?week={week}").get_data(as_text=True)
    # A second request for the same week keeps the same commitment.
    _, other = _listing("Hộ ông Nông Văn Phúc", "Dao Phúc Sen")
    second = _request(other, week)
    assert _lottery(week).commitment == commitment

    resp = client.post(f"/quan-tri/quang-ba/{week}/phan-bo", data={"csrf_token": csrf_from(desk)})
    assert resp.status_code == 302
    auth.logout()
    drawn = _lottery(week)
    first = db.session.scalar(select(RequestedWeek.id).join(RequestedWeek.request)
                              .where(PromotionRequest.product_id == product.id))
    closing = lottery.closing_digest([(first, product.id), (second.id, other.id)])
    assert (drawn.closing_count, drawn.closing_digest) == closing and closing[0] == 2
    assert drawn.secret == secret and drawn.seed == lottery.lottery_seed(secret, week, *closing)
    tickets = {a.product_id: a.basis_dict["ticket"] for a in db.session.scalars(select(Allocation))}
    assert tickets == {product.id: rules.lottery_ticket(drawn.seed, product.id),
                       other.id: rules.lottery_ticket(drawn.seed, other.id)}

    html = client.get(f"/quang-ba/boc-tham/{week}").get_data(as_text=True)
    assert secret in html and commitment in html and drawn.seed in html and drawn.closing_digest in html
    assert 'id="late-commitment"' not in html  # committed before the first request
    assert product.name in html and other.name in html and "Trang chủ: sản phẩm được hỗ trợ quảng bá" in html


def _project(admin):
    cb = db.session.scalar(select(Province).where(Province.code == "CB"))
    return projects.create_project(admin, projects.ProjectData(
        code="cb-da2-01", name="Liên kết chuỗi hạt dẻ Trùng Khánh", form="value_chain", component="DA2",
        programme="CTMTQG giảm nghèo bền vững", period="2021–2025", province_id=cb.id, commune="Xã Trùng Khánh",
        lead="HTX Nông nghiệp Trà Lĩnh", decision_no="123/QĐ-UBND", decision_date=D(2025, 6, 1),
        decision_authority="UBND xã Trùng Khánh", start_on=D(2025, 7, 1), end_on=D(2027, 6, 30),
        target_households=30, budgets={"central": 100_000_000}))


def test_outcomes_name_only_consenting_households_and_never_show_categories(ctx, client, runner):
    admin = make_user("quantri@example.vn", role="admin")
    named, named_item = _listing("Hộ bà Lục Thị Hoa", "Hạt dẻ Trùng Khánh", category="poor")
    hidden, hidden_item = _listing("Hộ ông Thào Seo Dìn", "Rượu ngô", category="near_poor")
    project = _project(admin)
    part = participation.join_project(admin, project, named, D(2025, 7, 10), "poor", 1_000_000)
    participation.join_project(admin, project, hidden, D(2025, 7, 10), "near_poor", 1_200_000)
    participation.set_public_consent(admin, part, D(2025, 8, 1))
    db.session.commit()
    week = "2026-W49"
    _request(named_item, week)
    _request(hidden_item, week)
    assert runner.invoke(args=["promotions", "allocate", "--week", week]).exit_code == 0

    html = client.get(f"/quang-ba/boc-tham/{week}").get_data(as_text=True)
    document = client.get(f"/quang-ba/boc-tham/{week}.json").get_json()
    by_product = {r["product_id"]: r for r in document["requests"]}
    assert by_product[named_item.id]["producer_name"] == "Hộ bà Lục Thị Hoa" and "Hộ bà Lục Thị Hoa" in html
    code = by_product[hidden_item.id]["producer"]
    assert by_product[hidden_item.id]["producer_name"] is None and len(code) == 6
    assert "Hộ ông Thào Seo Dìn" not in html and f"Cơ sở {code}" in html and "Rượu ngô" in html
    content = html[html.index("<h1"):html.index("<footer")]  # the footer names the programme's households
    text = content + json.dumps(document, ensure_ascii=False)
    for category_word in ("poor", "near_poor", "Hộ nghèo", "cận nghèo", "category"):
        assert category_word not in text
    transparency = client.get(f"/quang-ba/minh-bach?week={week}").get_data(as_text=True)
    assert "Hộ bà Lục Thị Hoa" in transparency and "Hộ ông Thào Seo Dìn" not in transparency
    assert "Rượu ngô" in transparency and "Hộ chưa đồng ý công khai tên" in transparency
    # The CSV holds the same rows.
    machine = client.get(f"/quang-ba/boc-tham/{week}.csv?dang=may").data.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(machine), delimiter=","))
    assert {r["product"] for r in rows} == {"Hạt dẻ Trùng Khánh", "Rượu ngô"}
    assert {r["producer_name"] for r in rows} == {"Hộ bà Lục Thị Hoa", ""}
    assert {r["ticket"] for r in rows} == {r["ticket"] for r in document["requests"]}
    assert {r["eligible"] for r in rows} == {"true"} and {r["outcome"] for r in rows} <= {"allocated", "not_allocated"}
    # The default file is for Vietnamese Excel: BOM, semicolons, headings and outcomes in words.
    excel = client.get(f"/quang-ba/boc-tham/{week}.csv").data
    assert excel.startswith("\ufeff".encode())
    worded = list(csv.DictReader(io.StringIO(excel.decode("utf-8-sig")), delimiter=";"))
    assert {r["Sản phẩm"] for r in worded} == {"Hạt dẻ Trùng Khánh", "Rượu ngô"}
    assert {r["Số thăm"] for r in worded} == {r["ticket"] for r in rows}
    assert {r["Đủ điều kiện"] for r in worded} == {"Có"} and {r["Kết quả"] for r in worded} <= {"Được chọn", "Không được chọn"}
    for category_word in ("poor", "near_poor", "Hộ nghèo", "cận nghèo", "category"):
        assert category_word not in machine and category_word not in excel.decode("utf-8-sig")


def _tied_week(week, n=5, home=2):
    """n listings of never-promoted poor households for `week`, with room for `home` of them only."""
    placements.ensure_defaults()
    for p in placements.placements():
        p.capacity = home if p.code == "home" else 0
    db.session.commit()
    for i in range(n):
        _, item = _listing(f"Hộ số {i}", f"Sản phẩm {i}")
        _request(item, week)


def test_verify_reruns_the_draw_from_the_published_data_and_catches_a_tampered_input(ctx, client, runner, tmp_path):
    week = "2026-W49"
    _tied_week(week)
    assert runner.invoke(args=["promotions", "allocate", "--week", week]).exit_code == 0
    document = client.get(f"/quang-ba/boc-tham/{week}.json").get_json()
    assert [r["tier"] for r in document["requests"]] == [1] * 5  # all tied: the lottery decided
    assert sorted(r["reason"] for r in document["requests"]) == ["", "", "capacity", "capacity", "capacity"]

    # These requests were written straight into the database, so the week was committed only at its allocation:
    # the page says the commitment was not published in advance.
    assert 'id="late-commitment"' in client.get(f"/quang-ba/boc-tham/{week}").get_data(as_text=True)
    assert document["first_request_at"] < document["committed_at"]

    ok = runner.invoke(args=["promotions", "verify", week])
    assert ok.exit_code == 0, ok.output
    assert f"Tuần {week}: khớp" in ok.output and "5 yêu cầu" in ok.output and "(2 vị trí)" in ok.output
    # The published outcome is what the database holds.
    seats = {(r["key"], r["placement_id"], r["position"]) for r in document["requests"] if r["outcome"] == "allocated"}
    assert seats == set(db.session.execute(
        select(Allocation.requested_week_id, Allocation.placement_id, Allocation.position)).tuples())

    downloaded = tmp_path / f"boc-tham-{week}.json"
    downloaded.write_text(json.dumps(document), encoding="utf-8")
    assert runner.invoke(args=["promotions", "verify", week, "--file", str(downloaded)]).exit_code == 0
    assert lottery.main([str(downloaded)]) == 0

    # A loser moved into a better tier would have won: the published outcome no longer follows.
    loser = next(r for r in document["requests"] if r["reason"] == "capacity")
    tampered = json.loads(json.dumps(document))
    next(r for r in tampered["requests"] if r["key"] == loser["key"])["tier"] = 0
    bad = tmp_path / "tier.json"
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    result = runner.invoke(args=["promotions", "verify", week, "--file", str(bad)])
    assert result.exit_code == 1 and "KHÔNG khớp" in result.output and f"Yêu cầu {loser['key']}" in result.output
    # Another secret (say, chosen after seeing the requests) fails against the commitment and the seed.
    other = json.loads(json.dumps(document))
    other["secret"] = lottery.new_secret()
    problems = lottery.verify(other).problems
    assert any("cam kết" in p for p in problems) and any("Hạt giống" in p for p in problems)
    # A request left out of the list changes the closing value.
    fewer = json.loads(json.dumps(document))
    fewer["requests"] = [r for r in fewer["requests"] if r["key"] != loser["key"]]
    assert any("Giá trị khi đóng" in p for p in lottery.verify(fewer).problems)
    wrong_week = runner.invoke(args=["promotions", "verify", "2026-W50", "--file", str(downloaded)])
    assert wrong_week.exit_code != 0 and "không phải 2026-W50" in wrong_week.output


def test_a_week_without_a_draw_or_a_bad_week(ctx, client, runner):
    assert "chưa mở đăng ký" in client.get("/quang-ba/boc-tham/2026-W49").get_data(as_text=True)
    assert client.get("/quang-ba/boc-tham/2026-W60").status_code == 400
    assert client.get("/quang-ba/boc-tham/2026-W60.json").status_code == 400
    result = runner.invoke(args=["promotions", "verify", "2026-W49"])
    assert result.exit_code != 0 and "chưa được phân bổ" in result.output


def test_the_queue_commits_to_every_week_of_the_request_window_once(ctx):
    assert queue.run_job("promotions.open_weeks").summary == f"{requests.REQUEST_WEEKS_AHEAD + 1} weeks opened for requests"
    commitments = dict(db.session.execute(select(WeekLottery.week, WeekLottery.commitment)).tuples().all())
    assert set(commitments) == set(requests.request_window())
    assert queue.run_job("promotions.open_weeks").summary == "0 weeks opened for requests"
    assert dict(db.session.execute(select(WeekLottery.week, WeekLottery.commitment)).tuples().all()) == commitments


def _sale(app, buyer, product, quantity, at):
    """An order of `quantity` of `product`, dated `at` (UTC)."""
    checkout = orders.CheckoutData("Nguyễn Minh Anh", "0912345678", "Số 1", "Phường A", product.producer.province_id,
                                   "cod")
    with app.test_request_context("/thanh-toan", method="POST"):
        order = orders.place_order(buyer, {product.id: quantity}, checkout)
        db.session.commit()
    for part in db.session.scalars(select(ProducerOrder).where(ProducerOrder.order_id == order.id)):
        part.created_at = at
    db.session.commit()


def test_the_effect_report_compares_with_tied_losers_and_a_year_earlier(app, ctx, client, auth):
    make_user("canbo@example.vn", role="staff")
    buyer = make_user("mua@example.vn")
    week = rules.add_weeks(placements.current_week(), -2)
    _tied_week(week, n=3, home=2)
    long_ago = rules.week_bounds(week)[0] - dt.timedelta(days=400)
    for product in db.session.scalars(select(Product)):
        product.created_at = long_ago  # on sale a year before the week
    db.session.commit()
    weekly.allocate_week(week)
    db.session.commit()
    won = sorted(db.session.scalars(select(Allocation.product_id)))
    lost = next(p for p in db.session.scalars(select(Product)) if p.id not in won)
    first, second = (db.session.get(Product, pid) for pid in won)
    during = rules.week_bounds(week)[0] + dt.timedelta(days=2)
    _sale(app, buyer, first, 2, during)  # 300.000 ₫
    _sale(app, buyer, lost, 1, during)  # 150.000 ₫
    _sale(app, buyer, first, 1, during - dt.timedelta(weeks=52))  # 150.000 ₫ a year earlier
    _sale(app, buyer, second, 1, during - dt.timedelta(weeks=51))  # the week after, a year earlier: not counted

    auth.login("canbo@example.vn")
    html = client.get("/quan-tri/quang-ba/bao-cao?weeks=4").get_data(as_text=True)

    def row(key):
        cells = re.search(rf'<tr id="group-{key}">(.*?)</tr>', html, re.S).group(1)
        return [re.sub(r"<[^>]+>", "", c).replace("\xa0", " ").strip() for c in re.findall(r"<td>(.*?)</td>", cells)]

    # products, listing-weeks, orders, revenue, orders a listing-week, revenue a listing-week
    assert row("promoted-tied") == ["2", "2", "1", "300.000 ₫", "0,50", "150.000 ₫"]
    assert row("control") == ["1", "1", "1", "150.000 ₫", "1,00", "150.000 ₫"]
    assert row("promoted-matched") == ["2", "2", "1", "300.000 ₫", "0,50", "150.000 ₫"]
    assert row("year-before") == ["2", "2", "1", "150.000 ₫", "0,50", "75.000 ₫"]
    assert "so với nhóm đối chứng: 0 ₫" in html.replace("\xa0", " ")
    assert "so với cùng kỳ năm trước: 75.000 ₫" in html.replace("\xa0", " ")


def test_each_producer_sees_their_own_views_clicks_and_orders_per_week(app, ctx, client, auth):
    buyer = make_user("mua@example.vn")
    hoa = make_user("hoa@example.vn", role="producer")
    phuc = make_user("phuc@example.vn", role="producer")
    _, mine = _listing("Hộ bà Lục Thị Hoa", "Hạt dẻ Trùng Khánh", owner=hoa)
    _, theirs = _listing("Hộ ông Nông Văn Phúc", "Dao Phúc Sen", owner=phuc)
    week = placements.current_week()
    last_week = rules.add_weeks(week, -1)
    _request(mine, last_week)
    _request(theirs, last_week)
    weekly.allocate_week(last_week)
    db.session.commit()
    home = next(p for p in placements.placements() if p.code == "home")
    monday = rules.week_monday(last_week)
    db.session.add_all([
        DailyCounter(placement_id=home.id, product_id=mine.id, day=monday, impressions=40, clicks=3),
        DailyCounter(placement_id=home.id, product_id=mine.id, day=monday + dt.timedelta(days=6), impressions=2,
                     clicks=1),
        DailyCounter(placement_id=home.id, product_id=theirs.id, day=monday, impressions=777, clicks=55),
    ])
    db.session.commit()
    during = rules.week_bounds(last_week)[0] + dt.timedelta(days=1)
    _sale(app, buyer, mine, 2, during)  # 300.000 ₫
    _sale(app, buyer, theirs, 5, during)  # 750.000 ₫
    line = db.session.scalar(select(OrderLine).where(OrderLine.product_id == mine.id))
    allocation = db.session.scalar(select(Allocation).where(Allocation.product_id == mine.id))
    db.session.add(Conversion(order_line_id=line.id, allocation_id=allocation.id, product_id=mine.id,
                              revenue_vnd=line.line_total_vnd, clicked_at=during, created_at=during))
    db.session.commit()

    def row(html, w):
        cells = re.search(rf'<tr id="promotion-week-{w}">(.*?)</tr>', html, re.S).group(1)
        return [re.sub(r"<[^>]+>", "", c).replace("\xa0", " ").strip() for c in re.findall(r"<td>(.*?)</td>", cells)]

    auth.login("hoa@example.vn")
    html = client.get("/gian-hang/").get_data(as_text=True)
    assert "Quảng bá và đơn hàng theo tuần" in html
    # placements, impressions, clicks, orders, revenue, orders after a promotion click
    assert row(html, last_week) == ["1", "42", "4", "1", "300.000 ₫", "1"]
    assert row(html, week) == ["0", "0", "0", "0", "0 ₫", "0"]
    assert "777" not in html and "750.000" not in html
    auth.logout()
    auth.login("phuc@example.vn")
    html = client.get("/gian-hang/").get_data(as_text=True)
    assert row(html, last_week) == ["1", "777", "55", "1", "750.000 ₫", "0"]
