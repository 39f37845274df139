"""A registry larger than a Dask worker's memory limit gives the in-memory cohort and rates.

The registry (about 570 MB in pandas, 2.7e6 persons) is written as Parquet in row groups of
250,000 rows (a task reads one row group: about 5 times its size in pandas), the cases and
detentions of each chunk of persons in another file than the persons. ``build_cohort`` runs on
a ``distributed.LocalCluster`` of two worker processes limited to 550 MB each (spilling and
pausing off: a worker that needed the data in memory would be killed by its nanny). The
in-memory pipeline on the same files is the reference.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from dask_cluster import local_client

import recidive as rc

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
from recidive.dask import DaskRegistry  # noqa: E402

WORKER_MEMORY = 550e6
TABLES = ("persons", "cases", "detentions")
CUTOFF = "2022-06-30"


def write_registry(path, n_chunks: int, persons_per_chunk: int) -> int:
    """Simulated chunks with ids unique across chunks; returns the bytes in memory."""
    size = 0
    for j in range(n_chunks):
        chunk = rc.datasets.simulate_registry(persons_per_chunk, seed=100 + j)
        for name, frame in chunk.items():
            frame["person_id"] += j * persons_per_chunk
            if name == "cases":
                frame["case_id"] += j * 10**9
            size += int(frame.memory_usage(deep=True, index=False).sum())
            (path / name).mkdir(exist_ok=True)
            target = j if name == "persons" else (j + 1) % n_chunks
            frame.to_parquet(path / name / f"part.{target:02d}.parquet", index=False,
                             row_group_size=250_000)  # fmt: skip
    return size


def test_a_registry_larger_than_a_worker_memory_limit(tmp_path):
    size = write_registry(tmp_path, n_chunks=7, persons_per_chunk=380_000)
    assert size > WORKER_MEMORY
    paths = {name: tmp_path / name for name in TABLES}
    with local_client(memory_limit=WORKER_MEMORY) as client:
        pids = client.run(os.getpid)
        registry = DaskRegistry(**paths, cutoff_date=CUTOFF, scratch_dir=tmp_path / "work")
        cohort = rc.build_cohort(registry)
        got = rc.recidivism_rates(cohort, ["general", "property"], by=["age_group"]).to_frame()
        assert client.run(os.getpid) == pids  # no worker was killed and replaced
    whole = rc.Registry(**{n: pd.read_parquet(p) for n, p in paths.items()}, cutoff_date=CUTOFF)
    expected = rc.build_cohort(whole)
    pd.testing.assert_frame_equal(cohort.attrition, expected.attrition)
    assert registry.n_rows == {n: len(getattr(whole, n)) for n in TABLES}
    want = rc.recidivism_rates(expected, ["general", "property"], by=["age_group"]).to_frame()
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=1e-12)
    assert np.isfinite(want["rate"]).all()
