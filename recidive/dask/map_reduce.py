"""A reduction over the partitions of a Dask DataFrame: the passes of ``adjusted_rates``.

:func:`recidive.adjusted_rates` (and so :func:`recidive.recidivism_trends`) is written as
passes, each a function of a part of the rows whose results combine
(:mod:`recidive.estimation._adjusted_passes`); in memory the one frame is the one part. On
Dask each partition is a part: :func:`map_reduce` runs the function on every partition and
combines the results in a tree (:func:`~recidive.dask._plumbing.tree_reduce`), so only the
pass's small results travel. Together with the Cox fit on Dask
(:mod:`recidive.dask.cox.fit`) that gives the adjusted rates of a Dask frame, equal to the
in-memory ones up to the order of floating-point sums.

Registered as the Dask implementation of ``"map_reduce"``.
"""

from __future__ import annotations

from collections.abc import Callable

from recidive import _engines
from recidive.dask._plumbing import each_partition, import_dask, tree_reduce


@_engines.register("map_reduce")
def map_reduce(frame, function: Callable, combine: Callable, *args):
    """``combine`` of ``function(partition, *args)`` over every partition of ``frame``."""
    dask, _ = import_dask()
    (result,) = dask.compute(tree_reduce(each_partition(frame, function, *args), combine))
    return result
