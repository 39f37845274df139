"""Locale number formatting: Dutch decimal comma, English decimal point."""

from __future__ import annotations

import pytest

from recidive.errors import ArgumentError
from recidive.report import formatting as fmt


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (0.234, "nl", 1, "23,4%"),
        (0.234, "en", 1, "23.4%"),
        (0.6523, "nl", 0, "65%"),
        (0.09, "nl", 0, "9%"),
        (0.0, "nl", 1, "0,0%"),
        (1.0, "en", 0, "100%"),
    ],
)
def test_percent(value, lang, decimals, expected):
    assert fmt.format_percent(value, lang, decimals) == expected


def test_counts_and_thousands():
    assert fmt.format_count(49932, "nl") == "49.932"
    assert fmt.format_count(49932, "en") == "49,932"
    assert fmt.format_count(7, "nl") == "7"
    assert fmt.format_number(1234567.891, "nl", 2) == "1.234.567,89"


def test_interval_ratio_p():
    assert fmt.format_interval(0.356, 0.365, "nl") == "35,6–36,5%"
    assert fmt.format_interval(0.356, 0.365, "en") == "35.6–36.5%"
    assert fmt.format_ratio(2.0934, "nl") == "2,09"
    assert fmt.format_p_value(0.0004, "nl") == "p < 0,001"
    assert fmt.format_p_value(0.316, "en") == "p = 0.316"


def test_missing_values_are_the_callers_business():
    with pytest.raises(ValueError, match="missing value"):
        fmt.format_number(float("nan"), "nl")


def test_unknown_language():
    with pytest.raises(ArgumentError, match="lang must be one of"):
        fmt.format_percent(0.1, "de")
