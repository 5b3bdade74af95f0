"""Issue 14: producers and the public read a promotion week as its days ("07/12 – 13/12/2026"); the ISO code
("2026-W50") stays where staff need it (the allocation desk), in URLs and in the files of the draw."""
from __future__ import annotations

import datetime as dt
import re

from ocop_market.extensions import db
from ocop_market.messaging import rendering
from ocop_market.promotions import allocation as weekly
from ocop_market.promotions import placements, rules
from ocop_market.timeutil import day_range_text
from tests.conftest import csrf_from, make_user
from tests.functional.test_promotions import _listing, _request

ISO_WEEK = re.compile(r"\b20\d\d-W\d\d\b")


def visible(html: str) -> str:
    """What a reader sees of the page's main part: the text, not the attributes (links keep the code in URLs)."""
    main = html[html.index("<main"):html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def days_of(week: str) -> str:
    monday = rules.week_monday(week)
    sunday = monday + dt.timedelta(days=6)
    return f"{monday:%d/%m} – {sunday:%d/%m/%Y}" if monday.year == sunday.year \
        else f"{monday:%d/%m/%Y} – {sunday:%d/%m/%Y}"


def test_a_span_of_days_reads_in_the_readers_language():
    assert day_range_text(dt.date(2026, 12, 7), dt.date(2026, 12, 13)) == "07/12 – 13/12/2026"
    assert day_range_text(dt.date(2026, 12, 28), dt.date(2027, 1, 3)) == "28/12/2026 – 03/01/2027"
    assert day_range_text(dt.date(2026, 12, 7), dt.date(2026, 12, 13), "en") == "Dec 7\u2009–\u200913, 2026"
    assert rules.week_dates_text("2026-W50") == "07/12 – 13/12/2026"
    assert rules.week_dates_text("2026-W53") == "28/12/2026 – 03/01/2027"


def test_the_producer_asks_for_weeks_by_their_days_and_sees_them_so(ctx, client, auth):
    owner = make_user("hoa@example.vn", role="producer")
    _, product = _listing(owner=owner)
    week = placements.current_week()
    auth.login("hoa@example.vn")
    page = client.get("/gian-hang/quang-ba/").get_data(as_text=True)
    text = visible(page)
    assert days_of(week) in text and days_of(rules.add_weeks(week, 1)) in text
    assert not ISO_WEEK.search(text), ISO_WEEK.search(text)
    # the checkbox still sends the code; its label is the days
    assert re.search(rf'value="{week}"[^>]*>\s*<label[^>]*>{re.escape(days_of(week))}</label>', page)
    client.post("/gian-hang/quang-ba/", data={"csrf_token": csrf_from(page), "product_id": product.id,
                                              "weeks": [week]})
    text = visible(client.get("/gian-hang/quang-ba/").get_data(as_text=True))
    assert "Đang chờ phân bổ" in text and not ISO_WEEK.search(text)
    # asking again names the week by its days too
    again = client.post("/gian-hang/quang-ba/", data={"csrf_token": csrf_from(page), "product_id": product.id,
                                                      "weeks": [week]})
    assert again.status_code == 409
    assert f"Sản phẩm đã được đăng ký cho tuần {days_of(week)}." in again.get_data(as_text=True)
    # the dashboard's weekly figures
    dashboard = visible(client.get("/gian-hang/").get_data(as_text=True))
    assert days_of(week) in dashboard and not ISO_WEEK.search(dashboard)


def test_the_public_reads_days_and_staff_keep_the_code(ctx, client, auth):
    _, product = _listing()
    week = placements.current_week()
    _request(product, [week])
    weekly.allocate_week(week)
    db.session.commit()
    for path in (f"/quang-ba/minh-bach?week={week}", f"/quang-ba/boc-tham/{week}"):
        page = client.get(path)
        text = visible(page.get_data(as_text=True))
        assert page.status_code == 200 and f"Tuần {days_of(week)}" in text, path
        # only the file name of the draw's data, for checking it by hand, keeps the code
        assert set(ISO_WEEK.findall(text.replace(f"boc-tham-{week}.json", ""))) == set(), path
    make_user("canbo@example.vn", role="staff")
    auth.login("canbo@example.vn")
    desk = visible(client.get(f"/quan-tri/quang-ba/?week={week}").get_data(as_text=True))
    assert f"{week} ({days_of(week)})" in desk


def test_the_promotion_message_names_the_days(ctx):
    params = {"producer": "Hộ bà Hoa", "product": "Hạt dẻ", "week": "2026-W50", "monday": "07/12/2026",
              "granted": True, "placement": "Trang chủ", "reason": ""}
    vi = rendering.render("promotion_decided", "email", "vi", params).text
    assert "trong tuần 07/12 – 13/12/2026, ở vị trí: Trang chủ." in vi and "2026-W50" not in vi
    en = rendering.render("promotion_decided", "email", "en", params).text
    assert "Dec 7\u2009–\u200913, 2026" in en and "2026-W50" not in en
