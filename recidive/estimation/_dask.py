"""Risk tables of a Dask DataFrame or a Parquet dataset, reduced partition by partition.

A risk table is a sum over rows, so a data set that does not fit in memory is
reduced in one pass: every partition becomes a small risk table (at most
strata x distinct times rows) and the tables are added in a tree. The
estimators then run on the merged table exactly as in memory; there is no
second implementation of any estimator.

Stratum codes must mean the same in every partition. The levels of each ``by``
column are fixed before the pass: the categories of a categorical column whose
categories Dask knows, otherwise the union over all partitions found by a
first, cheap pass over the ``by`` columns only (categories in order of first
appearance, as ``dask.dataframe.compute`` would concatenate them; other values
sorted, as in memory). Each partition's ``by`` columns are then coded against
these levels.

Dask is optional: it is imported here, when a Dask DataFrame or a Parquet path
is passed, never by ``import recidive``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from recidive.errors import ArgumentError
from recidive.estimation.risk_table import RiskTable, frame_risk_table

#: Partition tables summed per task of the tree reduction.
SPLIT_EVERY = 8
#: Uncompressed Parquet bytes per partition when a path is read: whole row groups, small
#: ones together (reading a row group into pandas takes about five times its pandas size).
PARQUET_BLOCK = "4MiB"


def import_dask():
    """Import ``dask`` and ``dask.dataframe`` or say how to install them."""
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as err:  # pragma: no cover - exercised without dask installed
        raise ImportError(
            "a Dask DataFrame or a Parquet path needs Dask, which is not installed; "
            "install it with pip install 'recidive[dask]' (or pass a pandas DataFrame)"
        ) from err
    return dask, dd


def smallest_worker_memory() -> int | None:
    """The smallest ``memory_limit`` of the active ``distributed`` client's workers, in bytes.

    None without a client (local threads or processes) or when no worker has a limit.
    """
    try:
        import distributed

        client = distributed.get_client()
    except (ImportError, ValueError):
        return None
    try:
        workers = client.scheduler_info(n_workers=-1)["workers"]
    except TypeError:  # older distributed: every worker by default
        workers = client.scheduler_info()["workers"]
    limits = [w.get("memory_limit") or 0 for w in workers.values()]
    limits = [limit for limit in limits if limit > 0]
    return min(limits) if limits else None


def read_parquet(path: str):
    """A Parquet file or dataset as a Dask DataFrame, a partition per row group (or a few small)."""
    _, dd = import_dask()
    return dd.read_parquet(path, split_row_groups="adaptive", blocksize=PARQUET_BLOCK)


def each_partition(table, function, *args) -> list:
    """``function(partition, *args)`` of every partition, as delayed values of any type.

    Through ``map_partitions``, so that Dask fuses reading a partition with the function: a
    task holds its partition only while the function runs, and no partition waits in
    memory for its task. ``function`` gets the partition number as ``partition_info`` if it
    takes that keyword.
    """
    meta = pd.DataFrame({"result": pd.Series(dtype=np.float64)})  # never built
    results = table.map_partitions(
        _NamingThePartition(function), *args, meta=meta, enforce_metadata=False,
        align_dataframes=False,
    )  # fmt: skip
    return results.to_delayed()


class _NamingThePartition:
    """``function``, with the partition named in the :class:`ArgumentError` it raises.

    Counts and row numbers in such a message are those of one partition.
    """

    def __init__(self, function) -> None:
        self.function = function
        self.wants_info = "partition_info" in inspect.signature(function).parameters

    def __call__(self, part, *args, partition_info=None):
        kwargs = {"partition_info": partition_info} if self.wants_info else {}
        try:
            return self.function(part, *args, **kwargs)
        except ArgumentError as err:
            number = "?" if partition_info is None else partition_info["number"]
            raise ArgumentError(
                f"{err} [in partition {number} of the Dask data; counts and row numbers are "
                "those of that partition]"
            ) from None


def row_slices(frame: pd.DataFrame, rows: int):
    """The frame in consecutive slices of at most ``rows`` rows (itself when it is smaller)."""
    if len(frame) <= rows:
        yield frame
        return
    for lo in range(0, len(frame), rows):
        yield frame.iloc[lo : lo + rows]


def release_arrow_memory() -> None:
    """Give the memory Arrow's allocator keeps for reuse back to the system (after Parquet IO).

    mimalloc and jemalloc keep freed pages; on a worker they count as unmanaged memory
    towards its memory limit.
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def as_dask_frame(frame, columns: Sequence[str], what: str):
    """The ``columns`` of a Dask DataFrame, or of a Parquet file or dataset read with Dask."""
    _, dd = import_dask()
    if isinstance(frame, str | os.PathLike):
        path = os.fspath(frame)
        if not os.path.exists(path):
            raise ArgumentError(
                f"{what}: Parquet path {path!r} does not exist; pass a Parquet file, a directory "
                "of Parquet files, or a DataFrame"
            )
        frame = read_parquet(path)
    if not isinstance(frame, dd.DataFrame):
        raise ArgumentError(
            f"{what}: frame must be a pandas or Dask DataFrame or a Parquet path; "
            f"got {type(frame).__name__}"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ArgumentError(
            f"{what} column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
            f"not in the frame; available: {', '.join(map(str, frame.columns[:12]))}"
        )
    return frame[list(dict.fromkeys(columns))]


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
    levels = _levels(ddf, by)
    args = (duration, event, by, levels, weights, cause_of_interest, what)
    tasks = each_partition(ddf, _partition_table, *args)
    while len(tasks) > 1:
        tasks = [
            dask.delayed(_sum_tables)(*tasks[i : i + SPLIT_EVERY])
            for i in range(0, len(tasks), SPLIT_EVERY)
        ]
    (table,) = dask.compute(*tasks)
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
            part[column] = _recode(part[column], level)
    return frame_risk_table(part, duration, event, by, weights, cause_of_interest, what)


def _recode(values: pd.Series, level: pd.Index) -> pd.Categorical:
    """``values`` as a categorical with exactly the categories ``level``.

    A value not among them becomes missing, which the gateway reports.
    """
    if isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.equals(level):
        return values
    return pd.Categorical(values, categories=level)


def _sum_tables(*tables: RiskTable | None) -> RiskTable | None:
    present = [t for t in tables if t is not None]
    if not present:
        return None
    total = present[0]
    for table in present[1:]:
        total = total + table
    return total


def _levels(ddf, by: list[str]) -> list[pd.Index]:
    """Levels of each ``by`` column, the same in every partition (see the module docstring)."""
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
            values = [p[column] for p in parts if p[column][1] is not None]
            if not values:
                found[column] = pd.Index([])
            elif values[0][0]:  # categorical: categories in order of first appearance
                found[column] = pd.Index(pd.unique(np.concatenate([v[1] for v in values])))
            else:
                found[column] = pd.Index(np.concatenate([v[1] for v in values])).unique()
                try:
                    found[column] = found[column].sort_values()
                except TypeError:
                    raise ArgumentError(
                        f"stratum column {column} mixes values that cannot be sorted "
                        f"(types {sorted({type(v).__name__ for v in found[column]})}); "
                        "make it one type or a categorical"
                    ) from None
    return [pd.Index({**known, **found}[c], name=c) for c in by]


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
