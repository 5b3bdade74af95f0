"""Free promotion slots, end to end: request, allocation, display, counting, attribution, report, staff acts."""
from __future__ import annotations

import os
import re
import threading
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ocop_market.audit import AuditEntry
from ocop_market.catalog.models import ProductImage
from ocop_market.extensions import db
from ocop_market.promotions import allocation as weekly
from ocop_market.promotions import placements, rules, tracking
from ocop_market.promotions.models import (
    Allocation,
    Conversion,
    DailyCounter,
    PromotionRequest,
    RequestedWeek,
    WeekLottery,
    WeekRun,
)
from tests.conftest import csrf_from, make_producer, make_product, make_user, raw_figures

BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126 Mobile Safari/537.36"}
LABEL = "Sản phẩm được hỗ trợ quảng bá miễn phí"


def _photo(product):
    db.session.add(ProductImage(product_id=product.id, stored_name=uuid.uuid4().hex, original_format="png",
                                width=10, height=10, size_bytes=100))
    db.session.commit()


def _listing(owner=None, name="Hộ bà Lục Thị Hoa", product="Hạt dẻ Trùng Khánh", category="poor", group="food",
             stock=10):
    producer = make_producer(owner=owner, name=name, category=category)
    item = make_product(producer, name=product, group=group, stock=stock)
    _photo(item)
    return producer, item


def _request(product, weeks):
    request = PromotionRequest(producer_id=product.producer_id, product_id=product.id)
    request.weeks = [RequestedWeek(week=w, state="waiting", reason="") for w in weeks]
    db.session.add(request)
    db.session.commit()
    return request


def _counter(product_id):
    row = db.session.execute(
        select(func.coalesce(func.sum(DailyCounter.impressions), 0), func.coalesce(func.sum(DailyCounter.clicks), 0))
        .where(DailyCounter.product_id == product_id)).one()
    return int(row[0]), int(row[1])


def test_poor_household_requests_staff_allocates_home_shows_counts_and_transparency_explains(ctx, client, auth):
    owner = make_user("hoa@example.vn", role="producer")
    _, product = _listing(owner=owner)
    make_user("canbo@example.vn", role="staff")
    week = placements.current_week()

    auth.login("hoa@example.vn")
    page = client.get("/gian-hang/quang-ba/")
    assert page.status_code == 200 and product.name in page.get_data(as_text=True)
    resp = client.post("/gian-hang/quang-ba/", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "product_id": product.id, "weeks": [week]})
    assert resp.status_code == 302
    html = client.get("/gian-hang/quang-ba/").get_data(as_text=True)
    assert "Đang chờ phân bổ" in html
    auth.logout()

    auth.login("canbo@example.vn")
    desk = client.get(f"/quan-tri/quang-ba/?week={week}")
    assert desk.status_code == 200
    resp = client.post(f"/quan-tri/quang-ba/{week}/phan-bo", data={"csrf_token": csrf_from(desk.get_data(as_text=True))})
    assert resp.status_code == 302
    auth.logout()
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "promotion.allocate")) == 1

    seen, _ = _counter(product.id)  # logging out went through the home page too
    home = client.get("/", headers=BROWSER).get_data(as_text=True)
    assert LABEL in home and product.name in home
    # the card shows the short form, which fits a 160-px card; the long one is its title and screen-reader text
    badge = re.search(r'<span class="badge badge-promo" title="([^"]+)"><span class="badge-short" aria-hidden="true">'
                      r'([^<]+)</span><span class="visually-hidden">([^<]+)</span></span>', home)
    assert badge and badge.groups() == (LABEL, "Hỗ trợ miễn phí", LABEL)
    link = re.search(r'href="(/qc/\d+)"', home).group(1)
    assert _counter(product.id) == (seen + 1, 0)  # one more impression, written at once in tests
    client.get("/", headers={"User-Agent": "Googlebot/2.1"})
    client.get("/", headers={"User-Agent": ""})
    assert _counter(product.id) == (seen + 1, 0)  # robots are not counted

    click = client.get(link, headers=BROWSER)
    assert click.status_code == 302 and click.headers["Location"].endswith(f"/san-pham/{product.slug}")
    assert _counter(product.id) == (seen + 1, 1)

    auth.login("hoa@example.vn")
    mine = client.get("/gian-hang/quang-ba/").get_data(as_text=True)
    assert "Đã phân bổ" in mine and "Trang chủ" in mine
    auth.logout()

    public = client.get(f"/quang-ba/minh-bach?week={week}").get_data(as_text=True)
    # No consent recorded: the household is not named beside its promoted listing (programs' privacy rule).
    assert product.name in public and "Hộ bà Lục Thị Hoa" not in public and "Hộ chưa đồng ý công khai tên" in public
    seed = db.session.scalar(select(WeekLottery.seed).where(WeekLottery.week == week))
    assert "Thứ tự xét: 1" in public and rules.lottery_ticket(seed, product.id) in public
    assert "Hộ nghèo" not in public  # household category is not published per producer
    rules_page = client.get("/quang-ba/quy-dinh").get_data(as_text=True)
    assert "SHA-256" in rules_page and "4 tuần quảng bá trong một quý" in rules_page


def test_rerun_changes_nothing_and_cli_allocates(ctx, runner):
    for i in range(3):
        _, product = _listing(name=f"Hộ số {i}", product=f"Sản phẩm {i}")
        _request(product, ["2026-W49"])
    result = runner.invoke(args=["promotions", "allocate", "--week", "2026-W49"])
    assert result.exit_code == 0, result.output
    before = db.session.execute(select(Allocation.id, Allocation.position, Allocation.product_id)).all()
    assert len(before) == 3
    again = runner.invoke(args=["promotions", "allocate", "--week", "2026-W49"])
    assert "không có gì thay đổi" in again.output
    assert db.session.execute(select(Allocation.id, Allocation.position, Allocation.product_id)).all() == before
    assert db.session.scalar(select(func.count()).select_from(WeekRun)) == 1
    bad = runner.invoke(args=["promotions", "allocate", "--week", "2026-W60"])
    assert bad.exit_code != 0 and "Tuần không hợp lệ" in bad.output


def test_capacity_quota_and_refusal_reasons(ctx):
    placements.ensure_defaults()
    db.session.commit()
    settings = placements.get_settings()
    settings.quota_per_quarter = 1
    home = next(p for p in placements.placements() if p.code == "home")
    for p in placements.placements():
        p.capacity = 0
    home.capacity = 2
    db.session.commit()
    products = []
    for i in range(4):
        _, product = _listing(name=f"Hộ {i}", product=f"Hàng {i}")
        products.append(product)
        _request(product, ["2026-W10", "2026-W11"])
    _, rich = _listing(name="Công ty lớn", product="Hàng công ty", category="none")
    _request(rich, ["2026-W10"])
    weekly.allocate_week("2026-W10")
    weekly.allocate_week("2026-W11")
    db.session.commit()
    per_week = dict(db.session.execute(select(Allocation.week, func.count()).group_by(Allocation.week)).all())
    assert per_week == {"2026-W10": 2, "2026-W11": 2}
    # the two served in W10 used their quarter quota; the other two are served in W11
    served = db.session.execute(select(Allocation.week, Allocation.product_id)).all()
    assert {pid for _, pid in served} == {p.id for p in products}
    reasons = dict(db.session.execute(
        select(RequestedWeek.id, RequestedWeek.reason).where(RequestedWeek.state == "not_allocated")).all())
    assert sorted(reasons.values()) == ["capacity", "capacity", "not_supported_household", "quota", "quota"]


def test_unique_slot_refuses_a_second_listing_in_the_same_position(ctx):
    placements.ensure_defaults()
    _, a = _listing(name="Hộ A", product="A")
    _, b = _listing(name="Hộ B", product="B")
    home = next(p for p in placements.placements() if p.code == "home")
    start, end = rules.week_bounds("2026-W49")
    for product in (a, b):
        db.session.add(Allocation(placement_id=home.id, week="2026-W49", position=1, product_id=product.id,
                                  producer_id=product.producer_id, starts_at=start, ends_at=end))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_sold_out_drops_out_at_once_and_api_lists_live_items(ctx, client):
    _, product = _listing()
    _request(product, [placements.current_week()])
    weekly.allocate_week(placements.current_week())
    db.session.commit()
    data = client.get("/api/v1/promotions/live?placement=home", headers=BROWSER).get_json()
    assert [i["id"] for i in data["items"]] == [product.id] and data["items"][0]["promoted"] is True
    assert data["label"] == LABEL and "/qc/" in data["items"][0]["click_url"]
    assert client.get("/api/v1/promotions/live?placement=nowhere").status_code == 400
    product.stock = 0
    db.session.commit()
    assert client.get("/api/v1/promotions/live?placement=home").get_json()["items"] == []
    assert product.name not in client.get("/", headers=BROWSER).get_data(as_text=True).split("featured-h")[1].split("groups-h")[0]


def test_group_page_and_matching_search_show_their_placements(ctx, client):
    placements.ensure_defaults()
    for p in placements.placements():
        p.capacity = 1 if p.code in ("group_drinks", "search") else 0
    db.session.commit()
    _, tea = _listing(name="Hộ chè", product="Chè Shan tuyết", group="drinks")
    _, wine = _listing(name="Hộ rượu", product="Rượu ngô", group="drinks")
    _request(tea, [placements.current_week()])
    _request(wine, [placements.current_week()])
    weekly.allocate_week(placements.current_week())
    db.session.commit()
    placed = dict(db.session.execute(select(Allocation.product_id, Allocation.placement_id)).all())
    assert len(placed) == 2
    group_page = client.get("/san-pham?group=drinks", headers=BROWSER).get_data(as_text=True)
    assert LABEL in group_page
    search_item = next(pid for pid, plc in placed.items() if plc == next(p.id for p in placements.placements() if p.code == "search"))
    name = db.session.get(type(tea), search_item).name
    words = name.split()[0].lower()
    assert LABEL in client.get(f"/tim-kiem?q={words}", headers=BROWSER).get_data(as_text=True)
    assert LABEL not in client.get("/tim-kiem?q=mien+dong", headers=BROWSER).get_data(as_text=True)


def test_staff_pin_and_remove_need_a_reason_and_write_audit(ctx, client, auth):
    make_user("canbo@example.vn", role="staff")
    _, product = _listing()
    _request(product, ["2026-W49"])
    weekly.allocate_week("2026-W49")
    db.session.commit()
    allocation = db.session.scalar(select(Allocation))
    auth.login("canbo@example.vn")
    token = csrf_from(client.get("/quan-tri/quang-ba/?week=2026-W49").get_data(as_text=True))
    assert client.post(f"/quan-tri/quang-ba/vi-tri/{allocation.id}/go", data={"csrf_token": token, "reason": ""}).status_code == 400
    resp = client.post(f"/quan-tri/quang-ba/vi-tri/{allocation.id}/go",
                       data={"csrf_token": token, "reason": "Sản phẩm bị phản ánh chất lượng"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert allocation.state == "removed" and allocation.position is None
    assert allocation.requested_week.state == "not_allocated" and allocation.requested_week.reason == "removed"
    assert client.post(f"/quan-tri/quang-ba/vi-tri/{allocation.id}/go",
                       data={"csrf_token": token, "reason": "lần thứ hai"}).status_code == 409
    home_id = next(p.id for p in placements.placements() if p.code == "home")
    resp = client.post("/quan-tri/quang-ba/2026-W49/ghim", data={
        "csrf_token": token, "placement_id": home_id, "product_id": product.id, "reason": "Đã xử lý phản ánh"})
    assert resp.status_code == 302
    assert client.post("/quan-tri/quang-ba/2026-W49/ghim", data={
        "csrf_token": token, "placement_id": home_id, "product_id": 999999, "reason": "Không có"}).status_code == 404
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("promotion.%"))).all()
    assert sorted(actions) == ["promotion.allocate", "promotion.pin", "promotion.remove"]
    public = client.get("/quang-ba/minh-bach?week=2026-W49").get_data(as_text=True)
    assert "Sản phẩm bị phản ánh chất lượng" in public and "Đã xử lý phản ánh" in public


def test_producer_requests_are_their_own_and_checked(ctx, client, auth):
    owner = make_user("a@example.vn", role="producer")
    other_owner = make_user("b@example.vn", role="producer")
    _, mine = _listing(owner=owner)
    _, theirs = _listing(owner=other_owner, name="Hộ khác", product="Miến dong")
    no_cert = make_product(mine.producer, name="Chưa chứng nhận", stars=None)
    _photo(no_cert)
    _request(theirs, [placements.current_week()])
    week = placements.current_week()
    auth.login("a@example.vn")
    page = client.get("/gian-hang/quang-ba/").get_data(as_text=True)
    assert "Miến dong" not in page
    token = csrf_from(page)
    assert client.post("/gian-hang/quang-ba/", data={"csrf_token": token, "product_id": theirs.id, "weeks": [week]}).status_code == 404
    # An id no database column can hold is simply not found (SQLite would overflow converting it).
    assert client.post("/gian-hang/quang-ba/", data={"csrf_token": token, "product_id": "9" * 40, "weeks": [week]}).status_code == 404
    resp = client.post("/gian-hang/quang-ba/", data={"csrf_token": token, "product_id": no_cert.id, "weeks": [week]})
    assert resp.status_code == 400 and "chứng nhận OCOP" in resp.get_data(as_text=True)
    assert client.post("/gian-hang/quang-ba/", data={"csrf_token": token, "product_id": mine.id, "weeks": ["2020-W01"]}).status_code == 400
    assert client.post("/gian-hang/quang-ba/", data={"csrf_token": token, "product_id": mine.id, "weeks": [week]}).status_code == 302
    assert client.post("/gian-hang/quang-ba/", data={"csrf_token": token, "product_id": mine.id, "weeks": [week]}).status_code == 409


def test_an_order_after_a_click_counts_toward_the_promotion(app, ctx, client):
    from ocop_market.orders import services as orders
    from ocop_market.orders.services import CheckoutData

    buyer = make_user("mua@example.vn")
    _, product = _listing()
    _, other = _listing(name="Hộ khác", product="Khác")
    _request(product, [placements.current_week()])
    weekly.allocate_week(placements.current_week())
    db.session.commit()
    allocation = db.session.scalar(select(Allocation))
    click = client.get(f"/qc/{allocation.id}", headers=BROWSER)
    cookie = re.search(r"ocop_qc=([^;]+)", click.headers["Set-Cookie"]).group(1)
    checkout = CheckoutData("Nguyễn Minh Anh", "0912345678", "Số 1", "Phường A", product.producer.province_id, "cod")
    with app.test_request_context("/thanh-toan", method="POST", headers={"Cookie": f"ocop_qc={cookie}"}):
        orders.place_order(buyer, {product.id: 2, other.id: 1}, checkout)
        db.session.commit()
    conversions = db.session.scalars(select(Conversion)).all()
    assert [(c.product_id, c.allocation_id, c.revenue_vnd) for c in conversions] == [(product.id, allocation.id, 2 * product.price_vnd)]
    with app.test_request_context("/thanh-toan", method="POST", headers={"Cookie": "ocop_qc=forged.value"}):
        orders.place_order(buyer, {product.id: 1}, checkout)
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 1
    report = client.get("/", headers=BROWSER)
    assert report.status_code == 200


@pytest.mark.parametrize("app_config", [{"PROMOTION_COUNTER_FLUSH_EVENTS": 3, "PROMOTION_COUNTER_FLUSH_SECONDS": 3600}],
                         indirect=True)
def test_counts_are_batched_and_upserted(app, ctx, client):
    _, product = _listing()
    _request(product, [placements.current_week()])
    weekly.allocate_week(placements.current_week())
    db.session.commit()
    client.get("/", headers=BROWSER)
    client.get("/", headers=BROWSER)
    assert _counter(product.id) == (0, 0)  # still in the buffer: no write per view
    client.get("/", headers=BROWSER)
    assert _counter(product.id) == (3, 0)
    for _ in range(3):
        client.get("/", headers=BROWSER)
    assert _counter(product.id) == (6, 0)
    assert db.session.scalar(select(func.count()).select_from(DailyCounter)) == 1  # one row per day
    client.get("/", headers=BROWSER)
    assert tracking.flush(app) == 1 and _counter(product.id) == (7, 0)


def test_effect_report_shows_figures_and_svg_charts(ctx, client, auth):
    make_user("canbo@example.vn", role="staff")
    _, product = _listing()
    _listing(name="Hộ chưa được", product="Chưa quảng bá")
    _request(product, [placements.current_week()])
    weekly.allocate_week(placements.current_week())
    db.session.commit()
    client.get("/", headers=BROWSER)
    auth.login("canbo@example.vn")
    page = client.get("/quan-tri/quang-ba/bao-cao?weeks=4")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<svg") == 4 and "<script>" not in html
    assert re.search(r'id="stat-impressions">1<', html)
    assert re.search(r'id="stat-gini">0,50<', html)  # two eligible producers, one got all impressions
    assert re.search(r'id="stat-poor-share">100,00 %<', html)  # a rate in Vietnamese: decimal comma, space, sign
    assert client.get("/quan-tri/quang-ba/bao-cao?weeks=0").status_code == 400
    settings = client.get("/quan-tri/quang-ba/cai-dat")
    form = {"csrf_token": csrf_from(settings.get_data(as_text=True)), "quota_per_quarter": "2", "max_per_week": "1",
            "min_stars": "4", "min_stock": "1", "lookback_weeks": "12", "attribution_days": "7"}
    form.update({f"capacity-{p.id}": str(p.capacity) for p in placements.placements()})
    assert client.post("/quan-tri/quang-ba/cai-dat", data=form).status_code == 302
    db.session.expire_all()
    assert placements.get_settings().quota_per_quarter == 2 and placements.get_settings().min_stars == 4
    assert client.post("/quan-tri/quang-ba/cai-dat", data=dict(form, min_stars="9")).status_code == 400
    assert client.post("/quan-tri/quang-ba/cai-dat", data=dict(form, **{f"capacity-{placements.placements()[0].id}": "-1"})).status_code == 400


def test_effect_report_writes_every_figure_the_vietnamese_way(ctx, client, auth):
    """Counts '1.234', money '1.300.000 ₫', rates '100,00 %', the Gini index '0,50': never '1234' or '0.5'."""
    make_user("canbo@example.vn", role="staff")
    _, product = _listing()
    _listing(name="Hộ chưa được", product="Chưa quảng bá")
    _request(product, [placements.current_week()])
    weekly.allocate_week(placements.current_week())
    db.session.commit()
    client.get("/", headers=BROWSER)
    client.get("/", headers=BROWSER)
    tracking.flush(ctx)
    db.session.execute(DailyCounter.__table__.update().where(DailyCounter.product_id == product.id)
                       .values(impressions=12_345, clicks=1_234))
    db.session.commit()
    auth.login("canbo@example.vn")
    html = client.get("/quan-tri/quang-ba/bao-cao?weeks=4").get_data(as_text=True)
    assert re.search(r'id="stat-impressions">12\.345<', html) and re.search(r'id="stat-clicks">1\.234<', html)
    assert re.search(r'id="stat-gini">0,50<', html) and re.search(r'id="stat-poor-share">100,00 %<', html)
    assert re.search(r'id="stat-min-share">0,00 %<', html)
    assert "<td>12.345 (0)</td><td>1.234</td>" in html  # the product-and-week row
    assert "<td>0,00</td>" in html  # orders per product-week: a decimal comma
    assert raw_figures(html, allowed=[f"{placements.current_week()[:4]}"]) == []


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="concurrent transactions need PostgreSQL (set TEST_DATABASE_URL)")
def test_two_staff_allocating_the_same_week_at_once_cannot_exceed_capacity(app):
    week = "2026-W49"
    with app.app_context():
        placements.ensure_defaults()
        for p in placements.placements():
            p.capacity = 2 if p.code == "home" else 0
        db.session.commit()
        for i in range(6):
            _, product = _listing(name=f"Hộ {i}", product=f"Hàng {i}")
            _request(product, [week])
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                results.append(weekly.allocate_week(week))
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(r.ran_now for r in results) == [False, True]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Allocation)) == 2
        assert db.session.scalar(select(func.count()).select_from(WeekRun)) == 1
