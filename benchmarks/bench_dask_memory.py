"""Benchmark: Dask on a Parquet dataset larger than the memory given to the workers.

Writes a registry-shaped Parquet dataset file by file (``bench_rates.registry_frame``: five
criteria, three stratifying categoricals, 32 strata; one seed per file, so the generator never
holds more than one file), whose in-memory size is well above the *total* memory limit of the
workers. Then, in one run:

* ``dask``: ``survival_rates(path, ...)`` per criterion (overall + 32 strata, 2/5/7 years, log-log
  CIs) on a ``distributed.LocalCluster`` of two worker processes, one thread each, with
  ``memory_limit`` per worker (the nanny kills a worker above 95% of it);
* ``in memory``: the same dataset read whole into this (driver) process and ``survival_rates``
  on the pandas frame; the largest absolute difference of every numeric column of the result
  tables is reported.

Worker memory: before the timed run every worker resets its kernel peak-RSS counter
(``echo 5 > /proc/self/clear_refs``); after it, each worker reports ``VmHWM`` (its peak RSS
during the run, idle libraries included). Worker restarts: the worker addresses and process ids
before and after the run must be the same (a worker killed by its nanny comes back with a new
pid and address).

    python benchmarks/bench_dask_memory.py --rows 1e8 --rows-per-file 2e6 \
        --worker-memory 1GiB --out benchmarks/results_dask_memory.md
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))


# ---------------------------------------------------------------- cluster and worker memory
def _worker_reset_peak() -> int:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    return os.getpid()


def _worker_status() -> dict:
    out = {"pid": os.getpid()}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) * 1024
    return out


@contextlib.contextmanager
def memory_limited_cluster(worker_memory: str, pause: bool = True):
    """A ``LocalCluster`` of 2 worker processes x 1 thread with ``memory_limit=worker_memory``."""
    import dask
    from distributed import Client, LocalCluster

    settings = {} if pause else {"distributed.worker.memory.pause": False}
    with (
        dask.config.set(settings),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=worker_memory,
            dashboard_address=":0",
            worker_dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


class WorkerWatch:
    """Peak RSS of every worker during a block, and whether any worker was replaced."""

    def __init__(self, client):
        self.client = client

    def __enter__(self):
        self.before = self.client.run(_worker_reset_peak)  # address -> pid
        limits = {a: w["memory_limit"] for a, w in self.client.scheduler_info()["workers"].items()}
        self.limit = max(limits.values())
        return self

    def __exit__(self, *exc):
        after = self.client.run(_worker_status)
        self.peaks = {a: s["VmHWM"] for a, s in after.items()}
        pids_after = {a: s["pid"] for a, s in after.items()}
        self.restarts = len(set(self.before.items()) - set(pids_after.items()))
        return False

    @property
    def peak(self) -> int:
        return max(self.peaks.values())


def gib(nbytes: float) -> str:
    return f"{nbytes / 2**30:.2f} GiB"


def mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:.0f} MiB"


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def read_whole(path: Path) -> pd.DataFrame:
    """The whole Parquet dataset as one pandas frame, freeing Arrow buffers as it converts."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas(self_destruct=True, split_blocks=True)


def write_timed(write, path: Path, *args) -> tuple[int, int, int]:
    """``write(path, *args)`` (returns bytes in memory), reported: memory, disk and file count."""
    t0 = time.perf_counter()
    in_memory = write(path, *args)
    t_write = time.perf_counter() - t0
    on_disk, n_files = dir_size(path), len(list(path.rglob("*.parquet")))
    print(f"wrote {n_files} files, {gib(in_memory)} in memory, {gib(on_disk)} on disk, "
          f"{t_write:.0f} s", flush=True)  # fmt: skip
    return in_memory, on_disk, n_files


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


# ---------------------------------------------------------------- rates
def write_rates_dataset(path: Path, rows: int, rows_per_file: int) -> int:
    from bench_rates import registry_frame

    path.mkdir(parents=True)
    in_memory = 0
    for i, start in enumerate(range(0, rows, rows_per_file)):
        part = registry_frame(min(rows_per_file, rows - start), seed=2022 + i)
        in_memory += int(part.memory_usage(deep=True, index=False).sum())
        part.to_parquet(path / f"part.{i:04d}.parquet", index=False)
    return in_memory


def bench_rates(args) -> str:
    from bench_rates import BY, CRITERIA, HORIZONS

    from recidive.estimation.horizon_rates import survival_rates

    def rates(data) -> pd.DataFrame:
        return pd.concat(
            [
                survival_rates(data, f"{c}_days", f"{c}_event", by=BY, horizons=HORIZONS)
                .to_frame()
                .assign(criterion=c)
                for c in CRITERIA
            ],
            ignore_index=True,
        )

    rows, per_file = int(args.rows), int(args.rows_per_file)
    with tempfile.TemporaryDirectory(prefix="bench_dask_memory_", dir=args.tmp) as tmp:
        path = Path(tmp) / "cohort"
        in_memory, on_disk, n_files = write_timed(write_rates_dataset, path, rows, per_file)
        load_before = load_average()
        with memory_limited_cluster(args.worker_memory, pause=not args.no_pause) as client:
            with WorkerWatch(client) as watch:
                t0 = time.perf_counter()
                got = rates(path)
                t_dask = time.perf_counter() - t0
        load_after = load_average()
        print(f"dask {t_dask:.1f} s, worker peak {mib(watch.peak)} of {mib(watch.limit)}, "
              f"restarts {watch.restarts}", flush=True)  # fmt: skip
        t0 = time.perf_counter()
        whole = read_whole(path)
        t_read = time.perf_counter() - t0
        assert len(whole) == rows
        t0 = time.perf_counter()
        expected = rates(whole)
        t_mem = time.perf_counter() - t0
        del whole
    keys = ["criterion", *BY, "horizon_years"]
    assert got[keys].astype(str).equals(expected[keys].astype(str)), "rows differ"
    assert (got["status"] == expected["status"]).all()
    numeric = [c for c in expected.columns if pd.api.types.is_numeric_dtype(expected[c])]
    diff = max(
        float(np.nanmax(np.abs(got[c].to_numpy(float) - expected[c].to_numpy(float))))
        for c in numeric
    )
    nan_same = all((got[c].isna() == expected[c].isna()).all() for c in numeric)
    line = (
        f"| {rows:.0e} | {n_files} x {per_file:.0e} | {gib(in_memory)} | {gib(on_disk)} "
        f"| 2 x {mib(watch.limit)} = {gib(2 * watch.limit)} "
        f"| {' / '.join(mib(v) for v in watch.peaks.values())} | {watch.restarts} "
        f"| {t_dask:.1f} | {t_read:.1f} + {t_mem:.1f} | {diff:.1e}{'' if nan_same else ' (NaN differ)'} "
        f"| {load_before} -> {load_after} |"
    )
    head = (
        "| n persons | files x rows | in memory | on disk (Parquet) | worker memory limit "
        "| worker peak RSS | worker restarts | Dask s | in memory s (read + rates) "
        "| max abs diff (all numeric columns) | load avg (before -> after) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n"
    )
    return head + line + "\n"


# ---------------------------------------------------------------- cohort
COHORT_CRITERIA = ["general", "property", "violence", "drugs", "human_trafficking"]
COHORT_BY = ["age_band", "exploitation_form", "sex"]
CUTOFF = "2022-06-30"


def write_registry_dataset(path: Path, persons: int, persons_per_file: int) -> int:
    """The synthetic registry, one simulated chunk per file, ids made unique across chunks.

    Chunk ``j``'s persons go to ``persons/part.j``, its cases and detentions to file ``j + 1``
    (mod the number of files): no file of cases lies beside the file of its persons.
    """
    import recidive as rc

    starts = range(0, persons, persons_per_file)
    n_files = len(starts)
    in_memory = 0
    for j, start in enumerate(starts):
        chunk = rc.datasets.simulate_registry(min(persons_per_file, persons - start), seed=2022 + j)
        for name, frame in chunk.items():
            frame["person_id"] += start
            if name == "cases":
                frame["case_id"] += j * 10**9
            in_memory += int(frame.memory_usage(deep=True, index=False).sum())
            (path / name).mkdir(parents=True, exist_ok=True)
            target = j if name == "persons" else (j + 1) % n_files
            frame.to_parquet(path / name / f"part.{target:04d}.parquet", index=False)
    return in_memory


def cohort_figures(cohort) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Attrition, the rates table (5 criteria, overall + 32 strata) and the age profile."""
    import recidive as rc

    rates = rc.recidivism_rates(cohort, COHORT_CRITERIA, horizons=(2, 5, 7), by=COHORT_BY)
    return cohort.attrition, rates.to_frame(), rc.age_profile(cohort).to_dict()


def bench_cohort(args) -> str:
    import recidive as rc
    from recidive.dask import DaskRegistry

    persons, per_file = int(args.rows), int(args.rows_per_file)
    with tempfile.TemporaryDirectory(prefix="bench_dask_cohort_", dir=args.tmp) as tmp:
        path = Path(tmp) / "registry"
        in_memory, on_disk, n_files = write_timed(write_registry_dataset, path, persons, per_file)
        tables = {name: path / name for name in ("persons", "cases", "detentions")}
        load_before = load_average()
        with memory_limited_cluster(args.worker_memory, pause=not args.no_pause) as client:
            with WorkerWatch(client) as watch:
                t0 = time.perf_counter()
                registry = DaskRegistry(**tables, cutoff_date=CUTOFF, scratch_dir=tmp)
                t_registry = time.perf_counter() - t0
                cohort = rc.build_cohort(registry)
                t_cohort = time.perf_counter() - t0 - t_registry
                got = cohort_figures(cohort)
                t_dask = time.perf_counter() - t0
        load_after = load_average()
        print(f"dask {t_dask:.1f} s (registry {t_registry:.1f}, cohort {t_cohort:.1f}), worker "
              f"peak {mib(watch.peak)} of {mib(watch.limit)}, restarts {watch.restarts}, "
              f"{registry.npartitions} buckets", flush=True)  # fmt: skip
        t0 = time.perf_counter()
        whole = rc.Registry(**{k: read_whole(v) for k, v in tables.items()}, cutoff_date=CUTOFF)
        expected = cohort_figures(rc.build_cohort(whole))
        t_mem = time.perf_counter() - t0
        del whole
    attrition_same = got[0].equals(expected[0])
    keys = ["criterion", *COHORT_BY, "horizon_years"]
    assert got[1][keys].astype(str).equals(expected[1][keys].astype(str)), "rows differ"
    numeric = [c for c in expected[1].columns if pd.api.types.is_numeric_dtype(expected[1][c])]
    diff = max(
        float(np.nanmax(np.abs(got[1][c].to_numpy(float) - expected[1][c].to_numpy(float))))
        for c in numeric
    )
    diff = max([diff] + [abs(got[2][k] - v) for k, v in expected[2].items()
                         if isinstance(v, float)])  # fmt: skip
    line = (
        f"| {persons:.0e} | {n_files} | {gib(in_memory)} | {gib(on_disk)} "
        f"| 2 x {mib(watch.limit)} = {gib(2 * watch.limit)} "
        f"| {' / '.join(mib(v) for v in watch.peaks.values())} | {watch.restarts} "
        f"| {t_registry:.1f} + {t_cohort:.1f} + {t_dask - t_registry - t_cohort:.1f} "
        f"| {t_mem:.1f} | {'yes' if attrition_same else 'NO'} | {diff:.1e} "
        f"| {load_before} -> {load_after} |"
    )
    head = (
        "| n persons | files | in memory | on disk (Parquet) | worker memory limit "
        "| worker peak RSS | worker restarts | Dask s (registry + cohort + rates) "
        "| in memory s (read + all) | attrition equal | max abs diff (rates, age profile) "
        "| load avg (before -> after) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n"
    )
    return head + line + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--what", choices=["rates", "cohort"], default="rates")
    parser.add_argument("--rows", type=float, default=1e8, help="rows (rates) or persons")
    parser.add_argument("--rows-per-file", type=float, default=2e6)
    parser.add_argument("--worker-memory", default="1GiB", help="memory_limit of each worker")
    parser.add_argument("--no-pause", action="store_true", help="workers never pause")
    parser.add_argument("--tmp", default=None, help="where the Parquet files go (deleted)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    table = bench_rates(args) if args.what == "rates" else bench_cohort(args)
    cmd = "python benchmarks/bench_dask_memory.py " + " ".join(sys.argv[1:])
    print(table)
    if args.out:
        args.out.write_text(f"Command: `{cmd}`; {os.cpu_count()} cores.\n\n{table}")


if __name__ == "__main__":
    main()
