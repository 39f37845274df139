"""The one date parser, for registry files and for date arguments alike.

A registry date is a calendar day. Files and arguments give it as ISO text
(``2022-06-30``), as a date or datetime object, or as a datetime column (Parquet);
this module turns any of them into a whole day, the same way under pandas 2 and 3
(pandas 3 parses text to other time units and accepts years that pandas 2 refused,
so nothing here depends on ``pandas.to_datetime`` guessing a format or a unit).

What is a date
    ``YYYY-MM-DD``, optionally followed by a time of day (``T`` or a space, then
    ``HH:MM``, ``HH:MM:SS`` or with fractions of a second) and a UTC offset (``Z``,
    ``+02:00``, ``-0500``). The time is dropped. A UTC offset is *not* converted to UTC:
    the date is the local date as written (``1981-04-06T00:00:00+02:00`` is 6 April
    1981), because registry exports stamp midnight in their own time zone and
    converting would move every such date to the day before. A datetime column with a
    time zone likewise keeps its local date.
What is not
    Partial dates (``1981``, ``1981-04``): a year is not a day, and reading it as
    1 January would invent follow-up. Other orders (``06-04-1981``, ``04/06/1981``):
    day-first and month-first cannot be told apart. Impossible days (``2016-02-30``).
    Numbers (``19810406``, ``2022``). Dates outside :data:`FIRST_YEAR` to
    :data:`LAST_YEAR` (``2999-01-01``, ``1500-01-01``): typing errors or placeholders,
    not registry dates.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The first and last year of a registry date (anything else is a typo or a placeholder).
FIRST_YEAR, LAST_YEAR = 1900, 2100

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"  # the date
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"  # a time of day, dropped
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"  # a UTC offset: the date stays as written
)
_PARTIAL = re.compile(r"\d{4}(?:-\d{2})?")
_FAST_LENGTH = 10  # len("YYYY-MM-DD"): such texts go through pandas' strict fast path first
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()

#: What is wrong with a value, by problem, and what to do about it.
PROBLEMS = {
    "unparseable": "has values that are not dates written YYYY-MM-DD",
    "partial": "has partial dates (a year, or a year and month, without the day)",
    "out_of_range": f"has dates outside the years {FIRST_YEAR}-{LAST_YEAR}",
}
FIXES = {
    "unparseable": "write dates as YYYY-MM-DD",
    "partial": "write full dates as YYYY-MM-DD",
    "out_of_range": "correct the dates (a typing error, or a placeholder for an unknown date?)",
}


@dataclass(frozen=True)
class ParsedDates:
    """Days since 1970-01-01 of each value, and which values are missing or wrong.

    ``days`` is int64 (0 where missing or wrong); ``missing`` marks empty values;
    ``problem`` maps each name of :data:`PROBLEMS` to a mask of the values it affects.
    """

    days: np.ndarray
    missing: np.ndarray
    problem: dict[str, np.ndarray]

    @property
    def wrong(self) -> np.ndarray:
        """Values that are given but are not a registry date."""
        out = np.zeros(self.days.shape, dtype=bool)
        for mask in self.problem.values():
            out |= mask
        return out

    def as_datetime(self) -> np.ndarray:
        """``datetime64[ns]`` at midnight; NaT where missing or wrong."""
        out = self.days.astype("datetime64[D]").astype("datetime64[ns]")
        out[self.missing | self.wrong] = np.datetime64("NaT")
        return out


def parse_dates(values: pd.Series) -> ParsedDates:
    """Parse a column of dates (text, date objects or a datetime column).

    Examples
    --------
    >>> import pandas as pd
    >>> parsed = parse_dates(pd.Series(["2022-06-30", "1981", None, "2999-01-01"]))
    >>> str(parsed.as_datetime()[0])[:10], parsed.missing.tolist()
    ('2022-06-30', [False, False, True, False])
    >>> [name for name, mask in parsed.problem.items() if mask.any()]
    ['partial', 'out_of_range']
    """
    n = len(values)
    none = np.zeros(n, dtype=bool)
    problem = {name: none.copy() for name in PROBLEMS}
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)  # the local date, as written
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values.to_numpy()
        missing = np.isnat(stamps)
        days = np.where(missing, 0, stamps.astype("datetime64[D]").astype(np.int64))
        return _in_range(ParsedDates(days, missing, problem))
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        missing = values.isna().to_numpy()
        problem["unparseable"] = ~missing
        return ParsedDates(np.zeros(n, dtype=np.int64), missing, problem)
    text = _text(values)
    missing = text.isna().to_numpy()
    days = np.zeros(n, dtype=np.int64)
    fast = text.where(text.str.len() == _FAST_LENGTH)
    stamps = pd.to_datetime(fast, format="%Y-%m-%d", errors="coerce").to_numpy()
    found = ~np.isnat(stamps)
    days[found] = stamps[found].astype("datetime64[D]").astype(np.int64)
    slow = ~found & ~missing
    if slow.any():
        uniques, where = np.unique(text[slow].to_numpy(dtype=str), return_inverse=True)
        parsed = [_parse_text(u) for u in uniques]
        kinds = np.array([p[0] for p in parsed], dtype=object)[where]
        days[slow] = np.array([p[1] for p in parsed], dtype=np.int64)[where]
        for name in PROBLEMS:
            problem[name][slow] = kinds == name
    return _in_range(ParsedDates(days, missing, problem))


def parse_date(value: object) -> tuple[str, np.datetime64 | None]:
    """One date argument: ``("ok", day)``, ``("missing", None)`` or (problem, None).

    Text, ``datetime.date``/``datetime``, ``pandas.Timestamp`` and ``numpy.datetime64``
    are parsed as :func:`parse_dates` parses a column; anything else (numbers,
    booleans) is ``"unparseable"``.

    Examples
    --------
    >>> kind, day = parse_date("2022-06-30")
    >>> kind, str(day)
    ('ok', '2022-06-30')
    >>> parse_date("01-06-2022"), parse_date(2022)
    (('unparseable', None), ('unparseable', None))
    """
    if value is None or value is pd.NaT:
        return "missing", None
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return "missing", None
        value = str(value.astype("datetime64[D]"))
    if not isinstance(value, str | _dt.date):  # datetime and Timestamp are dates too
        return "unparseable", None
    column = pd.Series([str(value)], dtype=object)
    parsed = parse_dates(column)
    if parsed.missing[0]:
        return "missing", None
    for name, mask in parsed.problem.items():
        if mask[0]:
            return name, None
    return "ok", parsed.days[0].astype("datetime64[D]")


def first_value(values: pd.Series, mask: np.ndarray) -> object:
    """The first value where ``mask`` holds, as the user wrote it (a datetime as its date)."""
    value = values.to_numpy(dtype=object)[np.flatnonzero(mask)[0]]
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[D]"))
    return value


def _parse_text(text: str) -> tuple[str, int]:
    match = _ISO.fullmatch(text)
    if match is None:
        return ("partial" if _PARTIAL.fullmatch(text) else "unparseable"), 0
    year, month, day = (int(g) for g in match.groups())
    try:
        ordinal = _dt.date(year, month, day).toordinal()
    except ValueError:  # month 13, 30 February, year 0
        return "unparseable", 0
    return "ok", ordinal - _EPOCH_ORDINAL


def _in_range(parsed: ParsedDates) -> ParsedDates:
    years = parsed.days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    given = ~parsed.missing & ~parsed.wrong
    parsed.problem["out_of_range"] |= given & ((years < FIRST_YEAR) | (years > LAST_YEAR))
    return parsed


def _text(values: pd.Series) -> pd.Series:
    """Stripped strings, None where missing or empty."""
    present = values.notna()
    text = values.astype(object).where(present, "").astype(str).str.strip()
    return text.where(present & (text != ""), None).astype(object)
