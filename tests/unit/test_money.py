import pytest

from ocop_market.money import format_vnd, parse_vnd


def test_format_vnd_vietnamese():
    assert format_vnd(125000) == "125.000\u00a0₫"
    assert format_vnd(0) == "0\u00a0₫"
    assert format_vnd(1_250_000) == "1.250.000\u00a0₫"


def test_format_vnd_refuses_floats():
    with pytest.raises(TypeError):
        format_vnd(1.5)


@pytest.mark.parametrize("raw, value", [("125000", 125000), ("125.000", 125000), ("125.000 ₫", 125000)])
def test_parse_vnd(raw, value):
    assert parse_vnd(raw) == value


@pytest.mark.parametrize("raw", ["-5", "1.5e3", "abc", ""])
def test_parse_vnd_refuses(raw):
    with pytest.raises(ValueError):
        parse_vnd(raw)
