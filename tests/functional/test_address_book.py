"""Issue 14: the buyer's address book — checkout remembers the address, the province stays blank until chosen,
the commune is offered from the province's official list (free text still accepted)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ocop_market.accounts.models import DeliveryAddress
from ocop_market.extensions import db
from ocop_market.places import Commune, Province, load_communes
from tests.conftest import csrf_from, make_user
from tests.functional.test_orders import CHECKOUT, add, shop  # noqa: F401  (the fixture)

BOOK = "/tai-khoan/dia-chi"


@pytest.fixture(autouse=True)
def communes(ctx):
    """The official communes of the provinces used here (a migrated database has all of them)."""
    load_communes(["CB", "HN"])
    db.session.commit()


def province(code: str) -> Province:
    return db.session.scalar(select(Province).where(Province.code == code))


def selected_province(html: str) -> str | None:
    select_html = re.search(r'<select[^>]*id="province_id"[^>]*>(.*?)</select>', html, re.S).group(1)
    m = re.search(r'<option selected value="([^"]*)">|<option value="([^"]*)" selected>', select_html)
    return (m.group(1) or m.group(2)) if m else None


def field_value(html: str, name: str) -> str:
    m = re.search(rf'<input[^>]*id="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'<input[^>]*value="([^"]*)"[^>]*id="{name}"', html)
    return m.group(1) if m else ""


def test_checkout_starts_with_no_province_and_asks_for_one(client, auth, shop):  # noqa: F811
    auth.login("mua@khach.vn")
    add(client, shop["chestnut"])
    page = client.get("/thanh-toan").get_data(as_text=True)
    assert selected_province(page) in (None, "")
    assert re.search(r'<select[^>]*id="province_id"[^>]*>\s*<option (selected )?value="">— Chọn tỉnh/thành phố —</option>',
                     page)
    data = dict(CHECKOUT, csrf_token=csrf_from(page))  # no province_id: the buyer skipped the select
    resp = client.post("/thanh-toan", data=data)
    assert resp.status_code == 400 and "Vui lòng chọn tỉnh/thành phố." in resp.get_data(as_text=True)


def test_checkout_remembers_the_address_and_fills_it_in_next_time(client, auth, shop):  # noqa: F811
    auth.login("mua@khach.vn")
    add(client, shop["chestnut"])
    page = client.get("/thanh-toan").get_data(as_text=True)
    cb = province("CB")
    data = dict(CHECKOUT, province_id=str(cb.id), commune="xa truong ha", csrf_token=csrf_from(page))
    assert client.post("/thanh-toan", data=data).status_code == 302
    [saved] = db.session.scalars(select(DeliveryAddress)).all()
    assert saved.is_default and saved.last_used_at is not None
    # The free text named an official commune: kept as its name, with its code.
    commune = db.session.scalar(select(Commune).where(Commune.code == saved.commune_code))
    assert commune is not None and commune.province_id == cb.id and saved.commune == commune.name
    add(client, shop["chestnut"])
    page = client.get("/thanh-toan").get_data(as_text=True)
    assert selected_province(page) == str(cb.id)
    assert field_value(page, "address_line") == "Số 5, bản Pác Bó"
    assert field_value(page, "commune") == commune.name and field_value(page, "phone") == "0912345678"
    # The commune field offers the province's official communes.
    datalist = re.search(r'<datalist id="communes-list">(.*?)</datalist>', page, re.S).group(1)
    names = re.findall(r'<option value="([^"]+)">', datalist)
    assert commune.name in names
    assert set(names) == set(db.session.scalars(select(Commune.name).where(Commune.province_id == cb.id)))
    # The same address again is not saved twice.
    data["csrf_token"] = csrf_from(page)
    assert client.post("/thanh-toan", data=data).status_code == 302
    assert len(db.session.scalars(select(DeliveryAddress)).all()) == 1


def test_the_address_book_adds_edits_sets_the_default_and_deletes(client, auth, shop):  # noqa: F811
    auth.login("mua@khach.vn")
    page = client.get(BOOK).get_data(as_text=True)
    assert "Chưa có địa chỉ nào." in page and selected_province(page) in (None, "")
    cb, hn = province("CB"), province("HN")
    home = {"contact_name": "Nông Thị Mai", "phone": "0912 345 678", "address_line": "Số 5, bản Pác Bó",
            "commune": "Xã Trường Hà", "province_id": str(cb.id)}
    assert client.post(BOOK, data=dict(home, csrf_token=csrf_from(page))).status_code == 302
    office = {"contact_name": "Nông Thị Mai", "phone": "0987654321", "address_line": "12 Phố Huế",
              "commune": "Một phường chưa có trong danh sách", "province_id": str(hn.id)}
    page = client.get(BOOK).get_data(as_text=True)
    assert client.post(BOOK, data=dict(office, csrf_token=csrf_from(page))).status_code == 302
    first, second = sorted(db.session.scalars(select(DeliveryAddress)), key=lambda a: a.id)
    assert first.is_default and not second.is_default
    assert second.commune == "Một phường chưa có trong danh sách" and second.commune_code is None  # free text kept
    # A bad phone is said beside the field, 400, nothing saved.
    page = client.get(BOOK).get_data(as_text=True)
    resp = client.post(BOOK, data=dict(office, phone="123", csrf_token=csrf_from(page)))
    assert resp.status_code == 400 and "Số điện thoại di động không hợp lệ" in resp.get_data(as_text=True)
    # The second becomes the default; checkout now fills it in.
    token = csrf_from(page)
    assert client.post(f"{BOOK}/{second.id}/mac-dinh", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(DeliveryAddress, second.id).is_default
    assert not db.session.get(DeliveryAddress, first.id).is_default
    add(client, shop["chestnut"])
    checkout_page = client.get("/thanh-toan").get_data(as_text=True)
    assert field_value(checkout_page, "address_line") == "12 Phố Huế"
    # ... and offers the other saved one by a plain link.
    assert f'href="/thanh-toan?dia_chi={first.id}"' in checkout_page
    other = client.get(f"/thanh-toan?dia_chi={first.id}").get_data(as_text=True)
    assert field_value(other, "address_line") == "Số 5, bản Pác Bó" and selected_province(other) == str(cb.id)
    # Editing.
    page = client.get(f"{BOOK}/{first.id}").get_data(as_text=True)
    assert field_value(page, "address_line") == "Số 5, bản Pác Bó"
    edited = dict(home, address_line="Số 7, bản Pác Bó", csrf_token=csrf_from(page))
    assert client.post(f"{BOOK}/{first.id}", data=edited).status_code == 302
    db.session.expire_all()
    assert db.session.get(DeliveryAddress, first.id).address_line == "Số 7, bản Pác Bó"
    # Deleting the default hands the default on (confirmed: test_deleting_an_address_asks_first).
    assert client.post(f"{BOOK}/{second.id}/xoa", data={"csrf_token": token, "confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(DeliveryAddress, second.id) is None
    assert db.session.get(DeliveryAddress, first.id).is_default


def test_deleting_an_address_asks_first(client, auth, shop):  # noqa: F811
    """Issue 14: 'Xoá' in the book is a link to a confirm page (a dialog with JavaScript); a tap, or a POST that
    did not come from that page's button, deletes nothing; its 'Có, xoá địa chỉ' does."""
    auth.login("mua@khach.vn")
    page = client.get(BOOK).get_data(as_text=True)
    home = {"contact_name": "Nông Thị Mai", "phone": "0912 345 678", "address_line": "Số 5, bản Pác Bó",
            "commune": "Xã Trường Hà", "province_id": str(province("CB").id)}
    assert client.post(BOOK, data=dict(home, csrf_token=csrf_from(page))).status_code == 302
    [address] = db.session.scalars(select(DeliveryAddress))
    page = client.get(BOOK).get_data(as_text=True)
    assert re.search(rf'<a class="btn btn-small btn-danger" href="{BOOK}/{address.id}/xoa" data-confirm-dialog>Xoá</a>',
                     page)
    confirm = client.get(f"{BOOK}/{address.id}/xoa")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Xoá địa chỉ này?" in html and "Việc này không hoàn tác được." in html
    assert "Số 5, bản Pác Bó, Xã Trường Hà, Cao Bằng" in html and "Nông Thị Mai · 0912345678" in html
    assert f'href="{BOOK}"' in html and "Không, quay lại" in html
    # A POST without the confirm page's field shows the page again and keeps the address.
    resp = client.post(f"{BOOK}/{address.id}/xoa", data={"csrf_token": csrf_from(html)})
    assert resp.status_code == 200 and "Xoá địa chỉ này?" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DeliveryAddress, address.id) is not None
    # Without its CSRF token the confirmed POST is refused.
    assert client.post(f"{BOOK}/{address.id}/xoa", data={"confirmed": "1"}).status_code == 400
    assert db.session.get(DeliveryAddress, address.id) is not None
    resp = client.post(f"{BOOK}/{address.id}/xoa", data={"csrf_token": csrf_from(html), "confirmed": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(BOOK)
    db.session.expire_all()
    assert db.session.get(DeliveryAddress, address.id) is None


def test_another_buyers_address_is_not_found(client, auth, shop):  # noqa: F811
    owner = make_user("chu@khach.vn")
    address = DeliveryAddress(user_id=owner.id, contact_name="Chủ", phone="+84912345678", address_line="Bản Gun",
                              commune="Xã Trùng Khánh", province_id=province("CB").id, is_default=True)
    db.session.add(address)
    db.session.commit()
    auth.login("mua@khach.vn")
    token = csrf_from(client.get(BOOK).get_data(as_text=True))
    assert client.get(f"{BOOK}/{address.id}").status_code == 404
    assert client.get(f"{BOOK}/{address.id}/xoa").status_code == 404  # its confirm page neither
    assert client.post(f"{BOOK}/{address.id}/xoa", data={"csrf_token": token, "confirmed": "1"}).status_code == 404
    assert client.post(f"{BOOK}/{address.id}/mac-dinh", data={"csrf_token": token}).status_code == 404
    add(client, shop["chestnut"])
    page = client.get(f"/thanh-toan?dia_chi={address.id}").get_data(as_text=True)
    assert "Bản Gun" not in page
    db.session.expire_all()
    assert db.session.get(DeliveryAddress, address.id) is not None


def test_the_communes_of_a_province_as_json(client):
    cb = province("CB")
    body = client.get(f"{BOOK}/xa-phuong/{cb.id}").get_json()
    assert "Xã Trùng Khánh" in body["communes"] and len(body["communes"]) > 10
    assert client.get(f"{BOOK}/xa-phuong/99999").status_code == 404
