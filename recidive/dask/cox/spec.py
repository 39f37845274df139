"""What every task of a Cox fit on Dask needs: the design, the strata levels, the row checks.

The design (dummies of the categorical covariates against their reference levels) and the
strata levels are fixed on the driver before any pass, from the global levels of the
columns (:mod:`recidive.dask.levels`), so that every partition builds the same model
columns and stratum codes. A partition's rows are checked with the in-memory argument
checks (:func:`~recidive.estimation.cox.model.checked_outcome`), so the messages are the
in-memory ones, naming the partition.

A task builds the model matrix of a slice of its rows at a time: :data:`SLICE_BYTES` of
float64, so a task holds its partition plus one slice's arrays, never an ``n x p`` matrix of
the whole partition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive.dask.levels import global_levels, recode
from recidive.estimation.cox._design import (
    Design,
    build_design,
    is_categorical,
    missing_strata_error,
)
from recidive.estimation.cox.model import checked_outcome, strata_codes

#: Bytes of model matrix a task builds at a time (a slice of its partition's rows).
SLICE_BYTES = 16 * 2**20
#: Fewest rows in a slice, however many model columns.
MIN_SLICE_ROWS = 1024
#: Column names of the collapsed rows (stratum, time, event, then covariates and weight).
STRATUM, TIME, EVENT = "__recidive_stratum__", "__recidive_time__", "__recidive_event__"
WEIGHT = "__recidive_weight__"
_FLOAT_BYTES = np.dtype(np.float64).itemsize


@dataclass(frozen=True)
class Spec:
    """What every partition task needs: column names, global levels and the design."""

    duration: str
    event: str
    weights: str | None
    strata: tuple[str, ...]
    strata_levels: tuple[pd.Index, ...]
    design: Design
    ties: str
    slice_rows: int  # rows of a partition handled at a time


def slice_rows(n_columns: int) -> int:
    """Rows per slice: :data:`SLICE_BYTES` of float64 model matrix, at least :data:`MIN_SLICE_ROWS`."""
    return max(MIN_SLICE_ROWS, SLICE_BYTES // (_FLOAT_BYTES * max(n_columns, 1)))


def design_of(ddf, covariates: list[str], reference_levels) -> tuple[Design, set]:
    """The in-memory design, from the global levels of the categorical covariates.

    Also the covariates whose dtype is categorical (an empty category is an error for them).
    """
    meta = ddf._meta
    categorical = [c for c in covariates if c in meta.columns and is_categorical(meta[c])]
    levels = dict(zip(categorical, global_levels(ddf, categorical), strict=True))
    size = max([2, *(len(lv) for lv in levels.values())])
    columns = {}
    for cov in covariates:
        if cov in levels:
            values = np.resize(np.asarray(levels[cov], dtype=object), size)
            columns[cov] = pd.Categorical(values, categories=list(levels[cov]))
        else:
            columns[cov] = np.resize(np.array([0, 1], dtype=meta[cov].dtype), size)
    design, _ = build_design(pd.DataFrame(columns), covariates, reference_levels, matrix=False)
    known = {c for c in categorical if isinstance(meta[c].dtype, pd.CategoricalDtype)}
    return design, known


def model_rows(part: pd.DataFrame, spec: Spec):
    """Checked time, event, weight, global stratum code and model matrix of some rows."""
    time, status, w = checked_outcome(part, spec.duration, spec.event, spec.weights, spec.ties)
    w = np.ones(len(part)) if w is None else w
    code = np.zeros(len(part), dtype=np.int64)
    for column, level in zip(spec.strata, spec.strata_levels, strict=True):
        digit = np.asarray(recode(part[column], level).codes, dtype=np.int64)
        if (digit < 0).any():
            raise missing_strata_error(column, int((digit < 0).sum()))
        code = code * len(level) + digit
    return time.astype(float, copy=False), status.astype(bool), w, code, spec.design.matrix(part)


def covariate_codes(part: pd.DataFrame, design: Design) -> dict[str, np.ndarray]:
    """Each covariate as integers to group by: level codes, or the numeric values."""
    out = {}
    for cov in design.covariates:
        values = part[cov]
        if cov in design.levels:
            out[cov] = np.asarray(pd.Categorical(values, categories=list(design.levels[cov])).codes)
        else:
            out[cov] = values.to_numpy()
    return out


def strata_map(spec: Spec, codes: np.ndarray):
    """Global stratum codes -> in-memory stratum codes (sorted as ``fit_cox`` sorts them).

    Also the strata levels, as ``fit_cox`` reports them.
    """
    size = int(np.prod([len(lv) for lv in spec.strata_levels], dtype=np.int64))
    mapping = np.full(max(size, 1), -1, dtype=np.int64)
    if not spec.strata:
        mapping[0] = 0
        return mapping, ()
    frame = decode_strata(spec, codes)
    fitted, _, levels = strata_codes(frame, list(spec.strata))
    mapping[codes] = fitted
    return mapping, levels


def decode_strata(spec: Spec, codes: np.ndarray) -> pd.DataFrame:
    """The strata columns' values of global stratum codes."""
    columns = {}
    rest = np.asarray(codes, dtype=np.int64)
    for column, level in reversed(list(zip(spec.strata, spec.strata_levels, strict=True))):
        columns[column] = level.take(rest % len(level))
        rest = rest // len(level)
    return pd.DataFrame({c: columns[c] for c in spec.strata})
