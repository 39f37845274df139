"""Levels of stratifying columns that mean the same in every partition.

A partition's stratum codes are summed with other partitions' (risk tables) or sent to a
driver that decodes them (Cox), so each ``by`` column is coded against levels fixed before
the pass: the categories of a categorical column whose categories Dask knows, otherwise the
union over all partitions found by a first, cheap pass over the ``by`` columns only
(categories in order of first appearance, as ``dask.dataframe.compute`` would concatenate
them; other values sorted, as in memory). Each partition's column is then coded against
these levels (:func:`recode`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recidive.dask._plumbing import import_dask
from recidive.errors import ArgumentError


def global_levels(ddf, by: list[str]) -> list[pd.Index]:
    """Levels of each ``by`` column of a Dask DataFrame, the same in every partition."""
    dask, _ = import_dask()
    known: dict[str, pd.Index] = {}
    for column in by:
        dtype = ddf.dtypes[column]
        if isinstance(dtype, pd.CategoricalDtype) and ddf[column].cat.known:
            known[column] = pd.Index(dtype.categories)
    need = [c for c in by if c not in known]
    found: dict[str, pd.Index] = {}
    if need:
        parts = dask.compute(*[dask.delayed(_partition_levels)(p) for p in ddf[need].to_delayed()])
        for column in need:
            found[column] = _union([p[column] for p in parts], column)
    return [pd.Index({**known, **found}[c], name=c) for c in by]


def recode(values: pd.Series, level: pd.Index) -> pd.Categorical:
    """``values`` as a categorical with exactly the categories ``level``.

    A value not among them becomes missing, which the gateway reports.
    """
    if isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.equals(level):
        return values
    return pd.Categorical(values, categories=level)


def _union(parts: list[tuple[bool, np.ndarray | None]], column: str) -> pd.Index:
    """The levels of one column from its partitions' (categorical?, values) pairs."""
    values = [p for p in parts if p[1] is not None]
    if not values:
        return pd.Index([])
    if values[0][0]:  # categorical: categories in order of first appearance
        return pd.Index(pd.unique(np.concatenate([v[1] for v in values])))
    levels = pd.Index(np.concatenate([v[1] for v in values])).unique()
    try:
        return levels.sort_values()
    except TypeError:
        raise ArgumentError(
            f"stratum column {column} mixes values that cannot be sorted "
            f"(types {sorted({type(v).__name__ for v in levels})}); "
            "make it one type or a categorical"
        ) from None


def _partition_levels(part: pd.DataFrame) -> dict[str, tuple[bool, np.ndarray | None]]:
    """Per column: whether it is categorical, and its categories or distinct non-missing values."""
    out = {}
    for column in part.columns:
        values = part[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            out[column] = (True, np.asarray(values.cat.categories))
        elif len(values):
            out[column] = (False, np.asarray(pd.unique(values.dropna())))
        else:
            out[column] = (False, None)
    return out
