"""Risk tables of a Dask DataFrame or a Parquet dataset, reduced partition by partition.

A risk table is a sum over rows, so a data set that does not fit in memory is reduced in
one pass: every partition becomes a small risk table (at most strata x distinct times
rows) and the tables are added in a tree. The estimators then run on the merged table
exactly as in memory; there is no second implementation of any estimator.

Stratum codes must mean the same in every partition: each partition's ``by`` columns are
coded against levels fixed before the pass (:mod:`recidive.dask.levels`).

Registered as the Dask implementation of
:func:`recidive.estimation.risk_table.frame_risk_table`, which dispatches here for a Dask
DataFrame or a Parquet path. With delayed entry, the standard errors of a cumulative
incidence need one more pass (per-row sums given the merged table, which add up over
partitions as well): ``"aj_entry_std_errs"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from recidive import _engines
from recidive.dask._plumbing import as_dask_frame, each_partition, import_dask, tree_reduce
from recidive.dask.levels import global_levels, recode
from recidive.errors import ArgumentError
from recidive.estimation._aj_entry import add_row_sums, aj_std_err
from recidive.estimation.competing_risks import entry_row_sums, entry_terms, frame_entry_rows
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
    entry: str | None = None,
) -> RiskTable:
    """Risk table of a Dask DataFrame or Parquet path: per-partition tables, summed in a tree.

    The same table (stratified by the full product of the ``by`` levels) as
    :func:`~recidive.estimation.risk_table.frame_risk_table` gives for the
    data in memory. Runs on the active Dask scheduler (a ``distributed.Client``
    if one is active). Argument errors found in a partition are raised as
    :class:`~recidive.errors.ArgumentError` that names the partition; counts and
    row numbers then are those of that partition. With ``entry`` (delayed entry) each
    partition's table also counts its entries; those add up like the exits.
    """
    dask, _ = import_dask()
    if weights is not None and not isinstance(weights, str):
        raise ArgumentError(
            f"{what}: with a Dask DataFrame or a Parquet path, pass weights as a column name"
        )
    by = list(by)
    optional = [c for c in (weights, entry) if c is not None]
    ddf = as_dask_frame(frame, [duration, event, *by, *optional], what)
    levels = global_levels(ddf, by)
    args = (duration, event, by, levels, weights, cause_of_interest, what, entry)
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
    entry: str | None = None,
) -> RiskTable | None:
    """The risk table of one partition, with ``by`` coded against the global levels."""
    if len(part) == 0:
        return None
    part = coded_partition(part, by, levels)
    return frame_risk_table(
        part, duration, event, by, weights, cause_of_interest, what, entry=entry
    )


def coded_partition(part: pd.DataFrame, by: list[str], levels: list[pd.Index]) -> pd.DataFrame:
    """The partition with its ``by`` columns coded against the global levels."""
    if by:
        part = part.copy(deep=False)
        for column, level in zip(by, levels, strict=True):
            part[column] = recode(part[column], level)
    return part


def _sum_tables(*tables: RiskTable | None) -> RiskTable | None:
    present = [t for t in tables if t is not None]
    if not present:
        return None
    total = present[0]
    for table in present[1:]:
        total = total + table
    return total


@_engines.register("aj_entry_std_errs")
def dask_aj_entry_std_errs(
    frame,
    table: RiskTable,
    duration: str,
    cause: str,
    by: Sequence[str],
    weights: str | None,
    cause_of_interest: int,
    entry: str,
) -> list:
    """IJ standard errors of cumulative incidence with delayed entry: a second pass.

    Each partition sums its rows' variance terms (given the merged ``table``, stratified
    by the full product of the ``by`` levels, as :func:`dask_risk_table` gives it); the
    sums are added in a tree, as in memory
    (:func:`~recidive.estimation.competing_risks.entry_std_errs`).
    """
    dask, _ = import_dask()
    by = list(by)
    optional = [c for c in (weights,) if c is not None]
    ddf = as_dask_frame(frame, [duration, cause, entry, *by, *optional], "cumulative_incidence_by")
    levels = global_levels(ddf, by)
    terms = entry_terms(table)
    args = (table, terms, duration, cause, by, levels, weights, cause_of_interest, entry)
    tasks = each_partition(ddf, _partition_aj_sums, *args)
    (sums,) = dask.compute(tree_reduce(tasks, _add_aj_sums))
    return [None if s is None else aj_std_err(t, s) for t, s in zip(terms, sums, strict=True)]


def _partition_aj_sums(part, table, terms, duration, cause, by, levels, weights, coi, entry):
    if len(part) == 0:
        return [None] * table.n_strata
    part = coded_partition(part, by, levels)
    rows = frame_entry_rows(part, duration, cause, by, weights, coi, entry)
    return entry_row_sums(table, terms, *rows)


def _add_aj_sums(*parts: list) -> list:
    out = list(parts[0])
    for part in parts[1:]:
        for k, sums in enumerate(part):
            if sums is not None:
                out[k] = sums if out[k] is None else add_row_sums(out[k], sums)
    return out
