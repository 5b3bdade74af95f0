"""Support projects, households, livelihood records, the outcome dashboard, its CSV export, the printable
report, the public page, province scope and audit. The dashboard figures of a small hand-made data set
are written out below and checked on the page and in the export."""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import pytest
from sqlalchemy import func, select

from ocop_market.audit import AuditEntry
from ocop_market.catalog import importer
from ocop_market.catalog.models import HouseholdAssessment, Product
from ocop_market.extensions import db
from ocop_market.orders.models import Order, OrderEvent, OrderLine, ProducerOrder
from ocop_market.places import Province, load_communes
from ocop_market.programs import disbursements, listings, outcomes, participation, projects, rules
from ocop_market.programs.models import Disbursement, SupportProject
from ocop_market.timeutil import add_months, local_today
from tests.conftest import Auth, csrf_from, make_producer, make_product, make_user

D = dt.date
UTC = dt.UTC
_codes = itertools.count(1)


def _province(code):
    return db.session.scalar(select(Province).where(Province.code == code))


def sell(buyer, product, qty, delivered_at: dt.datetime, status="delivered"):
    """An order of one line whose producer part reached `status`; delivered (event) at `delivered_at`."""
    total = product.price_vnd * qty
    placed_at = delivered_at - dt.timedelta(days=3)
    order = Order(code=f"DHTEST{next(_codes):05d}", buyer_id=buyer.id, contact_name="Người mua", phone="+84912345678",
                  address_line="Số 1", commune="Xã A", province_id=product.producer.province_id, payment_method="cod",
                  payment_status="paid", subtotal_vnd=total, shipping_vnd=0, total_vnd=total, created_at=placed_at)
    po = ProducerOrder(producer_id=product.producer_id, status=status, subtotal_vnd=total, shipping_vnd=0,
                       total_vnd=total, created_at=placed_at)
    po.lines.append(OrderLine(product_id=product.id, product_name=product.name, unit=product.unit,
                              unit_price_vnd=product.price_vnd, quantity=qty, line_total_vnd=total))
    order.producer_orders.append(po)
    db.session.add(order)
    db.session.flush()
    db.session.add(OrderEvent(order_id=order.id, producer_order_id=po.id, from_status=None, to_status="placed",
                              at=placed_at))
    if status in ("delivered", "completed"):
        db.session.add(OrderEvent(order_id=order.id, producer_order_id=po.id, from_status="shipped",
                                  to_status="delivered", at=delivered_at))
    db.session.commit()
    return po


@pytest.fixture
def world(ctx):
    """Project P1 in Cao Bằng with three households; figures for 2025-Q4 are written in the tests."""
    load_communes(["CB", "LS"])
    cb, ls = _province("CB"), _province("LS")
    admin = make_user("quantri@example.vn", role="admin")
    staff_cb = make_user("canbo.cb@example.vn", role="staff", province_id=cb.id)
    staff_ls = make_user("canbo.ls@example.vn", role="staff", province_id=ls.id)
    buyer = make_user("nguoimua@example.vn")
    h1 = make_producer(name="Hộ bà Lục Thị Hoa", category="poor", ethnic_minority=True, woman_headed=True)
    h2 = make_producer(name="Hộ ông Nông Văn Phúc", category="near_poor", ethnic_minority=True)
    h3 = make_producer(name="Hộ ông Thào Seo Dìn", category="poor", ethnic_minority=True)
    soon = add_months(local_today(), -36) + dt.timedelta(days=30)  # the certificate runs out in 30 days
    a = make_product(h1, name="Hạt dẻ Trùng Khánh", price=100_000, decision_date=soon)
    b = make_product(h2, name="Dao Phúc Sen", price=50_000, stars=None)
    c = make_product(h3, name="Rượu ngô", price=80_000)
    p1 = projects.create_project(admin, projects.ProjectData(
        code="cb-da2-01", name="Liên kết chuỗi hạt dẻ Trùng Khánh", form="value_chain", component="DA2",
        programme="CTMTQG giảm nghèo bền vững", period="2021–2025", province_id=cb.id, commune="Xã Trùng Khánh",
        lead="HTX Nông nghiệp Trà Lĩnh", decision_no="123/QĐ-UBND", decision_date=D(2025, 6, 1),
        decision_authority="UBND xã Trùng Khánh", start_on=D(2025, 7, 1), end_on=D(2027, 6, 30),
        target_households=30,
        budgets={"central": 100_000_000, "local": 20_000_000, "people": 10_000_000}))
    disbursements.set_capital_plan(admin, p1, 2025, "central", 100_000_000, 0, "2150/QĐ-UBND")
    disbursements.set_capital_plan(admin, p1, 2025, "local", 20_000_000, 0)
    disbursements.add_disbursement(admin, p1, "central", D(2025, 8, 1), 69_060_000)
    disbursements.add_disbursement(admin, p1, "local", D(2025, 10, 1), 5_000_000)
    disbursements.add_disbursement(admin, p1, "people", D(2026, 1, 15), 1_000_000)  # after 2025-Q4
    participation.join_project(admin, p1, h1, D(2025, 7, 10), "poor", 1_000_000)
    participation.join_project(admin, p1, h2, D(2025, 7, 10), "near_poor", 1_200_000)
    participation.join_project(admin, p1, h3, D(2025, 7, 12), "poor", 800_000)
    participation.add_livelihood_record(admin, h1, D(2025, 6, 30), 900_000, "poor")  # before joining: ignored
    participation.add_livelihood_record(admin, h1, D(2025, 12, 1), 1_600_000, "near_poor")
    participation.add_livelihood_record(admin, h2, D(2025, 11, 15), 2_000_000, "none")  # above near-poor
    participation.add_livelihood_record(admin, h2, D(2026, 3, 1), 2_500_000, "none")  # after the period
    listings.set_product_project(admin, a, p1)
    listings.set_product_project(admin, b, p1)
    db.session.commit()
    at = lambda *args: dt.datetime(*args, tzinfo=UTC)  # noqa: E731
    sell(buyer, a, 2, at(2025, 10, 5, 3))  # 200.000
    sell(buyer, a, 1, at(2025, 12, 20, 3), status="completed")  # 100.000
    sell(buyer, b, 3, at(2025, 11, 2, 3))  # 150.000
    sell(buyer, b, 1, at(2025, 9, 30, 3))  # 50.000 in Q3: H2's first sale, outside the period
    sell(buyer, b, 2, at(2025, 12, 31, 18))  # 100.000 delivered 1 Jan 2026 01:00 in Vietnam: not Q4
    sell(buyer, a, 5, at(2025, 11, 10, 3), status="shipped")  # not delivered: not a sale
    sell(buyer, c, 1, at(2025, 11, 11, 3))  # a listing of no project
    impressions = _promotion_impressions(a)
    return dict(admin=admin, staff_cb=staff_cb, staff_ls=staff_ls, p1=p1, h1=h1, h2=h2, h3=h3, a=a, b=b, c=c,
                impressions=impressions)


def _promotion_impressions(product) -> int:
    """40 impressions in 2025-Q4 (and 7 outside) when the promotions domain's counter table exists."""
    try:
        from ocop_market.promotions.models import DailyCounter, Placement
    except ImportError:
        return 0
    placement = Placement(code="home-test", kind="home", name_vi="Trang chủ", capacity=4)
    db.session.add(placement)
    db.session.flush()
    db.session.add_all([
        DailyCounter(placement_id=placement.id, product_id=product.id, day=D(2025, 11, 3), impressions=25, clicks=1),
        DailyCounter(placement_id=placement.id, product_id=product.id, day=D(2025, 12, 3), impressions=15, clicks=0),
        DailyCounter(placement_id=placement.id, product_id=product.id, day=D(2026, 1, 3), impressions=7, clicks=0),
    ])
    db.session.commit()
    return 40


#: What staff must read for P1 in 2025-Q4, worked out by hand from the data set above.
EXPECTED_Q4 = dict(
    households=3, households_with_sales=2, first_sale_on="2025-09-30", revenue_vnd=450_000, orders=3,
    revenue_per_household_vnd=150_000, active_listings=2, households_with_records=2,
    baseline_income_avg_vnd=1_100_000, latest_income_avg_vnd=1_800_000, income_change_vnd=700_000,
    escaped_poverty=1, poor_to_near_poor=1, escaped_near_poverty=1, fell_back=0, newly_poor=0,
    certificates_expiring=1, central_plan_vnd=100_000_000, central_disbursed_vnd=69_060_000,
    local_plan_vnd=20_000_000, local_disbursed_vnd=5_000_000,
    households_ethnic_minority=3, escaped_poverty_ethnic_minority=1, escaped_near_poverty_ethnic_minority=1,
    revenue_ethnic_minority_vnd=450_000, households_woman_headed=1, escaped_poverty_woman_headed=1,
    escaped_near_poverty_woman_headed=0, revenue_woman_headed_vnd=300_000,
)


def _figure(outcome, name):
    """EXPECTED_Q4's names read from an Outcome (the dashboard's object)."""
    for source in ("central", "local"):
        if name.startswith(source + "_"):
            line = outcome.plan[source]
            return {"plan_vnd": line.plan_total_vnd, "disbursed_vnd": line.disbursed_vnd}[name[len(source) + 1:]]
    for flag in ("ethnic_minority", "woman_headed"):
        if flag in name:
            b = outcome.breakdown[flag]
            return b.revenue_vnd if name.startswith("revenue") else getattr(b, name.replace("_" + flag, ""))
    got = getattr(outcome, name)
    return got.isoformat() if isinstance(got, dt.date) else got


def login(client, user):
    """Sign `user` in on a fresh session (the login page redirects someone already signed in)."""
    from flask import g

    from tests.conftest import Auth

    client._cookies.clear()
    g.pop("_login_user", None)  # the `ctx` fixture shares one `g` between requests
    Auth(client).login(user.email)


def anonymous(client):
    """A visitor who is signed in nowhere."""
    from flask import g

    client._cookies.clear()
    g.pop("_login_user", None)


def test_dashboard_figures_of_a_hand_made_data_set(world, client):
    outcome, = outcomes.outcomes([world["p1"]], rules.parse_period("2025-Q4"), "project")
    for name, value in EXPECTED_Q4.items():
        assert _figure(outcome, name) == value, name
    assert outcome.promotion_impressions == world["impressions"]
    # The headline: central and local apart, against 2025's capital plan; the people's 1.000.000 (January 2026)
    # is a contribution, shown apart and never in a rate.
    assert rules.format_rate(outcome.rate_bp("central")) == "69,06 %"
    assert rules.format_rate(outcome.rate_bp("local")) == "25,00 %"
    assert outcome.apart_disbursed_vnd == {"policy_credit": 0, "people": 0, "enterprise": 0}

    login(client, world["staff_cb"])
    html = client.get("/quan-tri/du-an/ket-qua?period=2025-Q4&group_by=project").get_data(as_text=True)
    assert "CB-DA2-01" in html and "450.000" in html and "<svg" in html
    assert '<td class="num" data-col="central_rate">69,06 %</td>' in html
    assert '<td class="num" data-col="local_rate">25,00 %</td>' in html
    assert '<td class="num" data-col="escaped_poverty">1</td>' in html
    assert '<td class="num" data-col="escaped_near_poverty">1</td>' in html
    assert '<td class="num" data-col="households_ethnic_minority">3</td>' in html
    assert '<td class="num" data-col="households_woman_headed">1</td>' in html
    assert "56,97 %" not in html  # the old five-source figure against the whole budget is gone
    detail = client.get(f"/quan-tri/du-an/{world['p1'].id}?period=2025-Q4").get_data(as_text=True)
    assert '<dd id="o-revenue">450.000' in detail and '<dd id="o-sellers">2</dd>' in detail
    assert '<dd id="o-escaped">1</dd>' in detail and '<dd id="o-near-poor">1</dd>' in detail
    assert '<dd id="o-escaped-near-poor">1</dd>' in detail
    assert 'data-move="escaped_poverty">Thoát nghèo<' in detail and 'data-move="escaped_near_poverty">Thoát cận nghèo<' in detail
    assert 'data-source="central">69,06 %' in detail and 'data-source="local">25,00 %' in detail
    assert 'id="rate-total"' not in detail  # no rate across loans, contributions and budget
    assert '<tr data-breakdown="ethnic_minority"><td>Hộ dân tộc thiểu số</td><td class="num">3</td>' in detail
    assert "Hộ bà Lục Thị Hoa" in detail and "30/09/2025" in detail
    # Charts are inline SVG drawn on the server: no script, no style attribute, nothing from a CDN.
    assert "<script>" not in detail and 'style="' not in detail and "cdn" not in detail.lower()


def test_a_year_and_a_month_and_grouping_by_commune_and_province(world):
    p1 = world["p1"]
    year, = outcomes.outcomes([p1], rules.parse_period("2025"), "province")
    assert (year.key, year.revenue_vnd, year.orders) == ("CB", 500_000, 4)
    month, = outcomes.outcomes([p1], rules.parse_period("2025-10"), "commune")
    # grouped by the official commune code (Xã Trùng Khánh, Cao Bằng: 01477), not by its spelling
    assert (month.key, month.label) == ("01477", "Xã Trùng Khánh, Cao Bằng")
    assert (month.revenue_vnd, month.households_with_sales) == (200_000, 1)
    # In January 2026 the record of March 2026 is still in the future.
    jan, = outcomes.outcomes([p1], rules.parse_period("2026-01"), "project")
    assert (jan.revenue_vnd, jan.escaped_poverty, jan.latest_income_avg_vnd) == (100_000, 1, 1_800_000)
    # January 2026 is measured against 2026's plan (none entered): no rate; the people's money stays apart.
    assert jan.rate_bp("central") is None and jan.apart_disbursed_vnd["people"] == 1_000_000
    half, = outcomes.outcomes([p1], rules.parse_period("2025-H2"), "project")
    assert (half.revenue_vnd, half.orders, half.escaped_poverty, half.escaped_near_poverty) == (500_000, 4, 1, 1)
    assert half.rate_bp("central") == 6906


def _csv(resp):
    """The machine variant (?dang=may): UTF-8 without a BOM, commas, snake_case headings."""
    body = resp.get_data()
    assert resp.status_code == 200 and not body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8")), delimiter=","))


def _excel_csv(resp):
    """The default variant, read as Vietnamese-locale Excel reads it: BOM, then cells split at semicolons."""
    body = resp.get_data()
    assert resp.status_code == 200 and body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_the_export_has_the_dashboards_figures(world, client, app):
    login(client, world["staff_cb"])
    before = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.export"))
    resp = client.get("/admin/reports/outcomes.csv?period=2025-Q4&group_by=project&dang=may")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = _csv(resp)
    assert [r["group_key"] for r in rows] == ["CB-DA2-01"]
    row = rows[0]
    outcome, = outcomes.outcomes([world["p1"]], rules.parse_period("2025-Q4"), "project")
    for name, value in EXPECTED_Q4.items():
        column = "certificates_expiring_90d" if name == "certificates_expiring" else name
        assert row[column] == str(value), name
        assert row[column] == str(_figure(outcome, name)), name
    assert (row["central_rate_pct"], row["local_rate_pct"], row["period"]) == ("69.06", "25.00", "2025-Q4")
    assert (row["budget_year"], row["people_disbursed_vnd"], row["central_carried_over_vnd"]) == ("2025", "0", "0")
    assert "disbursement_rate_pct" not in row and "budget_vnd" not in row
    assert row["promotion_impressions"] == str(world["impressions"])
    assert row["group_name"] == "Liên kết chuỗi hạt dẻ Trùng Khánh"  # Vietnamese survives the round trip
    same = client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&group_by=project&format=machine")
    assert _csv(same) == rows
    after = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.export"))
    assert after == before + 2
    by_province = _csv(client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&group_by=province&dang=may"))
    assert [(r["group_key"], r["revenue_vnd"]) for r in by_province] == [("CB", "450000")]
    half = _csv(client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-H2&group_by=project&dang=may"))
    assert [(r["period"], r["revenue_vnd"], r["central_rate_pct"]) for r in half] == [("2025-H2", "500000", "69.06")]
    for bad in ("period=2025-Q5", "period=2025-H3", "group_by=household", "period=x" * 20):
        assert client.get(f"/quan-tri/bao-cao/outcomes.csv?{bad}").status_code == 400


def test_the_default_export_opens_right_in_vietnamese_excel(world, client):
    """The file a staff member double-clicks: BOM, ';' between cells, ',' in rates, headings in words, dates
    dd/mm/yyyy; the same figures as the machine variant."""
    login(client, world["staff_cb"])
    resp = client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&group_by=project")
    assert 'filename="outcomes-2025-Q4-project.csv"' in resp.headers["Content-Disposition"]
    heading, row = _excel_csv(resp)
    assert len(heading) == len(row) == 43  # the last: programme spending on shipping subsidies
    cells = dict(zip(heading, row, strict=True))
    assert cells["Nhóm theo"] == "Dự án" and cells["Mã nhóm"] == "CB-DA2-01"
    assert cells["Tên nhóm"] == "Liên kết chuỗi hạt dẻ Trùng Khánh"
    assert cells["NSTW: tỷ lệ giải ngân (%)"] == "69,06" and cells["NSĐP: tỷ lệ giải ngân (%)"] == "25,00"
    assert cells["Ngày bán đầu tiên"] == "30/09/2025"
    assert cells["Doanh thu (đồng)"] == "450000" and cells["NSTW: đã giải ngân (đồng)"] == "69060000"
    assert cells["Số hộ thoát nghèo"] == "1" and cells["Kỳ báo cáo"] == "2025-Q4"
    assert "revenue_vnd" not in heading and "group_key" not in heading
    machine, = _csv(client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&group_by=project&dang=may"))
    assert (machine["central_rate_pct"], machine["first_sale_on"], machine["group_by"]) == ("69.06", "2025-09-30",
                                                                                            "project")
    assert list(machine.values()) != row and len(machine) == 43
    # The dashboard documents both variants beside its two links.
    page = client.get("/quan-tri/du-an/ket-qua?period=2025-Q4").get_data(as_text=True)
    assert "dang=may" in page and "dấu chấm phẩy" in page and "Doanh thu (đồng)" in page
    resp = client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&dang=xlsx")
    assert resp.status_code == 400 and "dang=may" in resp.get_data(as_text=True)


def test_staff_of_another_province_cannot_see_or_change_the_project(world, client):
    p1 = world["p1"]
    login(client, world["staff_ls"])
    assert client.get(f"/quan-tri/du-an/{p1.id}").status_code == 403
    assert client.get(f"/quan-tri/du-an/{p1.id}/sua").status_code == 403
    assert client.get(f"/quan-tri/du-an/{p1.id}/bao-cao").status_code == 403
    token = csrf_from(client.get("/quan-tri/du-an").get_data(as_text=True))
    resp = client.post(f"/quan-tri/du-an/{p1.id}/giai-ngan", data={
        "csrf_token": token, "source": "central", "disbursed_on": "2025-12-01", "amount_vnd": "1000"})
    assert resp.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Disbursement)) == 3
    assert _csv(client.get("/admin/reports/outcomes.csv?period=2025-Q4&dang=may")) == []
    assert "CB-DA2-01" not in client.get("/quan-tri/du-an").get_data(as_text=True)
    assert client.get("/quan-tri/du-an/999999").status_code == 404
    # Their own province is open to them; the admin sees everything.
    login(client, world["staff_cb"])
    assert client.get(f"/quan-tri/du-an/{p1.id}").status_code == 200
    login(client, world["admin"])
    assert client.get(f"/quan-tri/du-an/{p1.id}").status_code == 200


def _post(client, url, data, page=None):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_staff_create_a_project_and_every_change_is_audited(world, client):
    login(client, world["staff_cb"])
    form = {"code": "CB-DA3-02", "name": "Nuôi bò Mông cộng đồng", "form": "community", "component": "DA3-TDA1",
            "programme": "CTMTQG giảm nghèo bền vững", "period": "2021–2025",
            "province_id": str(world["staff_cb"].province_id), "commune": "Xã Bảo Lạc", "lead": "Thào Seo Dìn",
            "decision_no": "45/QĐ-UBND", "decision_date": "2025-03-01", "decision_authority": "UBND xã Bảo Lạc",
            "start_on": "2025-04-01", "end_on": "2027-03-31", "status": "active", "target_households": "30",
            "budget_central": "230.000.000", "budget_people": "161000000"}
    bad = _post(client, "/quan-tri/du-an/moi", {**form, "end_on": "2025-01-01"})
    assert bad.status_code == 400 and "Ngày kết thúc phải sau" in bad.get_data(as_text=True)
    for field, value in (("budget_central", "-5"), ("budget_central", "1,5"), ("budget_local", "abc")):
        assert _post(client, "/quan-tri/du-an/moi", {**form, field: value}).status_code == 400
    other = _post(client, "/quan-tri/du-an/moi", {**form, "province_id": str(_province("LS").id)})
    assert other.status_code == 400  # not among the choices of a Cao Bằng account
    assert db.session.scalar(select(func.count()).select_from(SupportProject)) == 1
    resp = _post(client, "/quan-tri/du-an/moi", form)
    assert resp.status_code == 302
    project = db.session.scalar(select(SupportProject).where(SupportProject.code == "CB-DA3-02"))
    assert project.budget_of("central") == 230_000_000 and project.form == "community"
    assert _post(client, "/quan-tri/du-an/moi", form).status_code == 409  # the code is taken
    pid = project.id

    url = f"/quan-tri/du-an/{pid}/giai-ngan"
    page = f"/quan-tri/du-an/{pid}"
    assert _post(client, url, {"source": "central", "disbursed_on": "2025-05-02", "amount_vnd": "200000000"},
                 page).status_code == 302
    over = _post(client, url, {"source": "central", "disbursed_on": "2025-06-02", "amount_vnd": "30000001"}, page)
    assert over.status_code == 400
    assert "vượt dự toán" in over.get_data(as_text=True) and "30.000.000" in over.get_data(as_text=True)
    early = _post(client, url, {"source": "central", "disbursed_on": "2025-01-02", "amount_vnd": "1"}, page)
    assert early.status_code == 400
    future = (local_today() + dt.timedelta(days=2)).isoformat()
    assert _post(client, url, {"source": "central", "disbursed_on": future, "amount_vnd": "1"}, page).status_code == 400
    for amount in ("0", "-1", "1.5", "10000000000000000000"):
        assert _post(client, url, {"source": "people", "disbursed_on": "2025-06-02", "amount_vnd": amount},
                     page).status_code == 400, amount
    assert _post(client, url, {"source": "central", "disbursed_on": "2025-06-02", "amount_vnd": "30000000"},
                 page).status_code == 302  # exactly the rest of the budget
    db.session.expire_all()
    project = db.session.get(SupportProject, pid)
    assert [d.amount_vnd for d in project.disbursements] == [200_000_000, 30_000_000]
    lines = disbursements.disbursement_lines(project)
    assert {line.source: line.rate_bp for line in lines}["central"] == 10000

    # Lowering a budget below what was paid out is refused; nothing is half-saved.
    edit = _post(client, f"/quan-tri/du-an/{pid}/sua", {**form, "budget_central": "100000000", "name": "Đổi tên"})
    assert edit.status_code == 400 and "đã giải ngân" in edit.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SupportProject, pid).name == "Nuôi bò Mông cộng đồng"

    h = make_producer(name="Hộ bà Giàng Thị Mỷ", category="poor", commune="Xã Bảo Lạc")
    join = f"/quan-tri/du-an/{pid}/ho-tham-gia"
    assert _post(client, join, {"producer_id": str(h.id), "joined_on": "2025-04-10", "category": "poor",
                                "baseline_income_vnd": "-3"}, page).status_code == 400
    assert _post(client, join, {"producer_id": str(h.id), "joined_on": "2025-04-10", "category": "poor",
                                "baseline_income_vnd": "900000"}, page).status_code == 302
    rec = f"/quan-tri/du-an/{pid}/ho/{h.id}/sinh-ke"
    hpage = f"/quan-tri/du-an/{pid}/ho/{h.id}"
    assert _post(client, rec, {"assessed_on": "2025-12-01", "income_vnd": "1400000", "category": "near_poor"},
                 hpage).status_code == 302
    again = _post(client, rec, {"assessed_on": "2025-12-01", "income_vnd": "9", "category": "poor"}, hpage)
    assert again.status_code == 409
    assert _post(client, rec, {"assessed_on": "2026-06-01", "income_vnd": "1700000", "category": "escaped"},
                 hpage).status_code == 302
    records = db.session.scalars(select(HouseholdAssessment).where(HouseholdAssessment.producer_id == h.id,
                                                                   HouseholdAssessment.income_vnd.is_not(None))
                                 .order_by(HouseholdAssessment.assessed_on)).all()
    assert [(r.income_vnd, r.category) for r in records] == [(1_400_000, "near_poor"), (1_700_000, "escaped")]
    assert "1.400.000" in client.get(hpage).get_data(as_text=True)  # the history is shown, oldest kept

    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == world["staff_cb"].id)).all()
    assert actions.count("project.create") == 1 and actions.count("project.disburse") == 2
    assert "project.join" in actions and actions.count("household.assess") == 2
    assert "project.update" not in actions  # the refused edit left no trace
    report = client.get(f"/quan-tri/du-an/{pid}/bao-cao?period=2025")
    assert report.status_code == 200 and "print-report" in report.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "report.print")) == "report.print"


def test_livelihood_records_are_append_only(world):
    record = db.session.scalars(select(HouseholdAssessment)).first()
    record.income_vnd = 1
    with pytest.raises(Exception):
        db.session.flush()
    db.session.rollback()


def test_public_pages_name_no_household_of_the_project_without_its_consent(world, client):
    """Taking part in a poverty-reduction project says a household is poor or near-poor (the transparency page
    promises categories are not public): without a recorded consent the public project page shows it only in
    aggregates, and its listing's page does not name the project."""
    a, b = world["a"], world["b"]
    html = client.get("/du-an/CB-DA2-01").get_data(as_text=True)
    assert 'id="pub-households">3<' in html and 'id="pub-products">2<' in html  # the aggregates stay
    assert "600.000" in html  # every delivered sale of the project's listings: 200+100+150+50+100 thousand
    for private in ("Hộ bà Lục Thị Hoa", "Hộ ông Nông Văn Phúc", "Hộ ông Thào Seo Dìn", a.name, b.name,
                    "1.100.000", "1.600.000", "Hộ nghèo", "Hộ cận nghèo"):
        assert private not in html, private
    assert "2 sản phẩm khác của các hộ tham gia" in html
    assert client.get("/du-an/KHONG-CO").status_code == 404
    for product in (a, b):
        page = client.get(f"/san-pham/{product.slug}").get_data(as_text=True)
        assert "/du-an/" not in page and "dự án hỗ trợ" not in page
    assert "/du-an/" not in client.get(f"/san-pham/{world['c'].slug}").get_data(as_text=True)

    # Staff record H1's consent (dated, by whom, audited): its listing and name appear, H2's still do not.
    login(client, world["staff_cb"])
    p1, h1 = world["p1"], world["h1"]
    url, page = f"/quan-tri/du-an/{p1.id}/ho/{h1.id}/dong-y", f"/quan-tri/du-an/{p1.id}/ho/{h1.id}"
    future = (local_today() + dt.timedelta(days=1)).isoformat()
    assert _post(client, url, {"consent_on": future}, page).status_code == 400
    assert _post(client, url, {"consent_on": "2025-07-01"}, page).status_code == 400  # before joining
    assert _post(client, url, {"consent_on": "2025-08-01"}, page).status_code == 302
    assert "Hộ đồng ý từ 01/08/2025" in client.get(page).get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "project.public_consent"))
    assert entry.actor_id == world["staff_cb"].id
    anonymous(client)
    html = client.get("/du-an/CB-DA2-01").get_data(as_text=True)
    assert "Hộ bà Lục Thị Hoa" in html and a.name in html
    assert "Hộ ông Nông Văn Phúc" not in html and b.name not in html and "1 sản phẩm khác" in html
    product = client.get(f"/san-pham/{a.slug}").get_data(as_text=True)
    assert "Sản phẩm của dự án hỗ trợ phát triển sản xuất" in product and "/du-an/CB-DA2-01" in product
    assert "/du-an/" not in client.get(f"/san-pham/{b.slug}").get_data(as_text=True)

    # Withdrawn (an empty date): aggregates only again.
    login(client, world["staff_cb"])
    assert _post(client, url, {"consent_on": ""}, page).status_code == 302
    anonymous(client)
    assert "Hộ bà Lục Thị Hoa" not in client.get("/du-an/CB-DA2-01").get_data(as_text=True)
    assert "/du-an/" not in client.get(f"/san-pham/{a.slug}").get_data(as_text=True)


def test_a_lead_unit_is_named_without_a_household_consent(world, client):
    """A cooperative or enterprise leading the project is no household: its listings are named."""
    htx = make_producer(name="HTX Nông nghiệp Trà Lĩnh", category="none")
    htx.kind = "cooperative"
    db.session.commit()
    product = make_product(htx, name="Miến dong Trà Lĩnh", price=60_000)
    listings.set_product_project(world["admin"], product, world["p1"])
    db.session.commit()
    html = client.get("/du-an/CB-DA2-01").get_data(as_text=True)
    assert "Miến dong Trà Lĩnh" in html and "HTX Nông nghiệp Trà Lĩnh" in html
    assert "/du-an/CB-DA2-01" in client.get(f"/san-pham/{product.slug}").get_data(as_text=True)


def test_staff_link_a_listing_to_a_project_in_the_product_form(world, client):
    c = world["c"]
    login(client, world["staff_cb"])
    page = client.get(f"/quan-tri/san-pham/{c.id}/sua").get_data(as_text=True)
    assert 'name="support_project"' in page and "CB-DA2-01" in page
    data = {"name": c.name, "group_id": str(c.group_id), "unit": c.unit, "price_vnd": str(c.price_vnd),
            "stock": str(c.stock), "description": c.description, "support_project": str(world["p1"].id)}
    cert = c.certificate
    data.update({"certificate-stars": str(cert.stars), "certificate-decision_no": cert.decision_no,
                 "certificate-decision_date": cert.decision_date.isoformat(), "certificate-level": cert.level,
                 "certificate-issuing_authority": cert.issuing_authority})
    assert _post(client, f"/quan-tri/san-pham/{c.id}/sua", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(c), c.id).support_project_id == world["p1"].id
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "product.set_project",
                                                      AuditEntry.entity_id == c.id)) is not None
    login(client, world["staff_ls"])
    # Another province's staff can neither take the listing out of the project nor put one into it.
    assert _post(client, f"/quan-tri/san-pham/{c.id}/sua", {**data, "support_project": ""}).status_code == 403
    b = world["b"]
    data_b = {**data, "name": b.name, "group_id": str(b.group_id), "unit": b.unit, "price_vnd": str(b.price_vnd),
              "stock": str(b.stock), "description": b.description}
    for key in list(data_b):
        if key.startswith("certificate-"):
            del data_b[key]
    listings.set_product_project(world["admin"], b, None)
    db.session.commit()
    assert _post(client, f"/quan-tri/san-pham/{b.id}/sua", data_b).status_code == 403
    db.session.expire_all()
    assert db.session.get(type(c), c.id).support_project_id == world["p1"].id
    assert db.session.get(type(b), b.id).support_project_id is None


def test_staff_product_form_refuses_a_bad_project_and_keeps_the_link_without_the_field(world, client):
    c = world["c"]
    login(client, world["staff_cb"])
    data = {"name": c.name, "group_id": str(c.group_id), "unit": c.unit, "price_vnd": str(c.price_vnd),
            "stock": str(c.stock), "description": c.description}
    cert = c.certificate
    data.update({"certificate-stars": str(cert.stars), "certificate-decision_no": cert.decision_no,
                 "certificate-decision_date": cert.decision_date.isoformat(), "certificate-level": cert.level,
                 "certificate-issuing_authority": cert.issuing_authority})
    assert _post(client, f"/quan-tri/san-pham/{c.id}/sua", {**data, "support_project": str(world["p1"].id)}).status_code == 302
    refused = _post(client, f"/quan-tri/san-pham/{c.id}/sua", {**data, "support_project": "abc"})
    assert refused.status_code == 400 and "Dự án không hợp lệ." in refused.get_data(as_text=True)
    assert _post(client, f"/quan-tri/san-pham/{c.id}/sua", {**data, "support_project": "999999"}).status_code == 400
    # A post without the field (an older form, a script) edits the listing and leaves its project alone.
    assert _post(client, f"/quan-tri/san-pham/{c.id}/sua", {**data, "stock": "7"}).status_code == 302
    db.session.expire_all()
    kept = db.session.get(type(c), c.id)
    assert kept.stock == 7 and kept.support_project_id == world["p1"].id


def test_import_links_a_known_project_code_and_refuses_an_unknown_one(world, app):
    header = ",".join(importer.HEADER)
    row = ("Hộ bà Đinh Thị Lan,household,Cao Bằng,Xã Hà Quảng,poor,Gạo nếp Khẩu Nua Lếch,Gạo nếp thơm,food,,,,"
           "90000,túi 2kg,40,{code}")
    result = importer.run_import(f"{header}\n{row.format(code='cb-da2-01')}\n".encode(), source="t")
    db.session.commit()
    product = db.session.get(Product, result.product_ids[0])
    assert product.support_project_id == world["p1"].id
    with pytest.raises(importer.ImportFailed) as exc:
        importer.run_import(f"{header}\n{row.format(code='KHONG-CO')}\n".encode(), source="t")
    assert "support_project_code" in str(exc.value.errors[0]) and "KHONG-CO" in str(exc.value.errors[0])
    db.session.rollback()
    # Importing the same file again changes nothing.
    again = importer.run_import(f"{header}\n{row.format(code='CB-DA2-01')}\n".encode(), source="t")
    assert again.products_unchanged == 1 and not again.changed


def test_newly_escaped_is_refused_for_a_household_that_was_never_poor(world, client):
    """'Hộ mới thoát nghèo' only after poverty: H2 joined near-poor, so its rise is 'không thuộc diện'."""
    h1, h2, p1 = world["h1"], world["h2"], world["p1"]
    with pytest.raises(participation.InvalidInput) as exc:
        participation.add_livelihood_record(world["admin"], h2, D(2026, 4, 1), 2_600_000, "escaped")
    assert "chỉ dành cho hộ đã là hộ nghèo" in exc.value.message
    db.session.rollback()
    login(client, world["staff_cb"])
    url, page = f"/quan-tri/du-an/{p1.id}/ho/{h2.id}/sinh-ke", f"/quan-tri/du-an/{p1.id}/ho/{h2.id}"
    resp = _post(client, url, {"assessed_on": "2026-04-01", "income_vnd": "2600000", "category": "escaped"}, page)
    assert resp.status_code == 400 and "Không thuộc diện" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(HouseholdAssessment)
                             .where(HouseholdAssessment.producer_id == h2.id, HouseholdAssessment.source == "assessed")) == 2
    # H1 was poor when it joined (July 2025): after its near-poor record it may be recorded newly escaped.
    url1, page1 = f"/quan-tri/du-an/{p1.id}/ho/{h1.id}/sinh-ke", f"/quan-tri/du-an/{p1.id}/ho/{h1.id}"
    assert _post(client, url1, {"assessed_on": "2026-04-01", "income_vnd": "2600000", "category": "escaped"},
                 page1).status_code == 302


def test_capital_plans_with_carry_over_and_the_cut_off(world, client):
    p1 = world["p1"]
    login(client, world["staff_cb"])
    page = f"/quan-tri/du-an/{p1.id}"
    plan_url = f"/quan-tri/du-an/{p1.id}/ke-hoach-von"
    # 2026 central plan with the carry-over left empty: what 2025 left unspent, 100.000.000 − 69.060.000.
    assert _post(client, plan_url, {"year": "2026", "source": "central", "planned_vnd": "0",
                                    "decision_no": "12/QĐ-UBND"}, page).status_code == 302
    db.session.expire_all()
    plan = {(c.year, c.source): c for c in db.session.get(SupportProject, p1.id).capital_plans}
    assert (plan[(2026, "central")].planned_vnd, plan[(2026, "central")].carried_over_vnd) == (0, 30_940_000)
    # The years' assigned capital may not pass the project's central budget (100.000.000, all given to 2025).
    over = _post(client, plan_url, {"year": "2026", "source": "central", "planned_vnd": "1"}, page)
    assert over.status_code == 400 and "vượt tổng vốn dự án" in over.get_data(as_text=True)
    assert _post(client, plan_url, {"year": "2026", "source": "people", "planned_vnd": "1"}, page).status_code == 400
    assert _post(client, plan_url, {"year": "2040", "source": "local", "planned_vnd": "1"}, page).status_code == 400
    # A payment beyond the year's plan (with carry-over) is refused, with the figures in Vietnamese.
    pay = f"/quan-tri/du-an/{p1.id}/giai-ngan"
    refused = _post(client, pay, {"source": "local", "disbursed_on": "2025-12-01", "amount_vnd": "15000001"}, page)
    assert refused.status_code == 400 and "vượt kế hoạch vốn năm 2025" in refused.get_data(as_text=True)
    # In January 2026 a payment may still be 2025's capital (before the cut-off), not 2024's.
    assert _post(client, pay, {"source": "local", "disbursed_on": "2026-01-20", "amount_vnd": "3000000",
                               "plan_year": "2025"}, page).status_code == 302
    assert _post(client, pay, {"source": "local", "disbursed_on": "2026-01-20", "amount_vnd": "1",
                               "plan_year": "2024"}, page).status_code == 400
    assert _post(client, pay, {"source": "local", "disbursed_on": "2026-02-02", "amount_vnd": "1",
                               "plan_year": "2025"}, page).status_code == 400
    ns, = outcomes.outcomes([db.session.get(SupportProject, p1.id)], rules.parse_period("2025-NS"), "project")
    year, = outcomes.outcomes([db.session.get(SupportProject, p1.id)], rules.parse_period("2025"), "project")
    assert ns.rate_bp("local") == 4000 and year.rate_bp("local") == 2500  # 8.000.000 vs 5.000.000 of 20.000.000
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == world["staff_cb"].id)).all()
    assert actions.count("project.capital_plan") == 1 and actions.count("project.disburse") == 1


def test_demo_project_1_official_figures(app, runner, client):
    """The demo's CB-DA2-2024-01 in 2025: 1 thoát nghèo and 2 thoát cận nghèo (it showed 'Thoát nghèo 2'), and
    the central and local rates against the year's plan with carry-over, 69,06 % and 85,35 % (it showed one
    rate of five sources against the whole budget)."""
    app.config["DEMO_PHOTO_SIZE"] = 160
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        project = projects.project_by_code("CB-DA2-2024-01")
        for key in ("2025", "2025-NS", "2025-H2"):
            o, = outcomes.outcomes([project], rules.parse_period(key), "project")
            assert (o.escaped_poverty, o.poor_to_near_poor, o.escaped_near_poverty) == (1, 1, 2), key
            assert (rules.format_rate(o.rate_bp("central")), rules.format_rate(o.rate_bp("local"))) == \
                ("69,06 %", "85,35 %"), key
            assert o.apart_disbursed_vnd == {"policy_credit": 60_000_000, "people": 30_000_000,
                                             "enterprise": 20_000_000}
        # No demo household that was never poor carries 'hộ mới thoát nghèo'.
        for part in project.participants:
            history = participation.category_history(part.producer, D(2100, 1, 1))
            escaped = [day for day, c in history if c == "escaped"]
            assert all(rules.escaped_allowed([h for h in history if h[0] < day], day) for day in escaped)
        assert not any(c == "escaped" for p in project.participants if p.category_at_joining == "near_poor"
                       for _day, c in participation.category_history(p.producer, D(2100, 1, 1)))
    with app.app_context():
        pid = projects.project_by_code("CB-DA2-2024-01").id
    Auth(client).login("canbo@ocop.local", "ocop-staff-2026")
    html = client.get(f"/quan-tri/du-an/{pid}?period=2025").get_data(as_text=True)
    assert 'data-source="central">69,06 %' in html and 'data-source="local">85,35 %' in html
    assert '<dd id="o-escaped">1</dd>' in html and '<dd id="o-escaped-near-poor">2</dd>' in html


def test_promotion_priority_and_outcomes_read_one_registry(world, client):
    """A household's category is stored once (the dated assessments): the promotion draw's priority, the
    outcome figures and the producer's page all show the latest one, whoever entered it."""
    from ocop_market.catalog import producers
    from ocop_market.catalog.importer import producer_data_of
    from ocop_market.promotions import eligibility

    p1, admin = world["p1"], world["admin"]
    h = make_producer(name="Hộ bà Giàng Thị Mỷ", category="none", commune="Xã Trùng Khánh")
    product = make_product(h, name="Mận tam hoa sấy", price=70_000)
    today = local_today()
    participation.join_project(admin, p1, h, today - dt.timedelta(days=3), "poor", 900_000)
    db.session.commit()
    period = rules.parse_period(today.isoformat()[:7])

    def agree(expected):
        db.session.expire_all()
        producer = db.session.get(type(h), h.id)
        facts = eligibility.listing_facts(db.session.get(type(product), product.id), True)
        row = next(r for r in outcomes.household_rows(db.session.get(SupportProject, p1.id), period)
                   if r.participation.producer_id == h.id)
        assert facts.household_category == producer.household_category == row.latest.category == expected

    # A programme officer's re-assessment (with income) is what promotion priority reads.
    participation.add_livelihood_record(admin, h, today - dt.timedelta(days=1), 1_600_000, "near_poor")
    db.session.commit()
    agree("near_poor")
    # And a category stated on the producer record is what the outcomes read (no second copy to fall behind).
    producers.update_producer(admin, h, producer_data_of(h, household_category="poor", category_assessed_on=today))
    db.session.commit()
    agree("poor")
    assert db.session.get(type(h), h.id).current_assessment.source == "declared"
    # The same day cannot say two things: a second change that day is refused, nothing half-saved.
    with pytest.raises(participation.InvalidInput):
        producers.update_producer(admin, h, producer_data_of(h, household_category="none",
                                                             category_assessed_on=today))
    db.session.rollback()
    agree("poor")
    # The producer's own page shows the same value.
    login(client, world["staff_cb"])
    html = client.get(f"/quan-tri/co-so/{h.id}").get_data(as_text=True)
    html = html.split("Lịch sử thao tác", 1)[0]  # the history below names the earlier categories too
    assert "Hộ nghèo" in html and "Hộ cận nghèo" not in html


def test_reports_group_by_commune_code_whatever_the_spelling(world, client):
    """Two projects in one commune typed two ways are one row of the commune report (its official code); a commune
    the official list does not know is a row of its own, marked as not matched."""
    admin, cb = world["admin"], _province("CB")

    def project(code, commune):
        return projects.create_project(admin, projects.ProjectData(
            code=code, name=f"Dự án {code}", form="community", component="DA3-TDA1", programme="CTMTQG",
            period="2021–2025", province_id=cb.id, commune=commune, lead="Tổ trưởng", start_on=D(2025, 7, 1),
            end_on=D(2026, 6, 30), budgets={"central": 10_000_000}))

    p2, p3 = project("CB-DA3-09", "xa trung khanh"), project("CB-DA3-10", "Xã Khau Đồn (cũ)")
    db.session.commit()
    assert p2.commune_id == world["p1"].commune_id is not None and p3.commune_id is None
    rows = outcomes.outcomes([world["p1"], p2, p3], rules.parse_period("2025-Q4"), "commune")
    assert [(r.key, r.households) for r in rows] == [("01477", 3), ("CB/?Xã Khau Đồn (cũ)", 0)]
    assert "chưa khớp mã xã" in rows[1].label
    login(client, world["staff_cb"])
    exported = _csv(client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&group_by=commune&dang=may"))
    assert [r["group_key"] for r in exported] == ["01477", "CB/?Xã Khau Đồn (cũ)"]


def test_the_half_year_indicator_report_in_xlsx_has_the_dashboards_figures(world, client):
    """2025-H2 for P1 (hand-made figures above): numbered rows, plan / result / rate; the same numbers as the
    dashboard's Outcome and the CSV; the communes by code on their own sheet; the export is audited."""
    from openpyxl import load_workbook

    login(client, world["staff_cb"])
    resp = client.get("/quan-tri/bao-cao/chi-tieu.xlsx?period=2025-H2")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="chi-tieu-2025-H2.xlsx"' in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.get_data()))
    assert wb.sheetnames == ["Cao Bằng", "Theo xã"]
    ws = wb["Cao Bằng"]
    assert "Cao Bằng" in ws["A2"].value and "6 tháng cuối năm 2025" in ws["A3"].value
    assert [c.value for c in ws[5]] == ["STT", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch", "Thực hiện", "Tỷ lệ (%)"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=6, values_only=True)}
    outcome, = outcomes.outcomes([world["p1"]], rules.parse_period("2025-H2"), "province")
    assert rows["2"][3:5] == (30, 3) and abs(rows["2"][5] - 0.1) < 1e-9  # 3 of 30 target households
    assert rows["3"][4] == outcome.escaped_poverty == 1 and rows["4"][4] == outcome.escaped_near_poverty == 1
    assert rows["2.4"][4] == 3 and rows["2.5"][4] == 1 and rows["3.2"][4] == 1 and rows["3.3"][4] == 1
    assert rows["7"][3:5] == (100_000_000, 69_060_000) and abs(rows["7"][5] - 0.6906) < 1e-9
    assert rows["8"][3:5] == (20_000_000, 5_000_000) and abs(rows["8"][5] - 0.25) < 1e-9
    assert rows["10"][4] == 0  # the people's 1.000.000 came in January 2026, and never in a rate
    assert rows["13"][4] == outcome.revenue_vnd == 500_000 and rows["14"][4] == outcome.orders == 4
    assert ws.cell(row=6 + list(rows).index("7"), column=5).number_format == "#,##0"
    csv_row, = _csv(client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-H2&group_by=province&dang=may"))
    assert (csv_row["revenue_vnd"], csv_row["central_rate_pct"], csv_row["escaped_poverty"]) == ("500000", "69.06", "1")
    communes = list(wb["Theo xã"].iter_rows(min_row=4, values_only=True))
    assert [(c[0], c[2], c[3]) for c in communes] == [("01477", 3, 1)]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "indicators")) is not None
    assert client.get("/quan-tri/bao-cao/chi-tieu.xlsx?period=2025-H3").status_code == 400


def test_outcome_and_disbursement_reports_write_every_figure_the_vietnamese_way(world, client):
    """The dashboard, a project's page and its printable report: counts with thousands dots, money '450.000 ₫',
    rates '69,06 %', never a raw '450000' or '0.6906' (issue 14)."""
    from tests.conftest import raw_figures

    login(client, world["staff_cb"])
    pid = world["p1"].id
    q4 = ["69,06 %", "25,00 %", "450.000\u00a0₫"]
    for url, shown in (("/quan-tri/du-an/ket-qua?period=2025-Q4&group_by=project", q4),
                       ("/quan-tri/du-an/ket-qua?period=2025", ["\u00a0₫", " %"]),
                       (f"/quan-tri/du-an/{pid}/bao-cao?period=2025", ["\u00a0₫", " %"]),
                       ("/quan-tri/du-an?period=2025-Q4", q4)):
        html = client.get(url).get_data(as_text=True)
        assert raw_figures(html, allowed=["2021", "2024", "2025", "2026"]) == [], url
        assert all(figure in html for figure in shown), url
