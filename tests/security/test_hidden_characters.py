"""No invisible direction or format characters in names (issue 10 §7), and CSV exports that a spreadsheet cannot run.

U+202E and the other bidi controls were saved in product, producer and recipient names, so a name could be spoofed
on staff screens ("Hộ bà Hoa‮gnp.exe" shows reversed). Now every text field of every form, the CSV importer and, as
the last line of defence, the database flush refuse them with a message naming the character; the staff CSV export
neutralises cells beginning with a tab or carriage return as well as = + - @.
"""
from __future__ import annotations

import csv
import importlib
import io
import pkgutil

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select, text, update
from wtforms import StringField, TextAreaField

import ocop_market
from ocop_market.errors import InvalidInput
from ocop_market.extensions import db
from ocop_market.text import hidden_characters, spreadsheet_cell
from ocop_market.validators import PlainText
from tests.conftest import csrf_from, make_producer, make_product, make_user

#: the issue's bidi controls, then the other invisible format characters
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u061c", "\u00ad", "\U000e0041"]
MESSAGE = "ký tự ẩn hoặc ký tự điều khiển hướng chữ"


def _ids(chars):
    return [f"U+{ord(c):04X}" for c in chars]


# ---------------------------------------------------------------- the rule
@pytest.mark.parametrize("ch", BIDI + INVISIBLE, ids=_ids(BIDI + INVISIBLE))
def test_every_bidi_control_and_invisible_format_character_is_hidden(ch):
    assert hidden_characters(f"Hộ bà Hoa{ch}gnp.exe") == [ch]
    if ch not in ("\u200c", "\u200d"):
        assert hidden_characters(f"Mô tả{ch}", multiline=True) == [ch]


def test_vietnamese_text_in_either_normal_form_is_plain():
    import unicodedata

    for name in ("Hộ bà Lục Thị Hoa", "Miến dong Phja Đén (gói 500g)", "Thôn Nà Mằn, xã Phan Thanh", "Rượu ngô Bắc Hà"):
        assert hidden_characters(name) == [] and hidden_characters(unicodedata.normalize("NFD", name)) == []
    assert hidden_characters("dòng 1\ndòng 2\tcột", multiline=True) == []
    # Free text may hold an emoji sequence (joined by U+200D); a name may not.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert hidden_characters(f"Cả nhà {family} làm miến", multiline=True) == [] and hidden_characters(family) == ["\u200d"]
    # One line: a tab, a line break or U+2028 inside a name is refused too.
    assert hidden_characters("Hộ\tbà") == ["\t"] and hidden_characters("Hộ\u2028bà") == ["\u2028"]


def _form_classes() -> list[type]:
    for info in pkgutil.walk_packages(ocop_market.__path__, "ocop_market."):
        if info.name.endswith("forms"):
            importlib.import_module(info.name)
    found, todo = [], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("ocop_market."):
                found.append(sub)
    return found


def test_every_text_field_of_every_form_has_the_plain_text_validator():
    """New forms included: a StringField or TextAreaField without PlainText fails here."""
    classes = _form_classes()
    assert len(classes) >= 20
    checked, missing = 0, []
    for form in classes:
        for name in dir(form):
            unbound = getattr(form, name, None)
            field_class = getattr(unbound, "field_class", None)
            if field_class not in (StringField, TextAreaField):
                continue
            checked += 1
            validators = unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else [])
            plain = [v for v in validators if isinstance(v, PlainText)]
            if not plain or plain[0].multiline != (field_class is TextAreaField):
                missing.append(f"{form.__module__}.{form.__name__}.{name}")
    assert checked >= 40
    assert missing == []


# ---------------------------------------------------------------- the forms
def _token(client, url):
    return csrf_from(client.get(url).get_data(as_text=True))


@pytest.mark.parametrize("ch", BIDI + ["\u200b", "\ufeff"], ids=_ids(BIDI + ["\u200b", "\ufeff"]))
def test_a_producer_cannot_save_a_product_or_producer_name_with_a_hidden_character(ch, client, auth, ctx):
    from ocop_market.catalog.models import Producer, Product
    from tests.functional.test_admin_area import product_form, province_id

    owner = make_user("nhasanxuat@example.vn", role="producer")
    producer = make_producer(owner=owner)
    db.session.commit()
    assert auth.login("nhasanxuat@example.vn").status_code == 302
    url = "/gian-hang/san-pham/moi"
    resp = client.post(url, data={"csrf_token": _token(client, url), **product_form(name=f"Hạt dẻ{ch}Trùng Khánh")})
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert MESSAGE in page and f"U+{ord(ch):04X}" in page
    assert db.session.scalar(select(Product)) is None

    url = "/gian-hang/ho-so"
    token = _token(client, url)
    resp = client.post(url, data={"csrf_token": token, "kind": "household", "name": f"Hộ bà{ch} Hoa",
                                  "province_id": str(province_id()), "commune": "Xã Trùng Khánh",
                                  "household_category": "poor"})
    assert resp.status_code == 400 and MESSAGE in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Producer, producer.id).name == "Hộ bà Lục Thị Hoa"


def test_the_english_page_says_it_in_english(app, client, auth):
    from tests.functional.test_admin_area import product_form

    # Without the shared `ctx`: each request picks its own language.
    with app.app_context():
        owner = make_user("nhasanxuat@example.vn", role="producer")
        make_producer(owner=owner)
        db.session.commit()
        data = product_form(name="Hạt dẻ\u202eexe")
    assert auth.login("nhasanxuat@example.vn").status_code == 302
    url = "/gian-hang/san-pham/moi?lang=en"
    resp = client.post(url, data={"csrf_token": _token(client, url), **data})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "hidden or text-direction characters (U+202E)" in page


@pytest.mark.parametrize("field", ["contact_name", "address_line", "commune", "note"])
def test_a_recipient_name_or_address_with_a_bidi_control_is_refused_at_checkout(field, client, auth, ctx):
    from ocop_market.orders.models import Order
    from tests.functional.test_admin_area import province_id

    producer = make_producer()
    product = make_product(producer)
    make_user("nguoimua@example.vn")
    db.session.commit()
    assert auth.login("nguoimua@example.vn").status_code == 302
    token = _token(client, f"/san-pham/{product.slug}")
    assert client.post(f"/gio-hang/them/{product.id}", data={"csrf_token": token, "quantity": "1"}).status_code < 400
    data = {"contact_name": "Nông Thị Mai", "phone": "0912 345 678", "address_line": "Số 5, bản Pác Bó",
            "commune": "Xã Trường Hà", "note": "", "payment_method": "cod", "province_id": str(province_id())}
    data[field] = "Nông Thị\u202e Mai"
    resp = client.post("/thanh-toan", data={"csrf_token": _token(client, "/thanh-toan"), **data})
    assert resp.status_code == 400 and MESSAGE in resp.get_data(as_text=True)
    assert db.session.scalar(select(Order)) is None


def test_an_account_name_with_a_bidi_control_is_refused_at_registration(client, ctx):
    from ocop_market.accounts.models import User

    url = "/tai-khoan/dang-ky"
    resp = client.post(url, data={"csrf_token": _token(client, url), "display_name": "Nguyễn\u2067 Văn A",
                                  "login": "a@example.vn", "password": "mat-khau-dai-1", "confirm": "mat-khau-dai-1"})
    assert resp.status_code in (200, 400) and MESSAGE in resp.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


# ---------------------------------------------------------------- the CSV importer
def test_the_csv_import_refuses_hidden_characters_with_the_line_and_writes_nothing(ctx):
    from ocop_market.catalog import importer
    from ocop_market.catalog.models import Producer, Product

    header = ("producer_name,producer_kind,province,commune,poverty_status,product_name,description,group,stars,"
              "certificate_no,certified_on,price_vnd,unit,stock,support_project_code")
    rows = [
        "Hộ bà Lục Thị Hoa,household,Cao Bằng,Xã Trùng Khánh,poor,Hạt dẻ Trùng Khánh,Hạt dẻ rang,food,,,,150000,túi,5,",
        "Hộ ông\u202e Nông Văn Phúc,household,Cao Bằng,Xã Trùng Khánh,poor,Miến dong,,food,,,,60000,gói,5,",
        "Hộ bà Lục Thị Hoa,household,Cao Bằng,Xã Trùng Khánh,poor,Mật ong\u200b bạc hà,,food,,,,90000,hũ,5,",
    ]
    with pytest.raises(importer.ImportFailed) as failed:
        importer.run_import("\n".join([header, *rows]), source="test.csv")
    errors = {(e.line, e.column) for e in failed.value.errors if MESSAGE in e.message}
    assert errors == {(3, "producer_name"), (4, "product_name")}
    assert db.session.scalar(select(Producer)) is None and db.session.scalar(select(Product)) is None


# ---------------------------------------------------------------- the last line of defence
def test_the_flush_refuses_a_hidden_character_whatever_wrote_it(ctx):
    from ocop_market.catalog.models import Product

    producer = make_producer()
    product = make_product(producer)
    db.session.commit()
    product.name = "Hạt dẻ\u202e Trùng Khánh"
    with pytest.raises(InvalidInput) as refused:
        db.session.flush()
    assert MESSAGE in refused.value.message and refused.value.context["field"] == "name"
    db.session.rollback()
    with pytest.raises(InvalidInput):
        make_producer(name="Hộ\u2066 bà Hoa", province_code="LS")
    db.session.rollback()
    # A row saved before the rule (written here past the ORM) can still have its stock changed: only values being
    # set are checked.
    db.session.execute(update(Product).where(Product.id == product.id).values(name="Cũ\u202e tên"))
    db.session.commit()
    db.session.expire_all()
    old = db.session.get(Product, product.id)
    old.stock = 3
    db.session.commit()
    assert db.session.get(Product, product.id).stock == 3


# ---------------------------------------------------------------- CSV exports
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n", "\uff1d"])
def test_a_cell_that_would_start_a_formula_is_neutralised(start):
    assert spreadsheet_cell(f"{start}HYPERLINK(\"http://x\")") == f"'{start}HYPERLINK(\"http://x\")"
    assert spreadsheet_cell("Hạt dẻ") == "Hạt dẻ" and spreadsheet_cell(-5) == -5 and spreadsheet_cell("") == ""


def test_the_staff_outcomes_export_neutralises_tab_and_carriage_return_cells(client, ctx):
    from ocop_market.programs.models import SupportProject
    from tests.functional.test_programs import login

    staff = make_user("canbo.cb@example.vn", role="staff",
                      province_id=db.session.scalar(text("SELECT id FROM provinces WHERE code = 'CB'")))
    project = _project(staff)
    names = {"\t=1+2": "'\t=1+2", "\r=cmd|' /C calc'!A0": "'\r=cmd|' /C calc'!A0", "@SUM(A1)": "'@SUM(A1)"}
    exported = []
    for name, expected in names.items():
        # Names typed in a form can no longer hold a tab or CR; rows from before (or another path) still can.
        db.session.execute(update(SupportProject).where(SupportProject.id == project.id).values(name=name))
        db.session.commit()
        login(client, staff)
        resp = client.get("/quan-tri/bao-cao/outcomes.csv?period=2025-Q4&group_by=project&dang=may")
        assert resp.status_code == 200
        rows = list(csv.DictReader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
        exported.append((rows[0]["group_name"], expected))
    assert all(got == want for got, want in exported), exported


def _project(staff):
    import datetime as dt

    from ocop_market.programs.models import SupportProject

    project = SupportProject(
        code="CB-DA2-09", name="Liên kết chuỗi", form="value_chain", component="DA2", programme="MTQG giảm nghèo",
        period="2021-2025", province_id=staff.province_id, commune="Xã Trùng Khánh", lead="HTX Trùng Khánh",
        start_on=dt.date(2025, 1, 1), end_on=dt.date(2026, 12, 31))
    db.session.add(project)
    db.session.commit()
    return project
