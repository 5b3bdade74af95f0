"""The official communes (data/communes_2025.csv) and `flask places match-communes` for old free text."""
from __future__ import annotations

from sqlalchemy import func, select

from ocop_market.audit import AuditEntry
from ocop_market.catalog.models import Producer
from ocop_market.extensions import db
from ocop_market.places import Commune, Province, load_communes, match_commune
from tests.conftest import make_producer


def _province(code):
    return db.session.scalar(select(Province).where(Province.code == code))


def test_the_list_holds_the_two_level_units_of_july_2025(ctx):
    assert load_communes() == 3321
    assert load_communes() == 0  # idempotent
    db.session.commit()
    per_province = dict(db.session.execute(select(Province.code, func.count(Commune.id))
                                           .join(Commune, Commune.province_id == Province.id).group_by(Province.code)).all())
    assert len(per_province) == 34 and per_province["CB"] == 56 and per_province["LS"] == 65
    kinds = set(db.session.scalars(select(Commune.kind)))
    assert kinds == {"xã", "phường", "đặc khu"}  # no district level any more


def test_free_text_matches_its_commune_whatever_the_spelling(ctx):
    load_communes(["CB", "LS"])
    cb, ls = _province("CB").id, _province("LS").id
    trung_khanh = match_commune(cb, "Xã Trùng Khánh")
    assert (trung_khanh.code, trung_khanh.name) == ("01477", "Xã Trùng Khánh")
    for typed in ("xa trung khanh", "  Xã  Trùng Khánh ", "Trùng Khánh", "TRÙNG KHÁNH"):
        assert match_commune(cb, typed) == trung_khanh, typed
    assert match_commune(cb, "Xã Đàm Thủy").name == "Xã Đàm Thuỷ"  # old and new tone placement
    assert match_commune(ls, "Xã Trùng Khánh") is None  # another province's commune
    assert match_commune(cb, "Xã Khau Đồn") is None and match_commune(cb, "") is None


def test_match_communes_gives_codes_and_reports_what_it_could_not_match(ctx, runner):
    matched = make_producer(name="Hộ bà Lục Thị Hoa", commune="xa trung khanh")
    unknown = make_producer(name="Hộ ông Nông Văn Phúc", commune="Xã Khau Đồn")
    assert (matched.commune_id, unknown.commune_id) == (None, None)  # no communes loaded when they were saved
    dry = runner.invoke(args=["places", "match-communes", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Khớp được 1 hồ sơ (chạy thử, chưa lưu); không khớp được 1." in dry.output
    db.session.expire_all()
    assert db.session.get(Producer, matched.id).commune_id is None
    result = runner.invoke(args=["places", "match-communes"])
    assert result.exit_code == 0 and f"producer #{unknown.id} (CB): “Xã Khau Đồn”" in result.output
    db.session.expire_all()
    got = db.session.get(Producer, matched.id)
    assert got.commune_ref.code == "01477" and got.commune == "xa trung khanh"  # the text is kept
    assert db.session.get(Producer, unknown.id).commune_id is None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "places.match_commune")) == 1
    again = runner.invoke(args=["places", "match-communes"])
    assert "Khớp được 0 hồ sơ; không khớp được 1." in again.output
    # A producer saved once the communes are there gets its code at once.
    assert make_producer(name="Hộ bà Đinh Thị Lan", commune="Xã Hà Quảng").commune_ref.name == "Xã Hà Quảng"
