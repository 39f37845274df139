"""Counting-process Cox at registry scale: recidive against lifelines and R in the same run.

Generates (start, stop] rows with a fixed seed: persons with 1-4 intervals of 30-900 days,
delayed entry for 30% of them, gaps (detention) before 30% of the later intervals,
integer days up to 2557 (heavy ties), an event at the end of about a quarter of the rows
(recurrent events), and six covariates: sex, three age-band dummies, prior cases 0-20 and a
time-varying supervision flag. The columns are written once as raw int32 files; every tool
reads them and then times the fit alone, with the data in memory, each in its own
subprocess (Efron ties, no strata):

- recidive: ``fit_cox(frame, "stop", "event", covariates, entry="start")``; then, timed
  apart, the same fit with ``cluster="id"`` (robust errors per person, Andersen-Gill) and
  the concordance;
- lifelines: ``CoxTimeVaryingFitter().fit(frame, id_col="id", start_col="start",
  stop_col="stop", event_col="event")`` (it took 1339 s for 1e6 intervals here, so it
  runs only up to ``--lifelines-max`` rows and under ``--timeout``);
- R: ``coxph(Surv(start, stop, event) ~ ., ties = "efron")`` and, timed apart, the same
  with ``+ cluster(id)`` (up to ``--r-cluster-max`` rows), each inside ``system.time``.

Per size lifelines runs first, then R, then recidive, each alone, BLAS single-threaded in
every tool (R's reference BLAS is). Time is wall-clock seconds and, because the machine is
shared, also CPU seconds of the fitting process (Python ``time.process_time``, R
``user.self + sys.self``), which other jobs on the machine disturb far less.

Memory: every worker loads its data, resets the kernel's peak-RSS counter
(``echo 5 > /proc/self/clear_refs``) and reads its RSS (the baseline); after the fit it
reads the peak (``VmHWM``). The table reports peak minus baseline. Coefficients are
compared with recidive's (max abs difference).

    python benchmarks/bench_cox_intervals.py --sizes 1e6 1e7 --out benchmarks/results_cox_intervals.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cox import R_STATUS_MIB, _reset_peak, _status_mib, load_average  # noqa: E402

SEED = 20250615
MAX_DAYS = 2557  # seven years
COVARIATES = ["male", "age_band1", "age_band2", "age_band3", "prior_cases", "supervised"]


# ---------------------------------------------------------------- data
def interval_data(n_rows: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """About ``n_rows`` (start, stop] rows (int32): ``id, start, stop, event`` and covariates."""
    rng = np.random.default_rng(seed)
    n_persons = int(n_rows / 2.5) + 1
    k = rng.integers(1, 5, n_persons)  # 1-4 intervals a person, 2.5 on average
    person = np.repeat(np.arange(n_persons), k)
    first = np.concatenate([[0], np.cumsum(k)[:-1]])
    position = np.arange(person.size) - np.repeat(first, k)
    length = rng.integers(30, 900, person.size)
    later = (position > 0) & (rng.random(person.size) < 0.3)
    gap = np.where(later, rng.integers(30, 365, person.size), 0)  # detention: not at risk
    entry = np.where(rng.random(n_persons) < 0.3, rng.integers(1, 365, n_persons), 0)
    step = np.cumsum(gap + length)
    stop = np.repeat(entry, k) + step - np.repeat(step[first] - (gap + length)[first], k)
    start = stop - length
    male = (rng.random(n_persons) < 0.8).astype(np.int32)
    band = rng.choice(4, n_persons, p=[0.3, 0.3, 0.25, 0.15])
    prior = np.minimum(rng.negative_binomial(1, 0.35, n_persons), 20).astype(np.int32)
    cols = {"id": person, "start": start, "stop": np.minimum(stop, MAX_DAYS), "male": male[person]}
    for b in range(1, 4):
        cols[f"age_band{b}"] = (band == b)[person]
    cols["prior_cases"] = prior[person]
    cols["supervised"] = rng.random(person.size) < 0.4  # time-varying
    beta = np.array([0.25, -0.2, -0.35, -0.5, 0.08, -0.3])
    lp = np.column_stack([cols[c] for c in COVARIATES]).astype(float) @ beta
    cols["event"] = rng.random(person.size) < 1 - np.exp(-length / 1500 * np.exp(lp))
    keep = cols["start"] < cols["stop"]
    return {c: np.asarray(v)[keep].astype(np.int32) for c, v in cols.items()}


def write_data(cols: dict[str, np.ndarray], folder: Path) -> None:
    for name, values in cols.items():
        values.astype("<i4").tofile(folder / f"{name}.i4")
    (folder / "columns.json").write_text(json.dumps({"n": len(cols["id"]), "cols": list(cols)}))


def _load_frame(folder: Path):
    import pandas as pd

    meta = json.loads((folder / "columns.json").read_text())
    return pd.DataFrame(
        {c: np.fromfile(folder / f"{c}.i4", dtype="<i4") for c in meta["cols"]}, copy=False
    )


# ---------------------------------------------------------------- workers
def _timed(fit) -> tuple[object, float, float, float]:
    """Run ``fit()``; its result, wall seconds, CPU seconds and peak MiB above the RSS before."""
    import gc

    gc.collect()
    _reset_peak()
    base, _ = _status_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    result = fit()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return result, seconds, cpu, _status_mib()[1] - base


def worker(tool: str, folder: Path) -> dict:
    import warnings

    frame = _load_frame(folder)
    if tool == "lifelines":
        from lifelines import CoxTimeVaryingFitter

        def fit():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                data = frame[["id", "start", "stop", "event", *COVARIATES]]
                return CoxTimeVaryingFitter().fit(data, id_col="id", start_col="start",
                                                  stop_col="stop", event_col="event")  # fmt: skip

        ctv, seconds, cpu, peak = _timed(fit)
        return {"seconds": seconds, "cpu": cpu, "peak_mib": peak,
                "coef": ctv.params_[COVARIATES].tolist()}  # fmt: skip
    from recidive.estimation.cox import fit_cox

    res, seconds, cpu, peak = _timed(
        lambda: fit_cox(frame, "stop", "event", COVARIATES, entry="start")
    )
    out = {"seconds": seconds, "cpu": cpu, "peak_mib": peak, "coef": res.coef.tolist(),
           "n_iter": res.n_iter}  # fmt: skip
    clustered, out["cluster_seconds"], _, out["cluster_peak_mib"] = _timed(
        lambda: fit_cox(frame, "stop", "event", COVARIATES, entry="start", cluster="id")
    )
    out["cluster_se"] = clustered.std_err.tolist()
    _, out["concordance_seconds"], _, _ = _timed(lambda: clustered.concordance)
    return out


R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
folder <- args[1]
suppressMessages(library(survival))
meta <- jsonlite::fromJSON(file.path(folder, "columns.json"))
""" + R_STATUS_MIB + r"""df <- as.data.frame(lapply(setNames(meta$cols, meta$cols), function(c)
  readBin(file.path(folder, paste0(c, ".i4")), "integer", n = meta$n, size = 4)))
covariates <- setdiff(meta$cols, c("id", "start", "stop", "event"))
timed <- function(formula) {
  invisible(gc())
  try(writeLines("5", "/proc/self/clear_refs"), silent = TRUE)
  base <- status_mib()[["rss"]]
  st <- system.time(fit <- coxph(formula, data = df, ties = "efron"))
  list(fit = fit, seconds = st[["elapsed"]], cpu = st[["user.self"]] + st[["sys.self"]],
       peak = status_mib()[["hwm"]] - base)
}
rhs <- paste(covariates, collapse = " + ")
plain <- timed(as.formula(paste("Surv(start, stop, event) ~", rhs)))
out <- list(seconds = plain$seconds, cpu = plain$cpu, peak_mib = plain$peak, coef = unname(coef(plain$fit)),
            iter = plain$fit$iter)
if (length(args) < 2 || args[2] != "--no-cluster") {
  cl <- timed(as.formula(paste("Surv(start, stop, event) ~", rhs, "+ cluster(id)")))
  out$cluster_seconds <- cl$seconds
  out$cluster_peak_mib <- cl$peak
  out$cluster_se <- unname(sqrt(diag(vcov(cl$fit))))
}
cat(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE), "\n")
"""


def run_worker(cmd: list[str], timeout: float) -> dict:
    """The JSON a worker prints, or ``{"timeout": seconds}`` when it runs out of time."""
    env = dict(os.environ)  # the workers import recidive from this checkout
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"  # single-threaded BLAS for every tool, as R's reference BLAS
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env,
                              timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- driver
def bench(args) -> list[dict]:
    rows = []
    have_r = not args.skip_r and shutil.which("Rscript") is not None
    with tempfile.TemporaryDirectory(prefix="bench_cox_intervals_") as tmp:
        rscript = Path(tmp) / "fit.R"
        rscript.write_text(R_SCRIPT)
        for size in args.sizes:
            folder = Path(tmp) / f"n{size}"
            folder.mkdir()
            cols = interval_data(int(float(size)))
            write_data(cols, folder)
            row = {"n": len(cols["id"]), "persons": int(cols["id"].max()) + 1,
                   "events": int(cols["event"].sum()), "load_before": load_average()}  # fmt: skip
            del cols
            me = [sys.executable, __file__, "--worker"]
            # the anchors first, then recidive: their long runs do not overlap its timing
            if not args.skip_lifelines and row["n"] <= float(args.lifelines_max):
                row["lifelines"] = run_worker([*me, "lifelines", str(folder)], args.timeout)
            if have_r:
                r_cluster = args.r_cluster and row["n"] <= float(args.r_cluster_max)
                extra = [] if r_cluster else ["--no-cluster"]
                row["R"] = run_worker(["Rscript", str(rscript), str(folder), *extra],
                                      args.r_timeout)  # fmt: skip
            row["recidive"] = run_worker([*me, "recidive", str(folder)], args.timeout)
            row["load_after"] = load_average()
            _compare(row)
            rows.append(row)
            print(json.dumps(row, default=float)[:400], flush=True)
            if args.out:  # after every size, so that a long run leaves what it has
                write_table(args, rows)
    return rows


def _compare(row: dict) -> None:
    ours = np.array(row["recidive"]["coef"])
    for tool in ("lifelines", "R"):
        theirs = row.get(tool)
        if theirs and "coef" in theirs:
            theirs["max_abs_diff"] = float(np.abs(np.array(theirs["coef"]) - ours).max())
        if theirs and "cluster_se" in theirs:
            se = np.array(row["recidive"]["cluster_se"])
            theirs["cluster_se_diff"] = float(np.abs(np.array(theirs["cluster_se"]) - se).max())


def markdown(rows: list[dict]) -> str:
    head = (
        "| intervals | persons | recidive s | recidive MiB | lifelines s | lifelines MiB | R s "
        "| R MiB | lifelines/recidive | R/recidive | CPU s: recidive, lifelines, R "
        "| CPU lifelines/recidive | CPU R/recidive | MiB lifelines/recidive | MiB R/recidive "
        "| cluster(id): recidive s (MiB) | cluster(id): R s (MiB) | R/recidive, cluster "
        "| max abs coef diff (lifelines, R) | max abs robust SE diff (R) "
        "| concordance s | load avg (before -> after) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:"
        "|---:|---|---|---:|---|\n"
    )
    lines = []
    for row in rows:
        r, ll, rr = row["recidive"], row.get("lifelines"), row.get("R")

        def secs(d, key="seconds"):
            if d is None:
                return "not run"
            return f"> {d['timeout']:.0f} (timeout)" if "timeout" in d else f"{d[key]:.1f}"

        def cpu(d):
            return f"{d['cpu']:.2f}" if d and "cpu" in d else "–"

        def mib(d, key="peak_mib"):
            return f"{d[key]:.0f}" if d and key in d else "–"

        def ratio(d, key="seconds", ours="seconds", r=r):
            return f"{d[key] / r[ours]:.0f}x" if d and key in d else "–"

        def mem_ratio(d, r=r):
            return f"{d['peak_mib'] / r['peak_mib']:.1f}x" if d and "peak_mib" in d else "–"

        diffs = ", ".join(f"{d['max_abs_diff']:.1e}" if d and "max_abs_diff" in d else "–"
                          for d in (ll, rr))  # fmt: skip
        se_diff = f"{rr['cluster_se_diff']:.1e}" if rr and "cluster_se_diff" in rr else "–"
        r_cluster = (f"{rr['cluster_seconds']:.1f} ({rr['cluster_peak_mib']:.0f})"
                     if rr and "cluster_seconds" in rr else "–")  # fmt: skip
        lines.append(
            f"| {row['n']:.2e} | {row['persons']:.2e} | {r['seconds']:.2f} | {r['peak_mib']:.0f} "
            f"| {secs(ll)} | {mib(ll)} | {secs(rr)} | {mib(rr)} | {ratio(ll)} | {ratio(rr)} "
            f"| {', '.join(cpu(d) for d in (r, ll, rr))} "
            f"| {ratio(ll, 'cpu', 'cpu')} | {ratio(rr, 'cpu', 'cpu')} "
            f"| {mem_ratio(ll)} | {mem_ratio(rr)} "
            f"| {r['cluster_seconds']:.2f} ({r['cluster_peak_mib']:.0f}) | {r_cluster} "
            f"| {ratio(rr, 'cluster_seconds', 'cluster_seconds')} | {diffs} | {se_diff} "
            f"| {r['concordance_seconds']:.2f} | {row['load_before']} -> {row['load_after']} |"
        )
    return head + "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["1e6"], help="intervals, e.g. 1e6 1e7")
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--skip-lifelines", action="store_true")
    parser.add_argument("--no-r-cluster", dest="r_cluster", action="store_false",
                        help="do not time R's cluster(id) fit")  # fmt: skip
    parser.add_argument("--r-cluster-max", default="2e6",
                        help="largest size R's cluster(id) fit is timed at")  # fmt: skip
    parser.add_argument("--lifelines-max", default="2e6",
                        help="largest size lifelines is run at (it is slow)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=900, help="seconds per Python worker")
    parser.add_argument("--r-timeout", type=float, default=3600, help="seconds per R worker")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]))))
        return
    print(markdown(bench(args)))


def write_table(args, rows: list[dict]) -> None:
    args.out.write_text(
        f"Command: `python benchmarks/bench_cox_intervals.py {' '.join(sys.argv[1:])}`; "
        f"machine: {os.cpu_count()} cores, BLAS single-threaded in every tool.\n\n" + markdown(rows)
    )


if __name__ == "__main__":
    main()
