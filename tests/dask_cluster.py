"""The LocalCluster the Dask tests share: two worker processes, one thread each.

Tasks and results are pickled between processes, as on a real cluster. The nanny kills a worker
above 95% of ``memory_limit`` (the out-of-core tests detect that as a changed worker set).
Pausing at 80% and spilling are off: an idle worker with pandas, pyarrow and scipy loaded already
holds about 200-300 MB, so with small limits pausing would stall it for good. No port is fixed:
the scheduler's HTTP server (which serves /health even without a dashboard) takes a free one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dask
import distributed


@contextmanager
def local_client(memory_limit: float) -> Iterator[distributed.Client]:
    """A client on a fresh two-worker LocalCluster with ``memory_limit`` bytes per worker."""
    settings = {
        "distributed.worker.memory.pause": False,
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.target": False,
    }
    with (
        dask.config.set(settings),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=None,
            worker_dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
