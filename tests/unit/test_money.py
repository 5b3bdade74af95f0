import pytest

from ocop_market.money import format_vnd, format_vnd_short, parse_vnd


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
