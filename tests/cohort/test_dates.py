"""The one date parser (recidive._dates), for registry files and date arguments alike.

These tests run under pandas 2 and pandas 3 (``.ci/run`` runs them in a second
environment with pandas >= 3): the parser must give the same days and the same
refusals under both.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from registry_builders import CUTOFF

from recidive._arguments import check_date
from recidive._dates import FIRST_YEAR, LAST_YEAR, parse_date, parse_dates
from recidive.errors import ArgumentError, ValidationError
from recidive.registry import Registry


def _days(values) -> list:
    parsed = parse_dates(pd.Series(values, dtype=object))
    out = parsed.as_datetime()
    return [None if np.isnat(d) else str(d)[:10] for d in out]


def _problems(values) -> dict[str, list[int]]:
    parsed = parse_dates(pd.Series(values, dtype=object))
    return {k: np.flatnonzero(m).tolist() for k, m in parsed.problem.items() if m.any()}


def test_iso_dates_and_missing_values():
    assert _days(["2022-06-30", " 1981-04-06 ", None, "", float("nan")]) == [
        "2022-06-30",
        "1981-04-06",
        None,
        None,
        None,
    ]


@pytest.mark.parametrize(
    "text",
    [
        "1981-04-06T00:00:00+02:00",  # an export's local midnight: stays 6 April
        "1981-04-06T23:30:00-05:00",  # late evening in New York: still 6 April there
        "1981-04-06T12:00:00Z",
        "1981-04-06 00:00:00+0200",
        "1981-04-06T08:15",
        "1981-04-06T08:15:30.123456",
    ],
)
def test_a_time_and_a_utc_offset_keep_the_local_date(text):
    assert _days([text]) == ["1981-04-06"]


def test_offsets_in_one_row_or_in_all_rows():
    # pandas refuses mixed offsets (pandas 3) or warns (pandas 2); the parser does not care
    one = ["1981-04-06", "1990-01-01T00:00:00+01:00", "2000-07-01"]
    every = ["1981-04-06T00:00:00+02:00", "1990-01-01T00:00:00+01:00", "2000-07-01T00:00:00Z"]
    assert _days(one) == ["1981-04-06", "1990-01-01", "2000-07-01"]
    assert _days(every) == ["1981-04-06", "1990-01-01", "2000-07-01"]


def test_a_datetime_column_with_a_time_zone_keeps_its_local_date():
    column = pd.Series(pd.to_datetime(["1981-04-06 00:30"]).tz_localize("Europe/Amsterdam"))
    parsed = parse_dates(column)
    assert str(parsed.as_datetime()[0])[:10] == "1981-04-06"  # UTC would say 5 April


def test_date_objects_in_a_column():
    values = [dt.date(1981, 4, 6), dt.datetime(1990, 1, 1, 13, 0), pd.Timestamp("2000-07-01")]
    assert _days(values) == ["1981-04-06", "1990-01-01", "2000-07-01"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1981", "1981-04", "1981-04-06"], {"partial": [0, 1]}),
        (["2999-01-01", "1500-03-01", "1899-12-31", "2101-01-01"], {"out_of_range": [0, 1, 2, 3]}),
        (
            [
                "2016-02-30",
                "06-04-1981",
                "04/06/1981",
                "1981-4-6",
                "19810406",
                "soon",
                "1981-13-01",
            ],
            {"unparseable": [0, 1, 2, 3, 4, 5, 6]},
        ),
        ([f"{FIRST_YEAR}-01-01", f"{LAST_YEAR}-12-31", "2016-02-29"], {}),
    ],
    ids=["partial", "out of range", "not ISO", "the edges"],
)
def test_what_is_refused(values, expected):
    assert _problems(values) == expected


def test_numbers_and_booleans_are_not_dates():
    # among text a number is read as text: 2022 is a year, a partial date
    assert _problems([19810406, 2022]) == {"unparseable": [0], "partial": [1]}
    parsed = parse_dates(pd.Series([1.0, np.nan]))
    assert parsed.problem["unparseable"].tolist() == [True, False]
    assert parsed.missing.tolist() == [False, True]
    assert parse_dates(pd.Series([True])).problem["unparseable"].tolist() == [True]


def test_a_datetime_column_outside_the_range_is_refused_not_overflowed():
    # pandas 3 keeps such dates in microseconds; nothing may overflow datetime64[ns]
    column = pd.Series(np.array(["2999-01-01", "2020-01-01"], dtype="datetime64[s]"))
    parsed = parse_dates(column)
    assert parsed.problem["out_of_range"].tolist() == [True, False]
    assert str(parsed.as_datetime()[1])[:10] == "2020-01-01"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("2022-06-30", "ok"),
        (dt.date(2022, 6, 30), "ok"),
        (pd.Timestamp("2022-06-30 23:00", tz="Europe/Amsterdam"), "ok"),
        (np.datetime64("2022-06-30"), "ok"),
        (None, "missing"),
        (pd.NaT, "missing"),
        (np.datetime64("NaT"), "missing"),
        ("2022", "partial"),
        ("2999-06-30", "out_of_range"),
        (np.datetime64("2999-06-30"), "out_of_range"),
        ("01-06-2022", "unparseable"),
        (2022, "unparseable"),
        (20220630.0, "unparseable"),
        (True, "unparseable"),
        ([2022, 6, 30], "unparseable"),
    ],
)
def test_one_date_argument(value, kind):
    assert parse_date(value)[0] == kind


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2022, "cutoff_date must be a date written YYYY-MM-DD such as '2022-06-30'; got 2022"),
        (
            "01-06-2022",
            "cutoff_date must be a date written YYYY-MM-DD such as '2022-06-30'; got '01-06-2022'",
        ),
        (
            "2022-06",
            "cutoff_date must be a date written YYYY-MM-DD such as '2022-06-30' (a full date, "
            "not a year or a year and month); got '2022-06'",
        ),
        (
            "2999-06-30",
            "cutoff_date must be a date written YYYY-MM-DD such as '2022-06-30' in the years "
            "1900-2100; got '2999-06-30'",
        ),
        (np.int64(4), "cutoff_date must be a date written YYYY-MM-DD such as '2022-06-30'; got 4"),
        ("", "cutoff_date is empty; give a date written YYYY-MM-DD"),
    ],
)
def test_date_arguments_are_refused_with_a_plain_message(value, message):
    with pytest.raises(ArgumentError) as info:
        check_date(value, "cutoff_date")
    assert str(info.value) == message


def test_argument_and_file_give_the_same_day():
    texts = ["2022-06-30", "2022-06-30T00:00:00+02:00", "2022-06-30 23:59:59-11:00"]
    for text in texts:
        assert check_date(text) == pd.Timestamp("2022-06-30")
    assert _days(texts) == ["2022-06-30"] * 3


def test_registry_reads_offsets_as_local_dates(good_tables, tmp_path):
    persons = good_tables["persons"].assign(
        birth_date=["1980-01-01T00:00:00+01:00", "1980-01-01", "1979-12-31T23:00:00-05:00"]
    )
    path = tmp_path / "persons.csv"
    persons.to_csv(path, index=False)
    reg = Registry.from_files(path, good_tables["cases"], cutoff_date=CUTOFF)
    assert reg.persons["birth_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "1980-01-01",
        "1980-01-01",
        "1979-12-31",
    ]
    assert str(reg.persons["birth_date"].dtype) == "datetime64[ns]"


def test_registry_message_names_the_first_partial_date(good_tables):
    persons = good_tables["persons"].assign(birth_date=["1981", "1980-01-01", "1975"])
    with pytest.raises(ValidationError) as info:
        Registry(persons, good_tables["cases"], cutoff_date=CUTOFF)
    err = info.value
    assert (err.table, err.column, err.n_rows, err.ids) == ("persons", "birth_date", 2, [1, 3])
    assert "('1981')" in str(err)


_text = st.text(alphabet="0123456789-:TZ+ ./", max_size=28)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(_text | st.dates(min_value=dt.date(1000, 1, 1)).map(str), max_size=8))
def test_any_text_is_a_day_or_refused_never_an_exception(values):
    parsed = parse_dates(pd.Series(values, dtype=object))
    ok = ~parsed.missing & ~parsed.wrong
    days = parsed.as_datetime()
    assert not np.isnat(days[ok]).any()
    assert np.isnat(days[~ok]).all()
    for value, good, day in zip(values, ok, days, strict=True):
        if good:  # the day as written, whatever follows it
            assert str(day)[:10] == value.strip()[:10]
            assert FIRST_YEAR <= int(value.strip()[:4]) <= LAST_YEAR
