"""Amounts in words on receipts (issue 17): Vietnamese as an accountant writes it, read back by a buyer."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_market.money import number_in_words, vnd_in_words


@pytest.mark.parametrize("n, words", [
    (0, "không"),
    (5, "năm"),
    (10, "mười"),
    (11, "mười một"),
    (15, "mười lăm"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (31, "ba mươi mốt"),
    (100, "một trăm"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (115, "một trăm mười lăm"),
    (999, "chín trăm chín mươi chín"),
    (1000, "một nghìn"),
    (1001, "một nghìn không trăm linh một"),
    (1010, "một nghìn không trăm mười"),
    (1021, "một nghìn không trăm hai mươi mốt"),
    (15_000, "mười lăm nghìn"),
    (30_000, "ba mươi nghìn"),
    (125_000, "một trăm hai mươi lăm nghìn"),
    (1_000_000, "một triệu"),
    (1_000_005, "một triệu không trăm linh năm"),
    (1_300_000, "một triệu ba trăm nghìn"),
    (2_050_000, "hai triệu không trăm năm mươi nghìn"),
    (10_000_001, "mười triệu không trăm linh một"),
    (1_000_000_000, "một tỷ"),
    (2_500_000_000, "hai tỷ năm trăm triệu"),
    (5_000_000_001, "năm tỷ không trăm linh một"),
    (1_000_000_000_000, "một nghìn tỷ"),
    (1_001_000_000_000, "một nghìn không trăm linh một tỷ"),
    (1_000_000_000_000_000_000, "một tỷ tỷ"),
])
def test_numbers_read_as_vietnamese_write_them(n, words):
    assert number_in_words(n) == words


def test_vnd_in_words_is_a_sentence_ending_in_dong():
    assert vnd_in_words(1_300_000) == "Một triệu ba trăm nghìn đồng"
    assert vnd_in_words(0) == "Không đồng"
    assert vnd_in_words(1_000_005) == "Một triệu không trăm linh năm đồng"


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("5", TypeError)])
def test_only_whole_non_negative_amounts(bad, error):
    with pytest.raises(error):
        vnd_in_words(bad)


_VALUE = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5, "sáu": 6,
          "bảy": 7, "tám": 8, "chín": 9}


def _read_back(words: str) -> int:
    """An independent reader of the words, as a person adds them up (below a billion billion)."""
    above, below, group, digit = 0, 0, 0, 0
    for w in words.split():
        if w in _VALUE:
            digit = _VALUE[w]
        elif w == "trăm":
            group, digit = group + digit * 100, 0
        elif w == "mười":
            group += 10
        elif w == "mươi":
            group, digit = group + digit * 10, 0
        elif w in ("nghìn", "triệu"):
            below, group, digit = below + (group + digit) * (1000 if w == "nghìn" else 1_000_000), 0, 0
        elif w == "tỷ":
            above, below, group, digit = (above + below + group + digit) * 1_000_000_000, 0, 0, 0
        else:
            assert w == "linh", w
    return above + below + group + digit


@given(st.integers(min_value=0, max_value=999_999_999_999))
def test_the_words_read_back_to_the_number(n):
    assert _read_back(number_in_words(n)) == n
