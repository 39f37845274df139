"""The cohort and its recidivism rates on Dask, from Parquet datasets, equal to memory.

Usage::

    python examples/scale_out_with_dask.py [--persons 20000] [--workers 2]

Writes the synthetic reference registry as Parquet datasets (a directory of files per table)
to a temporary directory, starts a local ``distributed`` cluster, builds the cohort and the
rates on Dask (``Registry.from_files(..., engine="dask")``) and prints them with the largest
difference from the same pipeline in memory. Needs ``pip install 'recidive[dask]'``.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

import dask.dataframe as dd
import distributed
import pandas as pd

import recidive as rc

CRITERIA = ["general", "property", "violence", "drugs", "human_trafficking"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000, help="persons to simulate")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    args = parser.parse_args(argv)

    registry = rc.datasets.reference_registry(n_persons=args.persons, seed=3)
    with (
        tempfile.TemporaryDirectory() as tmp,
        distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster),
    ):
        paths = {}
        for table in ("persons", "cases", "detentions"):
            paths[table] = Path(tmp) / table
            frame = dd.from_pandas(getattr(registry, table), npartitions=4)
            frame.to_parquet(paths[table], write_index=False)
        big = rc.Registry.from_files(**paths, cutoff_date=registry.cutoff_date, engine="dask")
        cohort = rc.build_cohort(big)
        rates = rc.recidivism_rates(cohort, CRITERIA, by=["age_group"]).to_frame()
        profile = rc.age_profile(cohort)

        memory = rc.build_cohort(registry)
        expected = rc.recidivism_rates(memory, CRITERIA, by=["age_group"]).to_frame()
        numbers = ["rate", "std_err", "ci_lower", "ci_upper", "n", "n_at_risk"]
        gap = (rates[numbers] - expected[numbers]).abs().max().max()

        print(big)
        print(cohort.attrition[["table", "step", "n_before", "n_after"]].to_string(index=False))
        with pd.option_context("display.width", 120, "display.max_columns", None):
            print(rates[rates["age_group"] == "all"].round(4).to_string(index=False))
        print(f"share of the young among recidivists: {profile.share_young_recidivists:.3f}")
        print(f"attrition equal to memory: {cohort.attrition.equals(memory.attrition)}")
        print(f"largest difference of the rates from memory: {gap:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
