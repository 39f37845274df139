"""The one argument gateway of the estimators.

Every public estimator passes its arguments through these checks, so that bad
input raises :class:`recidive.errors.ArgumentError` with a message that says
what is wrong, how often, where, and what to do, never a numpy traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from recidive.errors import ArgumentError
from recidive.estimation._entries import check_entry_before_exit

# rows (positions) and bad values a message shows
_ROWS_SHOWN = 5
_VALUES_SHOWN = 5
_EXAMPLES_SHOWN = 3  # values of a non-numeric column
_COLUMNS_SHOWN = 12  # columns of a frame that lacks one


def _first_rows(mask: np.ndarray, k: int = _ROWS_SHOWN) -> str:
    rows = np.flatnonzero(mask)[:k]
    more = ", …" if mask.sum() > k else ""
    return ", ".join(str(int(r)) for r in rows) + more


def _as_1d(values, name: str) -> np.ndarray:
    if isinstance(values, pd.Series | pd.Index):
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        arr = values.to_numpy()
    else:
        arr = np.asarray(values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ArgumentError(f"{name} must be one-dimensional; got an array of shape {arr.shape}")
    return arr


def _as_numeric(values, name: str) -> np.ndarray:
    if (
        isinstance(values, pd.Series)
        and values.dtype == object
        or (isinstance(values, pd.Series) and pd.api.types.is_extension_array_dtype(values.dtype))
    ):
        if values.hasnans:
            values = values.astype(object).where(values.notna(), np.nan)
    arr = _as_1d(values, name)
    if arr.dtype == bool:
        return arr.astype(np.int64)
    if arr.dtype.kind in "iu":
        return arr
    if arr.dtype.kind == "f":
        return arr.astype(np.float64, copy=False)
    try:
        return arr.astype(np.float64)
    except (TypeError, ValueError):
        raise ArgumentError(
            f"{name} must be numeric; got values of type {arr.dtype} such as {arr[:_EXAMPLES_SHOWN].tolist()}"
        ) from None


def _check_length(arr: np.ndarray, n: int, name: str, ref: str = "time") -> None:
    if arr.shape[0] != n:
        raise ArgumentError(
            f"{name} has {arr.shape[0]} values but {ref} has {n}; pass one value per row"
        )


def _check_finite(arr: np.ndarray, name: str) -> None:
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            raise ArgumentError(
                f"{name} has NaN or infinite values in {int(bad.sum())} rows "
                f"(rows {_first_rows(bad)}); drop or fill those rows first"
            )


def check_time(time, name: str = "time") -> np.ndarray:
    """Check survival times: one-dimensional, numeric, finite and non-negative.

    Integer times (days) keep an integer dtype, so that risk tables can use
    ``np.bincount``; other times become float64.
    """
    arr = _as_numeric(time, name)
    if arr.shape[0] == 0:
        raise ArgumentError(f"{name} is empty; pass at least one observation")
    _check_finite(arr, name)
    if arr.min() < 0:
        bad = arr < 0
        raise ArgumentError(
            f"{name} has negative values in {int(bad.sum())} rows (rows {_first_rows(bad)}); "
            "times are durations from the start of follow-up and must be >= 0"
        )
    if arr.dtype.kind == "u":
        arr = arr.astype(np.int64)
    return arr


def check_entry(
    entry, time: np.ndarray, exit_name: str = "time", name: str = "entry"
) -> tuple[np.ndarray | None, np.ndarray]:
    """Check entry times (left truncation) against checked exit times ``time``.

    ``None`` means every row is at risk from time 0. Entries are finite, >= 0, one per
    row and strictly before the row's exit (a row is at risk on ``(entry, time]``).
    Returns the entries and the exit times, both float64 when one of them is not integer.
    """
    if entry is None:
        return None, time
    e = _as_numeric(entry, name)
    _check_length(e, time.shape[0], name, exit_name)
    e = check_time(e, name)
    if e.dtype.kind != time.dtype.kind:
        e, time = e.astype(np.float64), time.astype(np.float64)
    check_entry_before_exit(e, time, exit_name, name)
    return e, time


def check_event(event, n: int, name: str = "event") -> np.ndarray:
    """Check an event indicator: 0 (censored) or 1 (event), one per row."""
    arr = _as_numeric(event, name)
    _check_length(arr, n, name)
    _check_finite(arr, name)
    if arr.dtype.kind == "f":
        ok = (arr == 0) | (arr == 1)
    else:
        ok = None if (arr.min() >= 0 and arr.max() <= 1) else (arr == 0) | (arr == 1)
    if ok is not None and not ok.all():
        raise ArgumentError(
            f"{name} must be 0 (censored) or 1 (event); {int((~ok).sum())} rows have other "
            f"values (rows {_first_rows(~ok)}: {np.unique(arr[~ok])[:_VALUES_SHOWN].tolist()}); "
            "recode the event indicator, or use cumulative_incidence for competing causes"
        )
    return arr.astype(np.int8, copy=False)


def check_cause(cause, n: int, name: str = "cause") -> np.ndarray:
    """Check competing-risks causes: non-negative integers, 0 = censored."""
    arr = _as_numeric(cause, name)
    _check_length(arr, n, name)
    _check_finite(arr, name)
    bad = (arr < 0) | (arr != np.round(arr))
    if bad.any():
        raise ArgumentError(
            f"{name} must hold non-negative integer codes (0 = censored, 1, 2, ... = causes); "
            f"{int(bad.sum())} rows do not (rows {_first_rows(bad)})"
        )
    return arr.astype(np.int64, copy=False)


def check_weights(weights, n: int, name: str = "weights") -> np.ndarray | None:
    """Check frequency weights: finite and non-negative; ``None`` means all 1."""
    if weights is None:
        return None
    arr = _as_numeric(weights, name)
    _check_length(arr, n, name)
    _check_finite(arr, name)
    if arr.min() < 0:
        bad = arr < 0
        raise ArgumentError(
            f"{name} has negative values in {int(bad.sum())} rows (rows {_first_rows(bad)}); "
            "weights are frequency weights and must be >= 0"
        )
    return arr.astype(np.float64, copy=False)


def check_groups(groups, n: int, name: str = "groups") -> tuple[np.ndarray, pd.Index]:
    """Check group labels and return integer codes (sorted labels) and the labels."""
    if isinstance(groups, pd.DataFrame):
        raise ArgumentError(f"{name} must be one column; combine the columns into one first")
    if isinstance(groups, pd.Series) and isinstance(groups.dtype, pd.CategoricalDtype):
        codes = groups.cat.codes.to_numpy()
        _check_length(codes, n, name)
        if (codes < 0).any():
            bad = codes < 0
            raise ArgumentError(
                f"{name} is missing in {int(bad.sum())} rows (rows {_first_rows(bad)}); "
                "drop those rows or give them a group"
            )
        used = np.bincount(codes, minlength=len(groups.cat.categories)) > 0
        remap = np.cumsum(used) - 1
        return remap[codes].astype(np.int64), pd.Index(groups.cat.categories[used], name=name)
    arr = _as_1d(groups, name)
    _check_length(arr, n, name)
    codes, labels = pd.factorize(arr, sort=True, use_na_sentinel=True)
    if (codes < 0).any():
        bad = codes < 0
        raise ArgumentError(
            f"{name} is missing in {int(bad.sum())} rows (rows {_first_rows(bad)}); "
            "drop those rows or give them a group"
        )
    return codes.astype(np.int64), pd.Index(labels, name=name)


def check_times_requested(times, name: str = "times") -> np.ndarray:
    """Check evaluation times or horizons: finite, non-negative numbers."""
    arr = _as_numeric(np.atleast_1d(np.asarray(times)), name)
    _check_finite(arr, name)
    if arr.shape[0] and arr.min() < 0:
        raise ArgumentError(f"{name} must be >= 0; got {arr[arr < 0][:_VALUES_SHOWN].tolist()}")
    return arr.astype(np.float64)


def check_time_event(time, event, weights=None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Check time, a 0/1 event indicator and optional frequency weights together."""
    t = check_time(time)
    return t, check_event(event, t.shape[0]), check_weights(weights, t.shape[0])


def check_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Check that ``frame`` holds ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ArgumentError(
            f"{what} column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
            f"not in the frame; available: {', '.join(map(str, frame.columns[:_COLUMNS_SHOWN]))}"
        )
