"""Commune scope (issue 13): a commune officer (cán bộ xã) sees and changes only their commune's producers,
households, listings awaiting review and programme reports; every other staff page is 403 for them. Reports
group by commune code; the schematic commune map has one square per commune with its figure, and flags the
communes staff mark as having no mobile or radio signal.

The hand-made data set (2025-Q4), two communes of Cao Bằng:
- Xã Trùng Khánh (01477): project CB-TK-01 with H1 (poor → near-poor on 1/12/2025) and H2 (near-poor, no record);
  H1 sells 2 × 100.000 on 5/10/2025 and H2 3 × 50.000 on 2/11/2025 → 2 households, 350.000 ₫, 2 orders,
  1 thoát nghèo.
- Xã Hà Quảng (01438): project CB-HQ-01 with H3 (poor, no record), selling 1 × 80.000 on 11/11/2025 → 1 household,
  80.000 ₫, 1 order, 0 thoát nghèo.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from ocop_market.accounts.models import User
from ocop_market.audit import AuditEntry
from ocop_market.catalog.models import HouseholdAssessment, Producer, Product
from ocop_market.errors import NotAllowed
from ocop_market.extensions import db
from ocop_market.places import Commune, Province, load_communes
from ocop_market.programs import communes, disbursements, listings, outcomes, participation, projects, rules
from tests.conftest import Auth, csrf_from, make_producer, make_product, make_user
from tests.functional.test_programs import _csv, anonymous, login, sell

D = dt.date
TK, HQ = "01477", "01438"


def _province(code):
    return db.session.scalar(select(Province).where(Province.code == code))


def _commune(code):
    return db.session.scalar(select(Commune).where(Commune.code == code))


def _project(admin, code, commune, cb):
    return projects.create_project(admin, projects.ProjectData(
        code=code, name=f"Dự án {code}", form="value_chain", component="DA2", programme="CTMTQG giảm nghèo bền vững",
        period="2021–2025", province_id=cb.id, commune=commune, lead="HTX", start_on=D(2025, 7, 1),
        end_on=D(2027, 6, 30), target_households=10, budgets={"central": 50_000_000}))


@pytest.fixture
def world(ctx):
    load_communes(["CB", "LS"])
    cb, ls = _province("CB"), _province("LS")
    admin = make_user("quantri@example.vn", role="admin")
    staff_cb = make_user("canbo.cb@example.vn", role="staff", province_id=cb.id)
    staff_ls = make_user("canbo.ls@example.vn", role="staff", province_id=ls.id)
    buyer = make_user("nguoimua@example.vn")
    h1 = make_producer(name="Hộ bà Lục Thị Hoa", category="poor")
    h2 = make_producer(name="Hộ ông Nông Văn Phúc", category="near_poor")
    h3 = make_producer(name="Hộ ông Thào Seo Dìn", category="poor", commune="Xã Hà Quảng")
    waiting_tk = make_producer(name="Hộ bà Hoàng Thị Mai", verified=False)
    waiting_hq = make_producer(name="Hộ ông Vàng Seo Pao", verified=False, commune="Xã Hà Quảng")
    a = make_product(h1, name="Hạt dẻ Trùng Khánh", price=100_000)
    b = make_product(h2, name="Dao Phúc Sen", price=50_000)
    c = make_product(h3, name="Rượu ngô Hà Quảng", price=80_000)
    queue_tk = make_product(h1, name="Bánh khảo Trùng Khánh", status="pending")
    queue_hq = make_product(h3, name="Mật ong bạc hà", status="pending")
    p_tk = _project(admin, "CB-TK-01", "Xã Trùng Khánh", cb)
    p_hq = _project(admin, "CB-HQ-01", "Xã Hà Quảng", cb)
    disbursements.set_capital_plan(admin, p_tk, 2025, "central", 40_000_000, 0)
    disbursements.add_disbursement(admin, p_tk, "central", D(2025, 8, 1), 10_000_000)  # 25,00 %
    participation.join_project(admin, p_tk, h1, D(2025, 7, 10), "poor", 1_000_000)
    participation.join_project(admin, p_tk, h2, D(2025, 7, 10), "near_poor", 1_200_000)
    participation.join_project(admin, p_hq, h3, D(2025, 7, 12), "poor", 800_000)
    participation.add_livelihood_record(admin, h1, D(2025, 12, 1), 1_600_000, "near_poor")
    listings.set_product_project(admin, a, p_tk)
    listings.set_product_project(admin, b, p_tk)
    listings.set_product_project(admin, c, p_hq)
    db.session.commit()
    at = lambda *args: dt.datetime(*args, tzinfo=dt.UTC)  # noqa: E731
    sell(buyer, a, 2, at(2025, 10, 5, 3))
    sell(buyer, b, 3, at(2025, 11, 2, 3))
    sell(buyer, c, 1, at(2025, 11, 11, 3))
    officer = make_officer("canbo.trungkhanh@example.vn", TK)
    officer_hq = make_officer("canbo.haquang@example.vn", HQ)
    return dict(admin=admin, staff_cb=staff_cb, staff_ls=staff_ls, officer=officer, officer_hq=officer_hq,
                h1=h1, h2=h2, h3=h3, waiting_tk=waiting_tk, waiting_hq=waiting_hq, queue_tk=queue_tk,
                queue_hq=queue_hq, p_tk=p_tk, p_hq=p_hq, cb=cb)


def make_officer(email, commune_code):
    from ocop_market.accounts import services

    user = services.register(email.split("@")[0], email, "secret-pass-1", "commune_officer",
                             commune=_commune(commune_code))
    db.session.commit()
    return user


def _post(client, url, data=None, page="/quan-tri/"):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


# ---------------------------------------------------------------- the account
def test_staff_create_a_commune_officer_for_a_commune_of_their_province(world, client):
    login(client, world["staff_cb"])
    page = client.get("/quan-tri/can-bo-xa").get_data(as_text=True)
    assert "Xã Trùng Khánh (01477)" in page and "Xã Hà Quảng (01438)" in page
    tk = _commune(TK)
    form = {"display_name": "Bế Thị Lan", "login": "lan.xa@example.vn", "password": "mat-khau-xa-1",
            "commune_id": str(tk.id)}
    resp = _post(client, "/quan-tri/can-bo-xa", form, page="/quan-tri/can-bo-xa")
    assert resp.status_code == 302
    lan = db.session.scalar(select(User).where(User.email == "lan.xa@example.vn"))
    assert (lan.role, lan.commune_id, lan.province_id) == ("commune_officer", tk.id, world["cb"].id)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create_commune_officer",
                                                      AuditEntry.entity_id == lan.id)).actor_id == world["staff_cb"].id
    listed = client.get("/quan-tri/can-bo-xa").get_data(as_text=True)
    assert "lan.xa@example.vn" in listed and "Xã Trùng Khánh, Cao Bằng" in listed
    # Missing fields and a short password are the form's errors, in Vietnamese, with 400.
    bad = _post(client, "/quan-tri/can-bo-xa", {**form, "login": "x@example.vn", "password": "ngan",
                                                "commune_id": ""}, page="/quan-tri/can-bo-xa")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Mật khẩu cần từ 8 ký tự." in text and "Vui lòng chọn xã." in text
    # Staff of Lạng Sơn cannot name an officer for a Cao Bằng commune: it is not among their choices.
    login(client, world["staff_ls"])
    other = _post(client, "/quan-tri/can-bo-xa", {**form, "login": "khac@example.vn"}, page="/quan-tri/can-bo-xa")
    assert other.status_code == 400 and "Lựa chọn không hợp lệ." in other.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "khac@example.vn")) is None
    # Admin chooses the province first; the new officer signs in and lands in their commune's staff area.
    login(client, world["admin"])
    assert "Xã Chi Lăng" in client.get("/quan-tri/can-bo-xa?province=LS").get_data(as_text=True)
    anonymous(client)
    landed = Auth(client).login("lan.xa@example.vn", "mat-khau-xa-1")
    assert landed.status_code == 302 and landed.headers["Location"].endswith("/quan-tri/")
    home = client.get("/quan-tri/").get_data(as_text=True)
    assert "Cán bộ xã: Xã Trùng Khánh (mã 01477)" in home
    assert client.get("/quan-tri/can-bo-xa").status_code == 403  # officers do not make officers


def test_a_commune_officer_needs_a_commune(world):
    from ocop_market.accounts import services
    from ocop_market.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.register("Không xã", "khongxa@example.vn", "secret-pass-1", "commune_officer")
    db.session.rollback()
    user = make_user("thu@example.vn")
    user.role = "commune_officer"  # the database refuses it too
    with pytest.raises(Exception, match="(?i)check|constraint"):
        db.session.commit()
    db.session.rollback()


# ---------------------------------------------------------------- what the officer sees and changes
def test_the_officer_sees_and_reviews_only_their_communes_producers(world, client):
    login(client, world["officer"])
    home = client.get("/quan-tri/").get_data(as_text=True)
    assert '<span class="stat-number" id="stat-pending-producers">1</span>' in home  # of 2 in the province
    assert '<span class="stat-number" id="stat-pending-products">1</span>' in home
    assert 'href="/quan-tri/nhat-ky"' not in home and 'href="/quan-tri/don-hang/"' not in home  # menu: only theirs
    queue = client.get("/quan-tri/co-so/cho-xac-minh").get_data(as_text=True)
    assert "Hộ bà Hoàng Thị Mai" in queue and "Hộ ông Vàng Seo Pao" not in queue
    everyone = client.get("/quan-tri/co-so").get_data(as_text=True)
    assert "Hộ bà Lục Thị Hoa" in everyone and "Hộ ông Nông Văn Phúc" in everyone
    assert "Hộ ông Thào Seo Dìn" not in everyone and "Hộ ông Vàng Seo Pao" not in everyone
    hq, tk = world["waiting_hq"], world["waiting_tk"]
    assert client.get(f"/quan-tri/co-so/{hq.id}").status_code == 403
    assert client.get(f"/quan-tri/co-so/{hq.id}/sua").status_code == 403
    assert _post(client, f"/quan-tri/co-so/{hq.id}/xac-minh").status_code == 403
    assert _post(client, f"/quan-tri/co-so/{hq.id}/tu-choi", {"reason": "Thiếu giấy tờ"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Producer, hq.id).status == "pending"
    assert client.get(f"/quan-tri/co-so/{tk.id}").status_code == 200
    assert _post(client, f"/quan-tri/co-so/{tk.id}/xac-minh").status_code == 302
    db.session.expire_all()
    assert db.session.get(Producer, tk.id).status == "verified"
    assert client.get("/quan-tri/co-so/999999").status_code == 404


def test_the_officer_cannot_move_a_record_out_of_their_commune(world, client):
    h1 = world["h1"]
    login(client, world["officer"])
    page = f"/quan-tri/co-so/{h1.id}/sua"
    form_page = client.get(page).get_data(as_text=True)
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form_page))
    fields.update({"kind": "household", "name": h1.name, "province_id": str(h1.province_id),
                   "household_category": "poor", "commune": "Xã Hà Quảng"})
    for unticked in ("csrf_token", "ethnic_minority", "woman_headed", "q"):
        fields.pop(unticked, None)
    moved = _post(client, page, fields, page=page)
    assert moved.status_code == 403
    assert "Cán bộ xã chỉ lưu được hồ sơ ở xã của mình" in moved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Producer, h1.id).commune == "Xã Trùng Khánh"
    fields["commune"] = "xa trung khanh"  # the same commune, spelt otherwise: allowed
    fields["village"] = "Xóm Pác Rằng"
    assert _post(client, page, fields, page=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(Producer, h1.id).village == "Xóm Pác Rằng"


def test_the_officer_reviews_only_their_communes_listings(world, client):
    login(client, world["officer"])
    queue = client.get("/quan-tri/san-pham/cho-duyet").get_data(as_text=True)
    assert "Bánh khảo Trùng Khánh" in queue and "Mật ong bạc hà" not in queue
    hq, tk = world["queue_hq"], world["queue_tk"]
    assert client.get(f"/quan-tri/san-pham/{hq.id}").status_code == 403
    assert _post(client, f"/quan-tri/san-pham/{hq.id}/duyet").status_code == 403
    assert _post(client, f"/quan-tri/san-pham/{hq.id}/tu-choi", {"reason": "Ảnh mờ"}).status_code == 403
    assert _post(client, f"/quan-tri/san-pham/{tk.id}/duyet").status_code == 302
    db.session.expire_all()
    assert (db.session.get(Product, hq.id).status, db.session.get(Product, tk.id).status) == ("pending", "approved")
    # Editing listings, photos and the full catalogue stay with the province's staff.
    assert client.get(f"/quan-tri/san-pham/{tk.id}/sua").status_code == 403
    assert client.get(f"/quan-tri/san-pham/{tk.id}/anh").status_code == 403
    assert client.get("/quan-tri/san-pham").status_code == 403


def test_the_officer_records_assessments_only_for_their_communes_households(world, client):
    p_tk, p_hq, h2, h3 = world["p_tk"], world["p_hq"], world["h2"], world["h3"]
    login(client, world["officer"])
    own = f"/quan-tri/du-an/{p_tk.id}/ho/{h2.id}"
    assert client.get(own).status_code == 200
    resp = _post(client, own + "/sinh-ke", {"assessed_on": "2025-12-10", "income_vnd": "2100000",
                                            "category": "none", "note": "rà soát cuối năm"}, page=own)
    assert resp.status_code == 302
    got = db.session.scalar(select(HouseholdAssessment).where(HouseholdAssessment.producer_id == h2.id,
                                                              HouseholdAssessment.assessed_on == D(2025, 12, 10)))
    assert (got.category, got.income_vnd, got.created_by_id) == ("none", 2_100_000, world["officer"].id)
    other = f"/quan-tri/du-an/{p_hq.id}/ho/{h3.id}"
    assert client.get(other).status_code == 403
    before = db.session.scalar(select(func.count()).select_from(HouseholdAssessment))
    assert _post(client, other + "/sinh-ke", {"assessed_on": "2025-12-10", "income_vnd": "900000",
                                              "category": "poor"}).status_code == 403
    assert _post(client, other + "/dong-y", {"consent_on": "2025-12-10"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(HouseholdAssessment)) == before
    # The project page is theirs to read; its budget, plans and membership are the province's to change.
    detail = client.get(f"/quan-tri/du-an/{p_tk.id}").get_data(as_text=True)
    assert "CB-TK-01" in detail and "Ghi giải ngân" not in detail and "Thêm hộ" not in detail
    assert _post(client, f"/quan-tri/du-an/{p_tk.id}/giai-ngan", {
        "source": "central", "disbursed_on": "2025-12-01", "amount_vnd": "1000"}).status_code == 403
    assert client.get(f"/quan-tri/du-an/{p_tk.id}/sua").status_code == 403
    # The services refuse it too, whatever page calls them.
    with pytest.raises(NotAllowed):
        participation.add_livelihood_record(world["officer_hq"], h2, D(2025, 12, 11), 2_000_000, "none")
    db.session.rollback()


def test_every_other_staff_page_is_closed_to_a_commune_officer(world, client, app):
    """Deny by default: walk every staff page without parameters; only the views marked open answer 200."""
    login(client, world["officer"])
    opened = {"admin.index", "admin.producer_queue", "admin.producer_list", "admin.product_queue",
              "staff_programs.project_list", "staff_programs.dashboard", "staff_programs.outcomes_csv",
              "staff_programs.indicators_xlsx", "staff_programs.commune_map"}
    seen = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/quan-tri", "/admin")) or "GET" not in rule.methods or rule.arguments:
            continue
        seen.add(rule.endpoint)
        status = client.get(rule.rule).status_code
        assert status == (200 if rule.endpoint in opened else 403), (rule.rule, status)
    assert opened <= seen and {"admin.audit_log", "staff_orders.index", "staff_promotions.desk",
                               "admin.jobs_page", "admin.communes_page", "admin.certificates"} <= seen


# ---------------------------------------------------------------- reports of their commune
def test_reports_hold_only_the_officers_commune_with_hand_computed_figures(world, client):
    from openpyxl import load_workbook

    login(client, world["staff_cb"])  # the province first: both communes, by code
    html = client.get("/quan-tri/du-an/ket-qua?period=2025-Q4&group_by=commune").get_data(as_text=True)
    assert '<span data-commune-code="01438">01438</span> · Xã Hà Quảng, Cao Bằng' in html
    rows = {r["group_key"]: r for r in _csv(client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&group_by=commune&dang=may"))}
    assert list(rows) == [HQ, TK]
    assert [(rows[k]["households"], rows[k]["revenue_vnd"], rows[k]["orders"], rows[k]["escaped_poverty"])
            for k in (TK, HQ)] == [("2", "350000", "2", "1"), ("1", "80000", "1", "0")]

    login(client, world["officer"])
    html = client.get("/quan-tri/du-an/ket-qua?period=2025-Q4&group_by=commune").get_data(as_text=True)
    row = re.search(r'<tr data-key="01477">.*?</tr>', html, re.S).group(0)
    assert '<td class="num" data-col="households">2</td>' in row and '350.000' in row
    assert '<td class="num" data-col="orders">2</td>' in row and '<td class="num" data-col="escaped_poverty">1</td>' in row
    assert '<td class="num" data-col="central_rate">25,00 %</td>' in row
    assert 'data-key="01438"' not in html and "Hà Quảng" not in html
    assert "Số liệu của Xã Trùng Khánh (mã 01477): các dự án do xã thực hiện." in html
    by_project = client.get("/quan-tri/du-an/ket-qua?period=2025-Q4&group_by=project").get_data(as_text=True)
    assert "CB-TK-01" in by_project and "CB-HQ-01" not in by_project
    assert "CB-HQ-01" not in client.get("/quan-tri/du-an?period=2025-Q4").get_data(as_text=True)
    assert client.get(f"/quan-tri/du-an/{world['p_hq'].id}").status_code == 403
    assert client.get(f"/quan-tri/du-an/{world['p_hq'].id}/bao-cao").status_code == 403
    exported = _csv(client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&group_by=commune&dang=may"))
    assert [(r["group_key"], r["households"], r["revenue_vnd"]) for r in exported] == [(TK, "2", "350000")]
    by_province = _csv(client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&group_by=province&dang=may"))
    assert [(r["group_key"], r["households"], r["revenue_vnd"]) for r in by_province] == [("CB", "2", "350000")]
    wb = load_workbook(io.BytesIO(client.get("/quan-tri/bao-cao/chi-tieu.xlsx?period=2025-Q4").get_data()))
    # The reporting unit is their commune, not the province whose figures they do not hold.
    assert wb.sheetnames == ["Xã Trùng Khánh, Cao Bằng", "Theo xã"]
    assert wb["Xã Trùng Khánh, Cao Bằng"]["A2"].value == "Đơn vị báo cáo: Xã Trùng Khánh, Cao Bằng"
    assert [(c[0], c[2], c[3]) for c in wb["Theo xã"].iter_rows(min_row=4, values_only=True)] == [(TK, 2, 1)]
    indicator = {r[0]: r for r in wb["Xã Trùng Khánh, Cao Bằng"].iter_rows(min_row=6, values_only=True)}
    assert indicator["13"][4] == 350_000 and indicator["14"][4] == 2  # revenue and orders of Trùng Khánh only
    assert indicator["2"][3:5] == (10, 2)  # CB-TK-01's 10 target households, 2 taking part
    # The other commune's officer sees the other figures only.
    login(client, world["officer_hq"])
    exported = _csv(client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&group_by=commune&dang=may"))
    assert [(r["group_key"], r["households"], r["revenue_vnd"]) for r in exported] == [(HQ, "1", "80000")]


# ---------------------------------------------------------------- the map
def _cells(svg_html):
    """(code, class, title) of each square of the map."""
    return [(code, css, title) for css, code, title in re.findall(
        r'<rect class="([^"]+)" x="\d+" y="\d+" width="112" height="56" data-code="(\d+)"[^>]*><title>([^<]*)</title>',
        svg_html)]


def test_the_map_has_one_square_per_commune_with_its_figure_and_flags_no_signal(world, client):
    login(client, world["staff_cb"])
    hq = _commune(HQ)
    # Staff mark Hà Quảng as having no signal (audited); a commune officer cannot.
    assert _post(client, f"/quan-tri/xa/{hq.id}/song", {"no_signal": "1"}, page="/quan-tri/xa").status_code == 302
    db.session.expire_all()
    assert _commune(HQ).no_signal is True
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "commune.set_no_signal")) is not None
    assert 'id="xa-01438"' in client.get("/quan-tri/xa").get_data(as_text=True)
    resp = client.get("/quan-tri/du-an/ban-do?period=2025-Q4&figure=revenue_vnd")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    cells = _cells(html)
    assert len(cells) == 56 == len({c for c, _css, _t in cells})  # every commune of Cao Bằng, once
    by_code = {code: (css, title) for code, css, title in cells}
    assert by_code[TK][1] == "Xã Trùng Khánh (01477): Doanh thu trong kỳ (đồng) 350.000"
    assert by_code[HQ][1] == ("Xã Hà Quảng (01438): Doanh thu trong kỳ (đồng) 80.000 — không có sóng di động, "
                              "phát thanh")
    assert by_code[TK][0] == "map-cell map-level-4"  # the largest value
    assert by_code[HQ][0] == "map-cell map-level-1 map-no-signal"  # 80.000 / 350.000 → first quarter
    assert by_code["01273"] == ("map-cell map-level-0",
                                "Phường Thục Phán (01273): Doanh thu trong kỳ (đồng) không có dự án trong phạm vi")
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "<script" not in svg and 'style="' not in svg and "href" not in svg  # nothing fetched, nothing a CSP forbids
    households = _cells(client.get("/quan-tri/du-an/ban-do?period=2025-Q4").get_data(as_text=True))
    assert dict((c, t) for c, _css, t in households)[TK].endswith("Số hộ tham gia 2")
    assert client.get("/quan-tri/du-an/ban-do?figure=income").status_code == 400
    assert client.get("/quan-tri/du-an/ban-do?province=LS").status_code == 403  # not their province
    # The officer sees the same province, with figures only for their commune.
    login(client, world["officer"])
    mine = {c: t for c, _css, t in _cells(client.get("/quan-tri/du-an/ban-do?period=2025-Q4&figure=revenue_vnd")
                                          .get_data(as_text=True))}
    assert mine[TK].endswith("350.000") and mine[HQ].endswith("không có dự án trong phạm vi — không có sóng di "
                                                              "động, phát thanh")
    assert _post(client, f"/quan-tri/xa/{hq.id}/song", {"no_signal": "0"}).status_code == 403
    # Admin picks any province.
    login(client, world["admin"])
    assert len(_cells(client.get("/quan-tri/du-an/ban-do?province=LS").get_data(as_text=True))) == 65


def test_map_levels_are_quarters_of_the_largest_value():
    assert [communes.level_of(v, 400) for v in (None, 0, 1, 100, 101, 200, 300, 301, 400)] == [0, 0, 1, 1, 2, 2, 3, 4, 4]
    assert communes.level_of(5, 0) == 0


def test_outcomes_by_commune_match_the_map(world):
    rows = outcomes.outcomes([world["p_tk"], world["p_hq"]], rules.parse_period("2025-Q4"), "commune")
    assert [(o.key, o.households, o.revenue_vnd) for o in rows] == [(HQ, 1, 80_000), (TK, 2, 350_000)]


# ---------------------------------------------------------------- the demo
def test_the_demo_has_a_commune_officer_who_sees_only_their_commune(app, runner, client):
    app.config["DEMO_PHOTO_SIZE"] = 160
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    logins = runner.invoke(args=["seed", "logins"]).output
    assert "canbo.xa@ocop.local" in logins and "ocop-commune-2026" in logins and "Cán bộ xã (Xã Trùng Khánh)" in logins
    with app.app_context():
        anonymous(client)
        assert Auth(client).login("canbo.xa@ocop.local", "ocop-commune-2026").status_code == 302
        producers_page = client.get("/quan-tri/co-so").get_data(as_text=True)
        assert "Hộ bà Lục Thị Hoa" in producers_page and "Hộ ông Thào Seo Dìn" not in producers_page
        board = client.get("/quan-tri/du-an/ket-qua?period=2025&group_by=commune").get_data(as_text=True)
        assert 'data-key="01477"' in board and 'data-key="01321"' not in board
        listed = client.get("/quan-tri/du-an").get_data(as_text=True)
        assert "CB-DA2-2024-01" in listed and "CB-DA3-2024-02" not in listed
        cells = {c: (css, t) for c, css, t in _cells(client.get("/quan-tri/du-an/ban-do?period=2025")
                                                      .get_data(as_text=True))}
        assert len(cells) == 56 and cells[TK][1].endswith("Số hộ tham gia 3")
        assert "map-no-signal" in cells["01321"][0]  # the demo's commune without signal
        assert client.get("/quan-tri/nhat-ky").status_code == 403


def test_a_commune_officer_from_the_command_line(ctx, runner):
    load_communes(["CB"])
    db.session.commit()
    made = runner.invoke(args=["users", "create", "--email", "xa@example.vn", "--role", "commune_officer",
                               "--commune", "1477", "--password", "secret-pass-1"])
    assert made.exit_code == 0, made.output
    user = db.session.scalar(select(User).where(User.email == "xa@example.vn"))
    assert (user.role, user.commune_ref.code) == ("commune_officer", TK)
    missing = runner.invoke(args=["users", "create", "--email", "xa2@example.vn", "--role", "commune_officer",
                                  "--password", "secret-pass-1"])
    assert missing.exit_code != 0 and "cần chọn xã" in missing.output
    unknown = runner.invoke(args=["users", "create", "--email", "xa3@example.vn", "--role", "commune_officer",
                                  "--commune", "99999", "--password", "secret-pass-1"])
    assert unknown.exit_code != 0 and "no commune with the code 99999" in unknown.output
