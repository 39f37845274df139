"""Mean cumulative function at registry scale: recidive against R ``survfit(..., id =)``.

Generates recurrent-event interval data with a fixed seed and writes it once as raw int32
columns (``id, start, stop, event``, rows in random order): about two thirds of the persons
have one (start, stop] row and one third 2-6 rows, with delayed entry (half the persons),
gaps between rows (one in five: time not at risk, e.g. detention), integer days up to
about 2,400 with heavy ties, and recurrent events. Every tool runs in its own subprocess,
loads the data, then times the fit alone:

- recidive: ``mean_cumulative_function(stop, event, id, entry=start)`` (input checks, the
  sort by person, the MCF, its Lawless-Nadeau standard error, the log CIs and the result
  object), best of ``--repeat``, on the rows in random order and, separately, on the same
  rows sorted by person and time (as ``tmerge`` or the cohort builder write them; the
  sort is not timed);
- floor: the Nelson-Aalen estimate alone, with no checks, no variance and no result: three
  ``np.bincount`` passes (entries, stops, events on the day grid) and two ``cumsum``;
- Dask: the same call on a Dask DataFrame of 8 partitions that hold whole persons
  (``mean_cumulative_function_by(frame, ..., by=None)``, the local threaded scheduler),
  with the largest difference from the in-memory curve;
- R: ``survfit(Surv(start, stop, event) ~ 1, id = id, robust = TRUE)`` inside
  ``system.time`` (reading the data is not timed), once, killed after ``--r-timeout``.

Memory: every worker loads its data, then resets the kernel's peak-RSS counter
(``echo 5 > /proc/self/clear_refs``) and reads its RSS (the baseline); after the fit it
reads the peak (``VmHWM``). The table reports peak minus baseline. R's curve (``cumhaz``,
``std.chaz``) is compared with recidive's (max abs difference, same times).

    python benchmarks/bench_mcf.py --sizes 1e6 1e7 --out benchmarks/results_mcf.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cox import R_STATUS_MIB, _reset_peak, _status_mib  # noqa: E402

SEED = 20250616
COLUMNS = ("id", "start", "stop", "event")


# ---------------------------------------------------------------- data
def interval_data(n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """``n`` (start, stop] rows (int32 columns), rows in random order."""
    rng = np.random.default_rng(seed)
    k = np.where(rng.random(n) < 2 / 3, 1, rng.integers(2, 7, n))  # rows per person
    k = k[: np.searchsorted(np.cumsum(k), n, side="right")]
    if k.sum() < n:
        k = np.append(k, n - k.sum())
    person = np.repeat(np.arange(k.size), k)
    first = np.ones(n, dtype=bool)
    first[1:] = person[1:] != person[:-1]
    last = np.ones(n, dtype=bool)
    last[:-1] = person[1:] != person[:-1]
    delay = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 100, n))  # delayed entry
    gap = np.where(rng.random(n) < 0.8, 0, rng.integers(1, 60, n))  # not at risk
    length = rng.integers(1, 400, n)
    step = np.where(first, delay, gap) + length
    end = np.cumsum(step)
    stop = end - np.repeat(end[first] - step[first], k)
    event = rng.random(n) < np.where(last, 0.15, 0.4)
    order = rng.permutation(n)
    out = {"id": person, "start": stop - length, "stop": stop, "event": event}
    return {c: out[c][order].astype(np.int32) for c in COLUMNS}


def write_data(cols: dict[str, np.ndarray], folder: Path) -> None:
    for name, values in cols.items():
        values.astype("<i4").tofile(folder / f"{name}.i4")
    (folder / "columns.json").write_text(json.dumps({"n": len(cols["stop"])}))


def _load(folder: Path) -> dict[str, np.ndarray]:
    n = json.loads((folder / "columns.json").read_text())["n"]
    return {c: np.fromfile(folder / f"{c}.i4", dtype="<i4", count=n) for c in COLUMNS}


# ---------------------------------------------------------------- workers
def nelson_aalen_floor(d: dict[str, np.ndarray]) -> np.ndarray:
    """The estimate alone on the day grid: three bincounts and two cumsums, nothing else."""
    size = int(d["stop"].max()) + 2
    enter = np.bincount(d["start"] + 1, minlength=size)  # at risk from the day after entry
    leave = np.bincount(d["stop"] + 1, minlength=size)  # ... to the stop day
    events = np.bincount(d["stop"], weights=d["event"], minlength=size)
    y = np.cumsum(enter - leave)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.cumsum(np.where(y > 0, events / y, 0.0))


def worker(folder: Path, repeat: int) -> dict:
    import gc

    from recidive.estimation.mean_cumulative import mean_cumulative_function

    data = _load(folder)
    order = np.lexsort((data["stop"], data["id"]))
    in_order = {c: v[order] for c, v in data.items()}

    def fit(d):
        return mean_cumulative_function(d["stop"], d["event"], d["id"], entry=d["start"])

    gc.collect()
    _reset_peak()
    base, _ = _status_mib()
    best, result = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fit(data)
        best = min(best, time.perf_counter() - t0)
        del result
        gc.collect()
        result = None
    peak = _status_mib()[1] - base
    result = fit(data)
    out = {"seconds": best, "peak_mib": peak, "n_persons": result.n, "n_times": result.time.size}
    best_sorted = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fit(in_order)
        best_sorted = min(best_sorted, time.perf_counter() - t0)
    out["seconds_sorted"] = best_sorted
    best_floor = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        nelson_aalen_floor(data)
        best_floor = min(best_floor, time.perf_counter() - t0)
    out["seconds_floor"] = best_floor
    out.update(dask_run(data, result, repeat))
    frame = result.to_frame()
    for c in ("time", "mcf", "std_err"):
        frame[c].to_numpy(dtype=float).tofile(folder / f"py_{c}.f8")
    return out


def dask_run(data: dict[str, np.ndarray], memory, repeat: int, n_parts: int = 8) -> dict:
    """The same MCF on Dask: partitions of whole persons (id modulo ``n_parts``; making
    them is not timed), the local threaded scheduler; the largest difference from memory."""
    import dask
    import dask.dataframe as dd
    import pandas as pd

    from recidive.estimation.mean_cumulative import mean_cumulative_function_by

    frame = pd.DataFrame(data)
    part = frame["id"].to_numpy() % n_parts
    table = dd.concat([dd.from_pandas(frame[part == k], npartitions=1) for k in range(n_parts)])
    best, result = np.inf, None
    with dask.config.set(scheduler="threads"):
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = mean_cumulative_function_by(
                table, "stop", "event", "id", None, entry="start"
            )["all"]
            best = min(best, time.perf_counter() - t0)
    a, b = result.to_frame(), memory.to_frame()
    diff = max(float(np.abs(a[c] - b[c]).max()) for c in ("mcf", "std_err", "n_at_risk"))
    return {"seconds_dask": best, "dask_max_diff": diff, "dask_partitions": n_parts}


R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
folder <- args[1]
suppressMessages(library(survival))
n <- jsonlite::fromJSON(file.path(folder, "columns.json"))$n
""" + R_STATUS_MIB + r"""rd <- function(c) readBin(file.path(folder, paste0(c, ".i4")), "integer", n = n, size = 4)
d <- data.frame(id = rd("id"), start = rd("start"), stop = rd("stop"), event = rd("event"))
invisible(gc())
try(writeLines("5", "/proc/self/clear_refs"), silent = TRUE)
base <- status_mib()[["rss"]]
st <- system.time(fit <- survfit(Surv(start, stop, event) ~ 1, data = d, id = id, robust = TRUE))
peak <- status_mib()[["hwm"]] - base
writeBin(as.double(fit$time), file.path(folder, "r_time.f8"))
writeBin(as.double(fit$cumhaz), file.path(folder, "r_mcf.f8"))
writeBin(as.double(fit$std.chaz), file.path(folder, "r_std_err.f8"))
cat(jsonlite::toJSON(list(seconds = st[["elapsed"]], peak_mib = peak), digits = NA,
                     auto_unbox = TRUE), "\n")
"""


def run_worker(cmd: list[str], timeout: float | None = None) -> dict:
    """Run a worker in its own process group; on timeout kill that group only."""
    env = dict(os.environ)  # the worker imports recidive from this checkout
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"timeout": timeout}
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed:\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _compare(folder: Path) -> dict:
    """Max abs difference of R's curve from recidive's (same times required)."""
    curves = {
        who: {c: np.fromfile(folder / f"{who}_{c}.f8") for c in ("time", "mcf", "std_err")}
        for who in ("py", "r")
    }
    py, r = curves["py"], curves["r"]
    if py["time"].shape != r["time"].shape or not np.array_equal(py["time"], r["time"]):
        return {"times_equal": False}
    return {
        "times_equal": True,
        "mcf": float(np.abs(py["mcf"] - r["mcf"]).max()),
        "std_err": float(np.abs(py["std_err"] - r["std_err"]).max()),
    }


# ---------------------------------------------------------------- driver
def bench(sizes, repeat: int, skip_r: bool, r_timeout: float) -> list[dict]:
    rows = []
    have_r = not skip_r and shutil.which("Rscript") is not None
    with tempfile.TemporaryDirectory(prefix="bench_mcf_") as tmp:
        rscript = Path(tmp) / "fit.R"
        rscript.write_text(R_SCRIPT)
        for n in sizes:
            folder = Path(tmp) / f"n{n}"
            folder.mkdir()
            write_data(interval_data(n), folder)
            row = {"n": n, "load_before": load_average()}
            me = [sys.executable, __file__, "--worker", str(folder), "--repeat", str(repeat)]
            row["recidive"] = run_worker(me)
            if have_r:
                row["R"] = run_worker(["Rscript", str(rscript), str(folder)], r_timeout)
                if "seconds" in row["R"]:
                    row["R"]["diff"] = _compare(folder)
            row["load_after"] = load_average()
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def markdown(rows: list[dict]) -> str:
    head = (
        "| n intervals | persons | distinct times | recidive s (random order) "
        "| recidive s (sorted by person) | recidive MiB | floor s (estimate alone) "
        "| R survfit s | R MiB | R / recidive | recidive / floor "
        "| max abs diff R (mcf, std_err) | Dask s (8 partitions by person) "
        "| Dask: max abs diff from memory | load avg (before -> after) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|\n"
    )
    lines = []
    for row in rows:
        r, rr = row["recidive"], row.get("R")
        if rr is None:
            r_s = r_mib = ratio = diff = "–"
        elif "timeout" in rr:
            r_s, r_mib, ratio, diff = f"> {rr['timeout']:.0f} (killed)", "–", "–", "–"
        else:
            r_s, r_mib = f"{rr['seconds']:.1f}", f"{rr['peak_mib']:.0f}"
            ratio = f"{rr['seconds'] / r['seconds']:.0f}x"
            d = rr["diff"]
            diff = f"{d['mcf']:.1e}, {d['std_err']:.1e}" if d["times_equal"] else "times differ"
        lines.append(
            f"| {row['n']:.0e} | {r['n_persons']:,.0f} | {r['n_times']:,} | {r['seconds']:.2f} "
            f"| {r['seconds_sorted']:.2f} | {r['peak_mib']:.0f} | {r['seconds_floor']:.3f} "
            f"| {r_s} | {r_mib} | {ratio} | {r['seconds'] / r['seconds_floor']:.0f}x "
            f"| {diff} | {r['seconds_dask']:.2f} | {r['dask_max_diff']:.1e} "
            f"| {row['load_before']} -> {row['load_after']} |"
        )
    return head + "\n".join(lines) + "\n"


def _provenance(args) -> str:
    r_version = "not run"
    if not args.skip_r and shutil.which("Rscript"):
        r_version = subprocess.run(
            ["Rscript", "-e", "cat(R.version.string, 'survival', "
             "as.character(packageVersion('survival')))"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
    sizes = " ".join(f"{s:.0e}".replace("+0", "") for s in args.sizes)
    return (
        f"Command: `python benchmarks/bench_mcf.py --sizes {sizes} --repeat {args.repeat} "
        f"--r-timeout {args.r_timeout:.0f}`; machine: {os.cpu_count()} cores, shared; "
        f"{r_version}; numpy {np.__version__}."
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--r-timeout", type=float, default=3600.0, help="seconds")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.repeat)))
        return
    rows = bench([int(s) for s in args.sizes], args.repeat, args.skip_r, args.r_timeout)
    table = _provenance(args) + "\n\n" + markdown(rows)
    print(table)
    if args.out:
        args.out.write_text(table)


if __name__ == "__main__":
    main()
