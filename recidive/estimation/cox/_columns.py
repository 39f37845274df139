"""The columns of a Cox model's frame, checked: outcome, entry, strata, cluster.

Every argument error of :func:`~recidive.estimation.cox.fit_cox` about a column (missing,
not numeric, missing values, negative times, events other than 0/1, bad weights, an entry
not before its duration, a cluster with missing values) is raised here, with the column's
name and the number of rows, before any fitting. The Dask wing checks each partition with
the same functions, so its messages are these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recidive.errors import ArgumentError
from recidive.estimation.cox._design import as_list, missing_strata_error, require_columns


def _numeric(frame: pd.DataFrame, column: str, role: str) -> np.ndarray:
    values = frame[column]
    if values.dtype.kind not in "biuf":
        raise ArgumentError(f"{role} column {column!r} must be numeric, got dtype {values.dtype}")
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "biu":
        return values.to_numpy()  # no copy: integers are finite
    arr = values.to_numpy(dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ArgumentError(
            f"{role} column {column!r} has missing or infinite values in {int(bad.sum())} rows; "
            "drop those rows before fitting"
        )
    return arr


def strata_codes(frame: pd.DataFrame, strata) -> tuple[np.ndarray, list, tuple]:
    """Stratum code of each row, the strata columns and the levels (sorted combinations).

    The codes number the combinations of the strata columns present in ``frame``, in
    sorted order; a single stratum (no strata) is code 0 with no levels.
    """
    cols = as_list(strata, "strata")
    if not cols:
        return np.zeros(len(frame), dtype=np.int64), [], ()
    require_columns(frame, cols, "strata")
    for c in cols:
        n_bad = int(frame[c].isna().sum())
        if n_bad:
            raise missing_strata_error(c, n_bad)
    keys = pd.MultiIndex.from_frame(frame[cols])
    codes, levels = pd.factorize(keys, sort=True)
    return codes.astype(np.int64), cols, tuple(levels)


def checked_outcome(frame: pd.DataFrame, duration: str, event: str, weights, ties: str):
    """Checked follow-up times, 0/1 events and frequency weights (None: all 1) of ``frame``.

    The argument errors of :func:`fit_cox` for these columns (missing, not numeric, missing
    values, negative times, events other than 0/1, negative or, with Efron ties, fractional
    weights).
    """
    require_columns(frame, [duration, event], "duration/event")
    time = _numeric(frame, duration, "duration")
    if (time < 0).any():
        raise ArgumentError(
            f"duration column {duration!r} is negative in {int((time < 0).sum())} rows; "
            "follow-up time must be >= 0"
        )
    status = _numeric(frame, event, "event")
    not01 = (status != 0) & (status != 1)
    if not01.any():
        raise ArgumentError(
            f"event column {event!r} has values other than 0/1 in {int(not01.sum())} rows"
        )
    if weights is None:
        w = None  # unit weights, made only if the rows are fitted one by one
    else:
        require_columns(frame, [weights], "weights")
        w = _numeric(frame, weights, "weights").astype(float, copy=False)
        if (w < 0).any():
            raise ArgumentError(
                f"weights column {weights!r} is negative in {int((w < 0).sum())} rows"
            )
        if ties == "efron" and (w != np.round(w)).any():
            raise ArgumentError(
                f"weights column {weights!r} has non-integer values in "
                f"{int((w != np.round(w)).sum())} rows; frequency weights must be whole numbers "
                "with ties='efron' (use ties='breslow' for non-integer weights)"
            )
    return time, status, w


def checked_entry(frame: pd.DataFrame, entry, duration: str, time: np.ndarray):
    """Entry times (counting-process data) of ``frame``, float64; None without ``entry``.

    A row is at risk on ``(entry, duration]``, so the entry must be finite and before the
    row's duration (R ``Surv(start, stop, event)`` refuses ``start >= stop`` too).
    """
    if entry is None:
        return None
    if not isinstance(entry, str):
        raise ArgumentError(f"entry must be a column name, got {type(entry).__name__}")
    require_columns(frame, [entry], "entry")
    start = _numeric(frame, entry, "entry").astype(float, copy=False)
    bad = start >= time
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ArgumentError(
            f"entry column {entry!r} is not before duration column {duration!r} in "
            f"{int(bad.sum())} rows (first row {frame.index[j]!r}: entry {start[j]:g}, "
            f"duration {float(time[j]):g}); each row is an interval (entry, duration] at "
            "risk: correct the times or drop the empty rows"
        )
    return start


def cluster_codes(frame: pd.DataFrame, cluster) -> np.ndarray | None:
    """Integer codes of the cluster column (R ``cluster(id)``); None without ``cluster``."""
    if cluster is None:
        return None
    if not isinstance(cluster, str):
        raise ArgumentError(f"cluster must be a column name, got {type(cluster).__name__}")
    require_columns(frame, [cluster], "cluster")
    codes, _ = pd.factorize(frame[cluster], use_na_sentinel=True)
    missing = codes < 0
    if missing.any():
        raise ArgumentError(
            f"cluster column {cluster!r} has missing values in {int(missing.sum())} rows; "
            "give every row the id of its cluster (person)"
        )
    return codes.astype(np.int64, copy=False)


def robust_setting(robust: bool, entry, cluster) -> bool:
    """Whether the variance is robust: asked for, or implied by a cluster (as in R).

    As R ``coxph``, a robust variance of (entry, duration] rows needs the cluster: the
    rows of one person are not independent units.
    """
    if not isinstance(robust, bool | np.bool_):
        raise ArgumentError(f"robust must be True or False, got {robust!r}")
    if cluster is not None:
        return True
    if robust and entry is not None:
        raise ArgumentError(
            "robust=True with entry= needs cluster= (the column of person ids): the "
            "(entry, duration] rows of one person are not independent, so a robust variance "
            "sums them per person (R coxph: 'one of cluster or id is needed'); pass "
            "cluster='person_id'"
        )
    return bool(robust)
