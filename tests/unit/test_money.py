import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_market.money import format_number, format_vnd, format_vnd_short, parse_typed_price, parse_vnd


def test_format_vnd_vietnamese():
    assert format_vnd(125000) == "125.000\u00a0₫"
    assert format_vnd(0) == "0\u00a0₫"
    assert format_vnd(1_250_000) == "1.250.000\u00a0₫"


def test_format_vnd_refuses_floats():
    with pytest.raises(TypeError):
        format_vnd(1.5)


@pytest.mark.parametrize("amount, text", [(0, "0"), (999, "999"), (45_000, "45 n"), (1_260_000, "1,3 tr"),
                                          (391_000_000, "391 tr"), (2_500_000_000, "2,5 tỷ")])
def test_format_vnd_short_for_chart_bars(amount, text):
    assert format_vnd_short(amount) == text


@pytest.mark.parametrize("raw, value", [("125000", 125000), ("125.000", 125000), ("125.000 ₫", 125000)])
def test_parse_vnd(raw, value):
    assert parse_vnd(raw) == value


@pytest.mark.parametrize("raw", ["-5", "1.5e3", "abc", ""])
def test_parse_vnd_refuses(raw):
    with pytest.raises(ValueError):
        parse_vnd(raw)


# ---------------------------------------------------------------- prices typed in the search box (issue 14)
@pytest.mark.parametrize("raw, value", [
    ("100.000", 100_000), ("100k", 100_000), ("100 000", 100_000), ("100000", 100_000), ("100K", 100_000),
    ("100 k", 100_000), ("100 nghìn", 100_000), ("100 ngàn", 100_000), ("1,5tr", 1_500_000), ("2 triệu", 2_000_000),
    ("150.000 ₫", 150_000), ("150.000đ", 150_000), ("150000 VND", 150_000), ("1.000.000", 1_000_000),
    ("100,000", 100_000), ("1,25tr", 1_250_000), ("1.5k", 1_500), ("  45 n ", 45_000), ("0", 0),
    ("100\u00a0000", 100_000),
])
def test_typed_prices_are_understood(raw, value):
    assert parse_typed_price(raw) == value


@pytest.mark.parametrize("raw", ["", " ", "abc", "-5", "+5", "1,5", "10.00", "100.", ".5", "k", "1.2345tr", "100kk",
                                 "1e3", "٣", "²", "1.5", "100 000 000 000 000 000", "100 đô", "5 tỷ", "1,0001tr",
                                 "1.00.000", "1,5 ₫", "0x10"])
def test_typed_prices_that_mean_nothing_are_refused(raw):
    with pytest.raises(ValueError):
        parse_typed_price(raw)


amounts = st.integers(0, 10**12)


@given(amounts)
def test_every_way_an_amount_is_written_reads_back(n):
    grouped = f"{n:,}"
    for written in (str(n), format_number(n), format_vnd(n), grouped, grouped.replace(",", " "),
                    grouped.replace(",", "\u00a0"), format_number(n) + " đ", format_number(n) + "đ"):
        assert parse_typed_price(written) == n, written


@given(st.integers(0, 10**9))
def test_thousands_and_millions_words_multiply(n):
    assert parse_typed_price(f"{n}k") == parse_typed_price(f"{n} nghìn") == n * 1_000
    assert parse_typed_price(f"{n}tr") == parse_typed_price(f"{n} triệu") == n * 1_000_000


@given(st.integers(0, 999), st.integers(0, 9))
def test_one_decimal_of_a_million(whole, tenth):
    assert parse_typed_price(f"{whole},{tenth}tr") == whole * 1_000_000 + tenth * 100_000


@given(st.text(max_size=30))
def test_any_text_is_a_whole_non_negative_amount_or_refused(raw):
    try:
        value = parse_typed_price(raw)
    except ValueError:
        return
    assert isinstance(value, int) and value >= 0


# ---------------------------------------------------------------- figures in reports (issue 14)
def test_decimals_rates_and_counts_are_written_the_vietnamese_way():
    from ocop_market.money import format_decimal, format_rate_bp, share_bp

    assert format_decimal(0.5012345) == "0,50" and format_decimal(0.5012345, lang="en") == "0.50"
    assert format_decimal(1234.5, 1) == "1.234,5" and format_decimal(1234.5, 1, "en") == "1,234.5"
    assert format_rate_bp(7259) == "72,59 %" and format_rate_bp(7259, "en") == "72.59%"
    assert format_rate_bp(123456) == "1.234,56 %" and format_rate_bp(-50) == "-0,50 %"
    assert format_rate_bp(None) == "—"
    assert share_bp(0.7259) == 7259 and share_bp(0.72585) == 7259 and share_bp(0) == 0
    assert format_number(1234) == "1.234"
