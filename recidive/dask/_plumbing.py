"""The Dask plumbing every task of the wing shares.

Memory is what decides how the wing works, so these helpers are about it:

- A Parquet path is read a row group per partition, small row groups together up to
  :data:`PARQUET_BLOCK` of uncompressed data: reading a row group into pandas takes about
  five times its pandas size, so a partition must stay a few MiB.
- :func:`each_partition` runs a function on every partition through ``map_partitions``, so
  that Dask fuses reading a partition with the work on it: a task holds its partition only
  while the function runs, and no partition waits in memory for its task. An
  :class:`~recidive.errors.ArgumentError` raised there names the partition.
- :func:`row_slices` lets a task work a slice of rows at a time, never a whole partition's
  arrays at once; :func:`release_arrow_memory` gives back what Arrow's allocator keeps
  after Parquet IO (on a worker it counts as unmanaged memory towards its limit).
- :func:`smallest_worker_memory` is the budget that bucket and collapse sizes follow.
- :func:`tree_reduce` adds up per-partition results :data:`SPLIT_EVERY` at a time, so no
  task holds more than a few partial results.

Dask is optional (``pip install 'recidive[dask]'``): it is imported inside these functions,
never when the package is imported.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from recidive.errors import ArgumentError

#: Partial results combined per task of a tree reduction.
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


def each_partition(table, function: Callable, *args) -> list:
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

    def __init__(self, function: Callable) -> None:
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


def tree_reduce(leaves: Sequence, combine: Callable, split_every: int = SPLIT_EVERY, **kwargs):
    """One delayed value: ``combine`` of the leaves, ``split_every`` at a time, in a tree.

    ``combine(*parts, **kwargs)`` takes and returns partial results of the same kind, so
    that no task holds more than ``split_every`` of them. A single leaf is returned as it is.
    """
    dask, _ = import_dask()
    tasks = list(leaves)
    while len(tasks) > 1:
        tasks = [
            dask.delayed(combine)(*tasks[i : i + split_every], **kwargs)
            for i in range(0, len(tasks), split_every)
        ]
    return tasks[0]


def row_slices(frame: pd.DataFrame, rows: int) -> Iterator[pd.DataFrame]:
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
    pa.default_memory_pool().release_unused()
