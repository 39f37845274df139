"""Risk tables of a Dask DataFrame or a Parquet dataset, reduced partition by partition.

A risk table is a sum over rows, so a data set that does not fit in memory is reduced in
one pass: every partition becomes a small risk table (at most strata x distinct times
rows) and the tables are added in a tree. The estimators then run on the merged table
exactly as in memory; there is no second implementation of any estimator.

Stratum codes must mean the same in every partition: each partition's ``by`` columns are
coded against levels fixed before the pass (:mod:`recidive.dask.levels`).

Registered as the Dask implementation of
:func:`recidive.estimation.risk_table.frame_risk_table`, which dispatches here for a Dask
DataFrame or a Parquet path.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from recidive import _engines
from recidive.dask._plumbing import as_dask_frame, each_partition, import_dask, tree_reduce
from recidive.dask.levels import global_levels, recode
from recidive.errors import ArgumentError
from recidive.estimation.risk_table import RiskTable, frame_risk_table


@_engines.register("frame_risk_table")
def dask_risk_table(
    frame,
    duration: str,
    event: str,
    by: Sequence[str] = (),
    weights: str | None = None,
    cause_of_interest: int | None = None,
    what: str = "risk_table",
) -> RiskTable:
    """Risk table of a Dask DataFrame or Parquet path: per-partition tables, summed in a tree.

    The same table (stratified by the full product of the ``by`` levels) as
    :func:`~recidive.estimation.risk_table.frame_risk_table` gives for the
    data in memory. Runs on the active Dask scheduler (a ``distributed.Client``
    if one is active). Argument errors found in a partition are raised as
    :class:`~recidive.errors.ArgumentError` that names the partition; counts and
    row numbers then are those of that partition.
    """
    dask, _ = import_dask()
    if weights is not None and not isinstance(weights, str):
        raise ArgumentError(
            f"{what}: with a Dask DataFrame or a Parquet path, pass weights as a column name"
        )
    by = list(by)
    ddf = as_dask_frame(frame, [duration, event, *by, *([weights] if weights else [])], what)
    levels = global_levels(ddf, by)
    args = (duration, event, by, levels, weights, cause_of_interest, what)
    (table,) = dask.compute(tree_reduce(each_partition(ddf, _partition_table, *args), _sum_tables))
    if table is None:
        raise ArgumentError(f"{what}: {duration} is empty; pass at least one observation")
    return table


def _partition_table(
    part: pd.DataFrame,
    duration: str,
    event: str,
    by: list[str],
    levels: list[pd.Index],
    weights: str | None,
    cause_of_interest: int | None,
    what: str,
) -> RiskTable | None:
    """The risk table of one partition, with ``by`` coded against the global levels."""
    if len(part) == 0:
        return None
    if by:
        part = part.copy(deep=False)
        for column, level in zip(by, levels, strict=True):
            part[column] = recode(part[column], level)
    return frame_risk_table(part, duration, event, by, weights, cause_of_interest, what)


def _sum_tables(*tables: RiskTable | None) -> RiskTable | None:
    present = [t for t in tables if t is not None]
    if not present:
        return None
    total = present[0]
    for table in present[1:]:
        total = total + table
    return total
