"""The mean cumulative function on Dask, from per-partition sums, equals the one in memory.

The partitions hold whole persons (as the Dask cohort writes them); a person split between
partitions is refused, since the Lawless-Nadeau variance sums over each person's rows.
"""

from __future__ import annotations

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import recidive as rc

from ._reference import DATA_DIR


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "counting_process.csv")


def _by_person(frame: pd.DataFrame, id: str, n_parts: int) -> dd.DataFrame:
    """Partitions of whole persons: persons dealt out to ``n_parts`` parts, rows shuffled."""
    ids = frame[id].unique()
    part = dict(zip(ids, np.arange(ids.size) % n_parts, strict=True))
    pieces = [
        frame[frame[id].map(part) == k].sample(frac=1, random_state=k) for k in range(n_parts)
    ]
    return dd.concat([dd.from_pandas(p, npartitions=1) for p in pieces])


@pytest.mark.parametrize("weighted", [False, True])
def test_dask_equals_memory(rows, weighted, tmp_path):
    df = rows.copy()
    df["w"] = (df["id"].astype("category").cat.codes % 3 + 1).astype(float)
    weights = "w" if weighted else None
    memory = rc.mean_cumulative_function_by(df, "stop", "event", "id", None, entry="start",
                                            weights=weights)["all"]  # fmt: skip
    with dask.config.set(scheduler="synchronous"):
        on_dask = rc.mean_cumulative_function_by(
            _by_person(df, "id", 4), "stop", "event", "id", None, entry="start", weights=weights
        )["all"]
    pd.testing.assert_frame_equal(on_dask.to_frame(), memory.to_frame(), rtol=1e-12, atol=1e-14)
    times = [0, 100, 365.25, 1e9]
    pd.testing.assert_frame_equal(on_dask.at(times), memory.at(times), rtol=1e-12, atol=1e-14)
    assert (on_dask.n, on_dask.n_rows, on_dask.n_events) == (
        memory.n,
        memory.n_rows,
        memory.n_events,
    )


def test_a_person_split_between_partitions_is_refused(rows):
    split = dd.from_pandas(rows.sort_values("stop"), npartitions=3)
    with pytest.raises(rc.ArgumentError, match=r"more than one partition .* repartition by 'id'"):
        rc.mean_cumulative_function_by(split, "stop", "event", "id", None, entry="start")
    with pytest.raises(rc.ArgumentError, match=r"by is not supported on Dask"):
        rc.mean_cumulative_function_by(split, "stop", "event", "id", "sex", entry="start")
