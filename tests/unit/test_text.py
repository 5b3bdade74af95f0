import pytest

from ocop_market.text import canonical, fold, slugify


@pytest.mark.parametrize("raw, folded", [
    ("Hạt dẻ Trùng Khánh", "hat de trung khanh"),
    ("Đường phèn", "duong phen"),
    ("ĐẬU XANH", "dau xanh"),
    ("Ðậu", "dau"),  # the Icelandic eth look-alike some keyboards produce
    ("cà phê", "ca phe"),
])
def test_fold_removes_marks_and_maps_d(raw, folded):
    assert fold(raw) == folded


def test_fold_accepts_decomposed_input():
    import unicodedata

    assert fold(unicodedata.normalize("NFD", "Miến dong")) == "mien dong"


@pytest.mark.parametrize("old, new", [("hoà", "hòa"), ("thuỷ", "thủy"), ("Khoẻ", "khỏe"), ("quý", "qúy")])
def test_canonical_folds_old_and_new_tone_placement(old, new):
    assert canonical(old) == canonical(new)


def test_canonical_keeps_meaning_of_tones():
    assert canonical("cà") != canonical("cá")
    assert canonical("Cà Phê") == "cà phê"


def test_slugify():
    assert slugify("Hạt dẻ Trùng Khánh (500g)") == "hat-de-trung-khanh-500g"
    assert slugify("!!!") == "san-pham"
