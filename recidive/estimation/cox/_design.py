"""Covariate matrix of a Cox model: numeric columns as they are, categorical
columns as dummies against a stated reference level, and the argument checks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recidive._arguments import shown
from recidive.errors import ArgumentError


@dataclass(frozen=True)
class Design:
    """How the covariates of a frame become the columns of ``X``."""

    covariates: tuple[str, ...]
    names: tuple[str, ...]
    terms: dict[str, tuple[int, ...]]  # covariate -> column indices in X
    levels: dict[str, tuple] = field(default_factory=dict)  # categorical: all levels
    reference_levels: dict[str, object] = field(default_factory=dict)

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The covariate matrix of ``frame`` (same coding as at fit time), F-order."""
        for cov in self.covariates:
            require_columns(frame, [cov], "covariate")
            values = frame[cov]
            if cov in self.levels:
                unknown = ~values.isin(self.levels[cov]) & values.notna()
                if unknown.any():
                    first = values[unknown].iloc[0]
                    raise ArgumentError(
                        f"covariate {cov!r} has level {shown(first)} in {int(unknown.sum())} rows "
                        f"that was not in the fitted data; use one of {list(self.levels[cov])}"
                    )
            _check_missing(values, cov)
        x = np.empty((len(frame), len(self.names)), order="F")
        for cov in self.covariates:
            values = frame[cov]
            cols = self.terms[cov]
            if cov in self.levels:
                dummies = [lv for lv in self.levels[cov] if lv != self.reference_levels[cov]]
                for j, level in zip(cols, dummies, strict=True):
                    x[:, j] = (values == level).to_numpy()
            else:
                x[:, cols[0]] = values.to_numpy()
        return x


def require_columns(frame: pd.DataFrame, columns, role: str) -> None:
    """Raise when a ``role`` column (duration/event, strata, covariate, ...) is not in ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ArgumentError(
            f"{role} column{'s' if len(missing) > 1 else ''} {missing} not in the frame; "
            f"available columns: {list(frame.columns)}"
        )


def _check_missing(values: pd.Series, name: str) -> None:
    bad = values.isna().to_numpy()
    if values.dtype.kind == "f":
        bad = bad | ~np.isfinite(values.to_numpy())  # a new array: to_numpy may be read-only
    if bad.any():
        raise ArgumentError(
            f"covariate {name!r} has missing or infinite values in {int(bad.sum())} rows "
            f"(first row {shown(values.index[bad][0])}); drop or impute those rows before fitting"
        )


def constant_error(name: str, value: float, n: int) -> ArgumentError:
    """The error for a numeric covariate (or model column) with one value in all rows."""
    return ArgumentError(
        f"covariate {name!r} is constant (value {value:g} in all {n} rows); "
        "drop it from the covariates"
    )


def constant_level_error(name: str, level: object, n: int) -> ArgumentError:
    """The error for a categorical covariate with one level in all rows."""
    return ArgumentError(
        f"covariate {name!r} is constant (level {level!r} in all {n} rows); "
        "drop it from the covariates"
    )


def empty_levels_error(name: str, empty: list) -> ArgumentError:
    """The error for a categorical covariate whose categories include levels without rows."""
    return ArgumentError(
        f"covariate {name!r} has empty level(s) {empty} (0 rows); remove "
        "unused categories (Series.cat.remove_unused_categories()) or merge levels"
    )


def missing_strata_error(column: str, n_missing: int) -> ArgumentError:
    """The error for a strata column with missing values."""
    return ArgumentError(
        f"strata column {column!r} has missing values in {n_missing} rows; drop or recode them"
    )


def no_events_error(n_rows: int, event: str) -> ArgumentError:
    """The error for data without a single event."""
    return ArgumentError(
        f"no events: all {n_rows} rows are censored ({event!r} is 0 everywhere); "
        "a Cox model needs at least one event"
    )


def is_categorical(values: pd.Series) -> bool:
    """Whether a covariate enters as dummies: categorical, string or object dtype."""
    return isinstance(values.dtype, pd.CategoricalDtype | pd.StringDtype) or (
        values.dtype.kind in "OSU"
    )


def build_design(
    frame: pd.DataFrame, covariates, reference_levels: dict | None = None, matrix: bool = True
) -> tuple[Design, np.ndarray | None]:
    """Check the covariates of ``frame`` and build the design and (optionally) its matrix.

    With ``matrix=False`` the matrix is not built (the caller collapses the rows instead and
    checks for constant columns itself); the missing-value checks still run.
    """
    covariates = as_list(covariates, "covariates")
    if not covariates:
        raise ArgumentError("covariates is empty; give at least one covariate column")
    if len(set(covariates)) != len(covariates):
        raise ArgumentError(f"covariates has duplicates: {covariates}")
    require_columns(frame, covariates, "covariate")
    reference_levels = dict(reference_levels or {})
    stray = set(reference_levels) - set(covariates)
    if stray:
        raise ArgumentError(
            f"reference_levels names {sorted(stray)}, which are not among the covariates"
        )
    names, terms, levels, refs = [], {}, {}, {}
    for cov in covariates:
        values = frame[cov]
        if is_categorical(values):
            _check_missing(values, cov)
            if isinstance(values.dtype, pd.CategoricalDtype):
                lv = list(values.cat.categories)
                counts = values.value_counts()
                empty = [v for v in lv if counts.get(v, 0) == 0]
                if empty:
                    raise empty_levels_error(cov, empty)
            else:
                lv = sorted(pd.unique(values), key=str)
            if len(lv) < 2:
                raise constant_level_error(cov, lv[0], len(values))
            ref = reference_levels.get(cov, lv[0])
            if ref not in lv:
                raise ArgumentError(
                    f"reference level {ref!r} of covariate {cov!r} is not one of its levels {lv}"
                )
            levels[cov], refs[cov] = tuple(lv), ref
            start = len(names)
            names += [f"{cov}[{v}]" for v in lv if v != ref]
            terms[cov] = tuple(range(start, len(names)))
        else:
            if cov in reference_levels:
                raise ArgumentError(
                    f"reference_levels gives a level for {cov!r}, which is numeric, not categorical"
                )
            if values.dtype.kind not in "biuf":
                raise ArgumentError(
                    f"covariate {cov!r} has dtype {values.dtype}, neither numeric nor categorical"
                )
            if not matrix:
                _check_missing(values, cov)
            terms[cov] = (len(names),)
            names.append(cov)
    design = Design(tuple(covariates), tuple(names), terms, levels, refs)
    if not matrix:
        return design, None
    x = design.matrix(frame)
    for j, name in enumerate(names):
        col = x[:, j]
        if len(col) and np.all(col == col[0]):
            raise constant_error(name, col[0], len(col))
    return design, x


def as_list(value, what: str) -> list:
    """A column name or a list of column names (None: none) as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        raise ArgumentError(f"{what} must be a column name or a list of column names") from None
