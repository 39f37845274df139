"""The one gateway for arguments that are options, not data.

The public functions and the CLI check their options here (confidence type and
level, horizons, time unit, language, disclosure threshold, dates, shares, names
from a list), so that a bad option raises one :class:`recidive.errors.ArgumentError`
whose message names the argument, what it got (as a plain value, never a numpy
repr) and what it takes. Data (times, events, weights, groups) are checked by
:mod:`recidive.estimation._input`; registry tables by :mod:`recidive.validation`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from recidive import defaults
from recidive._dates import FIRST_YEAR, LAST_YEAR, parse_date
from recidive.errors import ArgumentError, SmallCellWarning

#: An argument value longer than this is cut in messages.
_SHOWN_CHARS = 60


def shown(value: Any) -> str:
    """A value as a message shows it: plain numbers, short text.

    Examples
    --------
    >>> shown(np.int64(4)), shown("x" * 100)[-5:], shown([np.float64(2.5)])
    ('4', 'xxxx…', '[2.5]')
    """
    if isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, list | tuple):
        inner = ", ".join(shown(v) for v in value)
        text = f"[{inner}]" if isinstance(value, list) else f"({inner})"
        return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def check_conf(
    conf_type: str = defaults.CONF_TYPE, conf_level: float = defaults.CONF_LEVEL
) -> tuple[str, float]:
    """Check the confidence-interval type and level.

    Examples
    --------
    >>> check_conf("log", 0.9)
    ('log', 0.9)
    """
    if conf_type not in defaults.CONF_TYPES:
        raise ArgumentError(
            f"conf_type must be one of {', '.join(repr(c) for c in defaults.CONF_TYPES)}; "
            f"got {shown(conf_type)}"
        )
    return conf_type, check_conf_level(conf_level)


def check_conf_level(conf_level: float) -> float:
    """Check a confidence level: a number strictly between 0 and 1."""
    if isinstance(conf_level, bool):
        conf_level = None  # refused below
    try:
        level = float(conf_level)
    except (TypeError, ValueError):
        raise ArgumentError(
            f"conf_level must be a number in (0, 1); got {shown(conf_level)}"
        ) from None
    if not 0 < level < 1:
        raise ArgumentError(
            f"conf_level must lie strictly between 0 and 1 (e.g. 0.95); got {shown(conf_level)}"
        )
    return level


def check_time_unit(time_unit: str) -> float:
    """Check a time unit and return how many of it make a year.

    Examples
    --------
    >>> check_time_unit("months")
    12.0
    """
    try:
        return defaults.UNITS_PER_YEAR[time_unit]
    except (KeyError, TypeError):
        raise ArgumentError(
            f"time_unit must be one of {', '.join(map(repr, defaults.UNITS_PER_YEAR))}; "
            f"got {shown(time_unit)}"
        ) from None


def check_horizons(horizons: Any, name: str = "horizons") -> np.ndarray:
    """Check horizons in years: a non-empty list of finite numbers >= 0, sorted.

    Examples
    --------
    >>> check_horizons((7, 2, 5)).tolist()
    [2.0, 5.0, 7.0]
    """
    if isinstance(horizons, str | bytes) or horizons is None:
        raise ArgumentError(
            f"{name} must be a list of years such as (2, 5, 7); got {shown(horizons)}"
        )
    try:
        values = list(np.ravel(np.asarray(horizons, dtype=object)))
    except (TypeError, ValueError):
        raise ArgumentError(
            f"{name} must be a list of years such as (2, 5, 7); got {shown(horizons)}"
        ) from None
    if not values:
        raise ArgumentError(f"{name} is empty; give at least one horizon in years, e.g. (2, 5, 7)")
    bad = [v for v in values if isinstance(v, bool | np.bool_) or not isinstance(v, Real)]
    if bad:
        raise ArgumentError(
            f"{name} must be numbers of years such as (2, 5, 7); got {shown(bad[0])}"
        )
    out = np.asarray([float(v) for v in values])
    wrong = [v for v in out if not math.isfinite(v) or v < 0]
    if wrong:
        raise ArgumentError(f"{name} must be finite numbers of years >= 0; got {shown(wrong[0])}")
    return np.sort(out, kind="stable")


def check_min_cell(min_cell: Any) -> int:
    """Check a disclosure threshold: a whole number of persons >= 1.

    Below the usual threshold of 10 it warns (:class:`~recidive.errors.SmallCellWarning`):
    a lower threshold is for analysis inside a secure environment, not for publication.

    Examples
    --------
    >>> check_min_cell(10)
    10
    """
    if isinstance(min_cell, bool | np.bool_) or not isinstance(min_cell, Integral):
        raise ArgumentError(
            f"min_cell must be a whole number of persons >= 1; got {shown(min_cell)}"
        )
    if min_cell < 1:
        raise ArgumentError(
            f"min_cell must be a whole number of persons >= 1 (1 switches suppression off); "
            f"got {shown(min_cell)}"
        )
    if min_cell < defaults.MIN_CELL:
        warnings.warn(
            SmallCellWarning(
                f"min_cell={int(min_cell)} is below the usual threshold of {defaults.MIN_CELL} "
                "persons of statistical offices; publish such output only if your office's "
                "rules allow it"
            ),
            stacklevel=3,
        )
    return int(min_cell)


def check_lang(lang: Any) -> str:
    """Check a report language.

    Examples
    --------
    >>> check_lang("en")
    'en'
    """
    if lang not in defaults.LANGUAGES:
        raise ArgumentError(
            f"lang must be one of {', '.join(map(repr, defaults.LANGUAGES))}; got {shown(lang)}"
        )
    return lang


def check_share(value: Any, name: str) -> float:
    """Check a share of persons: a number strictly between 0 and 1.

    Examples
    --------
    >>> check_share(0.26, "benchmark")
    0.26
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise ArgumentError(
            f"{name} must be a share between 0 and 1 (e.g. 0.26); got {shown(value)}"
        )
    if not 0 < float(value) < 1:
        raise ArgumentError(
            f"{name} must be a share strictly between 0 and 1 (e.g. 0.26, not 26); "
            f"got {shown(value)}"
        )
    return float(value)


def check_names(
    values: Any, name: str, allowed: Sequence[str], allow_empty: bool = False
) -> tuple[str, ...]:
    """Check a list of names from a fixed list: known, not repeated, not empty.

    A single string is a list of one. ``allow_empty`` accepts an empty list (say, no
    disposal excluded).

    Examples
    --------
    >>> check_names("general", "criteria", ("general", "property"))
    ('general',)
    >>> check_names((), "excluded_disposals", ("acquittal",), allow_empty=True)
    ()
    """
    if isinstance(values, str):
        values = (values,)
    if values is None:
        raise ArgumentError(f"{name} must be a list of names from: {', '.join(allowed)}; got None")
    try:
        values = tuple(values)
    except TypeError:
        raise ArgumentError(f"{name} must be a list of names; got {shown(values)}") from None
    if not values and not allow_empty:
        raise ArgumentError(f"{name} is empty; give at least one of: {', '.join(allowed)}")
    unknown = [v for v in values if not isinstance(v, str) or v not in allowed]
    if unknown:
        raise ArgumentError(
            f"{name} has unknown value(s) {', '.join(shown(v) for v in unknown)}; "
            f"use any of {', '.join(allowed)}"
        )
    duplicated = sorted({v for v in values if values.count(v) > 1})
    if duplicated:
        raise ArgumentError(f"{name} lists {', '.join(map(repr, duplicated))} more than once")
    return values


def check_texts(values: Any, name: str) -> tuple[str, ...]:
    """Check a list of text paragraphs (None is none); a single string is a list of one.

    Examples
    --------
    >>> check_texts("Een alinea.", "context"), check_texts(None, "context")
    (('Een alinea.',), ())
    """
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    try:
        values = tuple(values)
    except TypeError:
        raise ArgumentError(f"{name} must be a list of texts; got {shown(values)}") from None
    bad = [v for v in values if not isinstance(v, str)]
    if bad:
        raise ArgumentError(f"{name} must be a list of texts; got {shown(bad[0])} in it")
    return values


def check_date(value: Any, name: str = "cutoff_date") -> pd.Timestamp | None:
    """Check a date argument; None stays None. Returns a midnight ``Timestamp``.

    The registry's own parser reads it (:mod:`recidive._dates`): ISO text
    (``2022-06-30``; a time and a UTC offset are allowed and dropped, the date stays
    as written), a ``datetime.date``, ``datetime``, ``Timestamp`` or ``numpy.datetime64``.
    A number (``2022``), a partial date (``2022-06``), another order (``30-06-2022``)
    and a year outside 1900-2100 are refused.

    Examples
    --------
    >>> check_date("2022-06-30")
    Timestamp('2022-06-30 00:00:00')
    >>> check_date("01-06-2022")
    Traceback (most recent call last):
    ...
    recidive.errors.ArgumentError: cutoff_date must be a date written YYYY-MM-DD such as '2022-06-30'; got '01-06-2022'
    """
    kind, day = parse_date(value)
    if kind == "missing":
        if value is None:
            return None
        raise ArgumentError(f"{name} is empty; give a date written YYYY-MM-DD")
    if kind != "ok":
        why = {
            "partial": " (a full date, not a year or a year and month)",
            "out_of_range": f" in the years {FIRST_YEAR}-{LAST_YEAR}",
        }.get(kind, "")
        raise ArgumentError(
            f"{name} must be a date written YYYY-MM-DD such as '2022-06-30'{why}; "
            f"got {shown(value)}"
        )
    return pd.Timestamp(day).as_unit("ns")
