"""Adjusted rates at registry scale: the direct method with its intervals against one Cox fit.

The issue's target: the direct method (a Cox model with the exit year as a factor, the mean
of ``1 - S(t | x, year)`` over all persons for every year, and the influence-function
standard errors) for 1e6 persons and 12 exit years in at most 3x the time of one Cox fit on
the same data. The data are generated with a fixed seed: exit years 2008-2019 with a common
cut-off (later years followed less long), integer days (ties), age at the index offence
(continuous), sex, prior cases 0-20 and five exploitation forms, with a composition that
shifts over the years. Timed in one process, data in memory:

- ``fit_cox(frame, "days", "event", ["exit_year", *covariates])`` (Efron), the fit alone;
- ``adjusted_rates(frame, ..., method="direct")`` at 2 years and at 2, 5 and 7 years,
  the whole call (its own fit included);
- ``method="indirect"`` likewise;
- a bootstrap is not needed for the direct method; its cost is one whole call per resample
  (a few resamples timed; 200 resamples would take 200 times that);
- on Dask (``--partitions``, 0 to skip): the same data written to a Parquet dataset, read
  with Dask on a local ``distributed`` cluster of two worker processes, the Cox fit alone
  and the direct method at 2 years, with the largest difference from the in-memory table.

    python benchmarks/bench_adjusted_rates.py --n 1e6 --out benchmarks/results_adjusted_rates.md
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rates import best_of  # noqa: E402

from recidive import adjusted_rates  # noqa: E402
from recidive.estimation.cox import fit_cox  # noqa: E402

SEED = 20250701
COVARIATES = ["age", "sex", "prior_cases", "exploitation_form"]
FORMS = ["arbeid", "binnenlands", "crimineel", "grensoverschrijdend", "overig"]


def exit_cohorts(n: int, seed: int = SEED) -> pd.DataFrame:
    """``n`` persons, exit years 2008-2019, one cut-off (2021-06-30), shifting composition."""
    rng = np.random.default_rng(seed)
    year = rng.integers(2008, 2020, n)
    k = year - 2008
    followup = (2021.5 - year - rng.random(n)) * 365.25
    age = 18 + rng.gamma(2.5, (17 - 0.6 * k) / 2.5)
    male = rng.random(n) < 0.8
    prior = np.minimum(rng.negative_binomial(1.2, 1.2 / (1.2 + 1.2 + 0.2 * k)), 20)
    form = rng.choice(len(FORMS), n, p=[0.1, 0.6, 0.1, 0.15, 0.05])
    lp = -0.03 * (age - 30) + 0.3 * male + 0.5 * np.log1p(prior) + 0.1 * form - 0.02 * k
    t_event = 4000 * (rng.exponential(size=n) / np.exp(lp)) ** (1 / 0.75)
    days = np.ceil(np.minimum(t_event, followup)).astype(np.int64)
    return pd.DataFrame(
        {
            "exit_year": year,
            "days": days,
            "event": (t_event <= followup).astype(np.int8),
            "age": age,
            "sex": np.where(male, "M", "F"),
            "prior_cases": prior,
            "exploitation_form": pd.Categorical.from_codes(form, FORMS),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e6)
    parser.add_argument("--boot", type=int, default=2, help="bootstrap resamples timed")
    parser.add_argument("--partitions", type=int, default=8, help="Dask partitions (0: skip)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    n = int(args.n)
    frame = exit_cohorts(n)
    model = frame.assign(exit_year=pd.Categorical(frame["exit_year"]))
    load = os.getloadavg()
    fit_s, fit = best_of(
        lambda: fit_cox(model, "days", "event", ["exit_year", *COVARIATES]), repeat=2
    )

    def call(horizons, method="direct", data=frame):
        return adjusted_rates(
            data, "days", "event", "exit_year", COVARIATES, horizons, method=method
        )

    direct2_s, direct2 = best_of(lambda: call((2,)), repeat=2)
    direct257_s, _ = best_of(lambda: call((2, 5, 7)), repeat=1)
    indirect_s, _ = best_of(lambda: call((2,), "indirect"), repeat=1)
    rng = np.random.default_rng(1)
    boot_s, _ = best_of(
        lambda: [call((2,), data=frame.iloc[rng.integers(0, n, n)]) for _ in range(args.boot)],
        repeat=1,
    )
    table = direct2.to_frame()
    dask_rows = on_dask(frame, table, args.partitions) if args.partitions else []
    rows = [
        ("one Cox fit (exit year + covariates, Efron)", fit_s, 1.0),
        ("direct, 2 years, with IF intervals", direct2_s, direct2_s / fit_s),
        ("direct, 2/5/7 years, with IF intervals", direct257_s, direct257_s / fit_s),
        ("indirect, 2 years, with delta-method intervals", indirect_s, indirect_s / fit_s),
        (f"bootstrap of the direct method, per resample ({args.boot} timed)",
         boot_s / args.boot, boot_s / args.boot / fit_s),
    ]  # fmt: skip
    lines = [
        f"Command: `python benchmarks/bench_adjusted_rates.py --n {args.n:g}`; machine: "
        f"{os.cpu_count()} cores shared with other work (load average before: "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}).",
        "",
        f"{n:,} persons, 12 exit years (2008-2019), {int(frame['event'].sum()):,} events, "
        f"{len(fit.names)} model columns; times are the best of 2 for the fit and the direct method at 2 years, one run otherwise.",
        "",
        "| workload | seconds | x one Cox fit |",
        "|---|---:|---:|",
        *(f"| {name} | {sec:.2f} | {ratio:.2f}x |" for name, sec, ratio in rows),
        "",
        "Target (issue 17): the direct method with its influence-function intervals in at most "
        f"3x one Cox fit: {'met' if direct2_s <= 3 * fit_s else 'NOT met'} at 2 years "
        f"({direct2_s / fit_s:.2f}x), {'met' if direct257_s <= 3 * fit_s else 'NOT met'} at "
        f"2/5/7 years ({direct257_s / fit_s:.2f}x).",
        *dask_lines(dask_rows, args.partitions),
        "",
        "Adjusted 2-year rates (direct):",
        "",
        table[["exit_year", "observed_rate", "adjusted_rate", "std_err", "status"]]
        .round(4)
        .to_markdown(index=False),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


def on_dask(frame: pd.DataFrame, expected: pd.DataFrame, partitions: int) -> list:
    """Seconds of the Cox fit and of the direct method at 2 years on Dask, and the largest
    difference of the table from the in-memory one."""
    import dask.dataframe as dd
    import distributed

    with (
        tempfile.TemporaryDirectory() as tmp,
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        path = Path(tmp) / "exit_cohorts"
        dd.from_pandas(frame, npartitions=partitions).to_parquet(path, write_index=False)
        data = dd.read_parquet(path)
        years = pd.CategoricalDtype(sorted(frame["exit_year"].unique()))  # known: no pass
        fit_s, fit = best_of(lambda: fit_cox(
            data.assign(exit_year=data["exit_year"].astype(years)),
            "days", "event", ["exit_year", *COVARIATES],
        ), repeat=2)  # fmt: skip
        direct_s, direct = best_of(
            lambda: adjusted_rates(data, "days", "event", "exit_year", COVARIATES, (2,)), repeat=2
        )
    got = direct.to_frame()
    numbers = ["observed_rate", "adjusted_rate", "std_err", "ci_lower", "ci_upper"]
    difference = float(np.nanmax(np.abs(got[numbers].to_numpy() - expected[numbers].to_numpy())))
    return [(fit_s, fit.metadata["route"]), (direct_s, difference)]


def dask_lines(rows: list, partitions: int) -> list[str]:
    if not rows:
        return []
    (fit_s, route), (direct_s, difference) = rows
    return [
        "",
        f"On Dask ({partitions} Parquet partitions, a local cluster of two worker processes; "
        "best of 2):",
        "",
        "| workload | seconds | x one Cox fit on Dask |",
        "|---|---:|---:|",
        f"| one Cox fit on Dask ({route} route) | {fit_s:.2f} | 1.00x |",
        f"| direct, 2 years, with IF intervals, on Dask | {direct_s:.2f} | {direct_s / fit_s:.2f}x |",
        "",
        f"Largest difference of the Dask table from the in-memory one: {difference:.1e}.",
    ]


if __name__ == "__main__":
    main()
