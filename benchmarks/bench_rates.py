"""Benchmark: the rates table (five criteria, overall + 32 strata, 2/5/7 years with CIs).

Times, in one run on the same registry-shaped data:

* ``recidive``: ``survival_rates`` once per criterion (overall + 32 strata, log-log CIs);
* ``floor``: per criterion one ``np.bincount(stratum * T + days, weights=event,
  minlength=32 * T)`` over the rows, with ``stratum`` (0..31, int64) built once beforehand
  from the categorical codes and ``T = max(days) + 1``; the arithmetic that forms the cell
  codes is inside the timing, the stratum combination is not;
* ``lifelines``: ``KaplanMeierFitter`` per criterion and stratum (and overall), with
  ``survival_function_at_times`` and the log-log CI at 2/5/7 years (the same work);
* ``R``: ``survfit(Surv(days, event) ~ 1)`` and ``~ stratum`` with ``summary(times=)``
  per criterion, timed inside R with ``system.time`` (reading the data is not timed);
* ``dask`` (with ``--dask``): ``survival_rates`` on a Parquet directory of the same data on a
  ``distributed.LocalCluster`` of two worker processes (writing the files is not timed).

recidive and the floor take the best of ``--repeat`` runs; lifelines, R and Dask run once.
Every engine's rates are checked against recidive's.

    python benchmarks/bench_rates.py --sizes 1e5 1e6 1e7 --out benchmarks/results_rates.md
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from recidive.estimation.horizon_rates import survival_rates

CRITERIA = ("general", "property", "violence", "drugs", "human_trafficking")
HAZARD = {"general": 2.2e-4, "property": 9e-5, "violence": 8e-5, "drugs": 4e-5,
          "human_trafficking": 1.5e-5}  # fmt: skip
AGE = ["<23", "23-29", "30-39", "40+"]
FORM = ["binnenlands_seksueel", "grensoverschrijdend_seksueel", "arbeid", "crimineel"]
SEX = ["man", "vrouw"]
BY = ["age_band", "exploitation_form", "sex"]
HORIZONS = (2.0, 5.0, 7.0)
MAX_DAY = 2557  # seven years of follow-up at most (7 * 365.25 = 2556.75)


def registry_frame(n: int, seed: int = 2022) -> pd.DataFrame:
    """One row per person: three stratifying categoricals and five criteria's (days, event)."""
    rng = np.random.default_rng(seed)
    out = {
        "age_band": pd.Categorical.from_codes(rng.integers(0, 4, n).astype(np.int8), AGE),
        "exploitation_form": pd.Categorical.from_codes(
            rng.choice(4, n, p=[0.4, 0.2, 0.25, 0.15]).astype(np.int8), FORM
        ),
        "sex": pd.Categorical.from_codes((rng.random(n) < 0.15).astype(np.int8), SEX),
    }
    # half followed to the cut-off (day 2557, just past 7 years), half leave earlier
    followup = np.where(rng.random(n) < 0.5, MAX_DAY, rng.integers(0, MAX_DAY + 1, n))
    young = out["age_band"].codes == 0
    for c in CRITERIA:
        hazard = np.where(young, 1.6, 1.0) * HAZARD[c]
        t_event = np.ceil(rng.exponential(1.0 / hazard)).astype(np.int64)
        out[f"{c}_days"] = np.minimum(t_event, followup)
        out[f"{c}_event"] = (t_event <= followup).astype(np.int8)
    return pd.DataFrame(out)


def stratum_code(df: pd.DataFrame) -> np.ndarray:
    """Stratum 0..31 (age, form, sex), int64, built from the categorical codes."""
    code = np.zeros(len(df), dtype=np.int64)
    for col in BY:
        code *= len(df[col].cat.categories)
        code += df[col].cat.codes.to_numpy()
    return code


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_recidive(df: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for c in CRITERIA:
        rt = survival_rates(df, f"{c}_days", f"{c}_event", by=BY, horizons=HORIZONS)
        frames.append(rt.to_frame().assign(criterion=c))
    return pd.concat(frames, ignore_index=True)


def run_floor(df: pd.DataFrame, stratum: np.ndarray) -> list[np.ndarray]:
    n_cells = 32 * (MAX_DAY + 1)
    return [
        np.bincount(
            stratum * (MAX_DAY + 1) + df[f"{c}_days"].to_numpy(),
            weights=df[f"{c}_event"].to_numpy(),
            minlength=n_cells,
        )
        for c in CRITERIA
    ]


def run_lifelines(df: pd.DataFrame, stratum: np.ndarray) -> pd.DataFrame:
    from lifelines import KaplanMeierFitter

    times = np.array(HORIZONS) * 365.25
    groups = [("all", None)] + list(pd.Series(stratum).groupby(stratum).indices.items())
    rows = []
    for c in CRITERIA:
        days, event = df[f"{c}_days"].to_numpy(), df[f"{c}_event"].to_numpy()
        for key, idx in groups:
            d, e = (days, event) if idx is None else (days[idx], event[idx])
            kmf = KaplanMeierFitter().fit(d, e)
            surv = kmf.survival_function_at_times(times).to_numpy()
            ci = kmf.confidence_interval_survival_function_
            pos = np.searchsorted(ci.index.to_numpy(), times, side="right") - 1
            lower, upper = ci.iloc[pos, 0].to_numpy(), ci.iloc[pos, 1].to_numpy()
            for h, s, lo, hi in zip(HORIZONS, surv, lower, upper, strict=True):
                rows.append((c, key, h, 1 - s, 1 - hi, 1 - lo))
    return pd.DataFrame(rows, columns=["criterion", "stratum", "horizon_years", "rate", "lo", "hi"])


R_SCRIPT = r"""
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; n <- as.integer(args[2])
crit <- strsplit(args[3], ",")[[1]]
rd <- function(name) readBin(file.path(dir, name), integer(), n = n, size = 4)
stratum <- factor(rd("stratum.bin"), levels = 0:31)
d <- lapply(crit, function(c) list(days = rd(paste0(c, "_days.bin")),
                                   event = rd(paste0(c, "_event.bin"))))
times <- c(2, 5, 7) * 365.25
out <- NULL
elapsed <- system.time({
  for (i in seq_along(crit)) {
    days <- d[[i]]$days; event <- d[[i]]$event
    s0 <- summary(survfit(Surv(days, event) ~ 1, conf.type = "log-log"), times = times)
    s1 <- summary(survfit(Surv(days, event) ~ stratum, conf.type = "log-log"), times = times)
    out <- rbind(out,
      data.frame(criterion = crit[i], stratum = "all", time = s0$time, surv = s0$surv),
      data.frame(criterion = crit[i], stratum = sub("stratum=", "", as.character(s1$strata)),
                 time = s1$time, surv = s1$surv))
  }
})[["elapsed"]]
write.csv(out, file.path(dir, "r_rates.csv"), row.names = FALSE)
cat(elapsed, "\n")
"""


def run_r(df: pd.DataFrame, stratum: np.ndarray, workdir: Path) -> tuple[float, pd.DataFrame]:
    """Write int32 columns, run survfit in R; return R's own elapsed time and its rates."""
    stratum.astype(np.int32).tofile(workdir / "stratum.bin")
    for c in CRITERIA:
        df[f"{c}_days"].to_numpy().astype(np.int32).tofile(workdir / f"{c}_days.bin")
        df[f"{c}_event"].to_numpy().astype(np.int32).tofile(workdir / f"{c}_event.bin")
    (workdir / "bench.R").write_text(R_SCRIPT)
    res = subprocess.run(
        ["Rscript", str(workdir / "bench.R"), str(workdir), str(len(df)), ",".join(CRITERIA)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(res.stdout.split()[-1]), pd.read_csv(workdir / "r_rates.csv")


def run_dask(df: pd.DataFrame, workdir: Path) -> tuple[float, pd.DataFrame]:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    path = workdir / "cohort.parquet"
    dd.from_pandas(df, chunksize=1_000_000).to_parquet(path, write_index=False)
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            dashboard_address=None,
            worker_dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not port 8787
        ) as cluster,
        Client(cluster),
    ):
        t0 = time.perf_counter()
        frames = [
            survival_rates(path, f"{c}_days", f"{c}_event", by=BY, horizons=HORIZONS)
            .to_frame()
            .assign(criterion=c)
            for c in CRITERIA
        ]
        elapsed = time.perf_counter() - t0
    return elapsed, pd.concat(frames, ignore_index=True)


def stratum_labels(ours: pd.DataFrame) -> pd.Series:
    """recidive's rows as stratum numbers 0..31 (R/lifelines keys), ``all`` for overall."""
    key = pd.Series("all", index=ours.index, dtype=object)
    strat = ours["age_band"] != "all"
    code = np.zeros(int(strat.sum()), dtype=np.int64)
    for col, levels in zip(BY, (AGE, FORM, SEX), strict=True):
        code = code * len(levels) + pd.Index(levels).get_indexer(ours.loc[strat, col])
    key[strat] = code
    return key


def max_diff(ours: pd.DataFrame, other: pd.DataFrame, rate_col: str) -> float:
    mine = ours.assign(stratum=stratum_labels(ours).astype(str))[ours["status"] == "ok"]
    other = other.assign(stratum=other["stratum"].astype(str))
    merged = mine.merge(other, on=["criterion", "stratum", "horizon_years"], suffixes=("", "_o"))
    assert len(merged) == len(mine), "rows do not match"
    return float(np.max(np.abs(merged["rate"] - merged[rate_col])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--skip-r", action="store_true", help="do not run R survfit")
    parser.add_argument("--skip-lifelines", action="store_true")
    parser.add_argument("--dask", action="store_true", help="also run Dask on a Parquet dataset")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="write the markdown table here")
    args = parser.parse_args()
    use_r = not args.skip_r and shutil.which("Rscript") is not None

    rows = []
    load_before = os.getloadavg()
    for size in args.sizes:
        n = int(size)
        df = registry_frame(n)
        stratum = stratum_code(df)
        t_ours, ours = best_of(lambda df=df: run_recidive(df), args.repeat)
        t_floor, _ = best_of(lambda df=df, s=stratum: run_floor(df, s), args.repeat)
        row = {"n": f"{size:.0e}", "recidive": t_ours, "floor": t_floor}
        if not args.skip_lifelines:
            t_ll, ll = best_of(lambda df=df, s=stratum: run_lifelines(df, s), 1)
            row["lifelines"] = t_ll
            row["diff_lifelines"] = max_diff(ours, ll, "rate_o")
        if use_r:
            with tempfile.TemporaryDirectory() as tmp:
                t_r, r = run_r(df, stratum, Path(tmp))
            r = r.assign(horizon_years=(r["time"] / 365.25).round(6), rate_r=1 - r["surv"])
            row["R"] = t_r
            row["diff_R"] = max_diff(ours, r[["criterion", "stratum", "horizon_years", "rate_r"]],
                                     "rate_r")  # fmt: skip
        if args.dask:
            with tempfile.TemporaryDirectory() as tmp:
                t_dask, dk = run_dask(df, Path(tmp))
            row["dask"] = t_dask
            row["diff_dask"] = float(np.max(np.abs(dk["rate"] - ours["rate"])))
        rows.append(row)
        print({k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in row.items()}, flush=True)
    load_after = os.getloadavg()

    table = pd.DataFrame(rows)
    lines = [
        "| n persons | recidive | floor (bincount) | recidive / floor | lifelines | "
        "lifelines / recidive | R survfit | R / recidive | Dask (Parquet) | max abs diff of rates |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for _, r in table.iterrows():

        def sec(key, r=r):
            return f"{r[key]:.3f} s" if key in r and pd.notna(r[key]) else "–"

        def ratio(a, b, r=r):
            return f"{r[a] / r[b]:.1f}x" if a in r and b in r and pd.notna(r[a]) else "–"

        diffs = ", ".join(
            f"{k[5:]} {r[k]:.1e}" for k in ("diff_lifelines", "diff_R", "diff_dask")
            if k in r and pd.notna(r[k])
        )  # fmt: skip
        lines.append(
            f"| {r['n']} | {sec('recidive')} | {sec('floor')} | {ratio('recidive', 'floor')} | "
            f"{sec('lifelines')} | {ratio('lifelines', 'recidive')} | {sec('R')} | "
            f"{ratio('R', 'recidive')} | {sec('dask')} | {diffs} |"
        )
    lines.append("")
    lines.append(
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)} ({os.cpu_count()} CPUs)."
    )
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
