"""Cox model at registry scale: recidive against lifelines and R ``coxph`` in the same run.

Generates registry-shaped data with a fixed seed (integer days 1..2557 with heavy ties, about
half events, 10 covariates: sex, four age-band dummies, prior cases 0-20, three exploitation-form
dummies and a custody flag), writes it once as raw int32 columns, and fits it with each tool in its
own subprocess (Efron ties, no strata, fit only, data in memory):

- recidive: ``fit_cox(frame, ...)``; the concordance (lazy in recidive, as in lifelines) is
  timed separately, and its memory is reported as the peak including it;
- lifelines: ``CoxPHFitter().fit(frame, ...)``;
- R: ``coxph(Surv(days, event) ~ ., ties = "efron")`` inside ``system.time``.

Memory: every worker loads its data, then resets the kernel's peak-RSS counter
(``echo 5 > /proc/self/clear_refs``) and reads its RSS (the baseline); after the fit it reads the
peak (``VmHWM``). The table reports peak minus baseline, i.e. the memory the fit itself needed on
top of the loaded data. Coefficients are compared with recidive's (max abs difference).

    python benchmarks/bench_cox.py --sizes 1e5 1e6 1e7 --out benchmarks/results_cox.md
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

SEED = 20240611
MAX_DAYS = 2557  # seven years of follow-up


# ---------------------------------------------------------------- data
def registry_data(n: int, n_covariates: int = 10, seed: int = SEED) -> dict[str, np.ndarray]:
    """Registry-shaped columns (int32): ``days``, ``event`` and the covariates."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    cols["male"] = (rng.random(n) < 0.8).astype(np.int32)
    band = rng.choice(5, n, p=[0.15, 0.30, 0.25, 0.18, 0.12])
    for b in range(1, 5):
        cols[f"age_band{b}"] = (band == b).astype(np.int32)
    cols["prior_cases"] = np.minimum(rng.negative_binomial(1, 0.35, n), 20).astype(np.int32)
    form = rng.choice(4, n, p=[0.55, 0.2, 0.15, 0.1])
    for f in range(1, 4):
        cols[f"form{f}"] = (form == f).astype(np.int32)
    cols["custody"] = (rng.random(n) < 0.3).astype(np.int32)
    for k in range(10, n_covariates):
        cols[f"extra{k}"] = (rng.random(n) < 0.5).astype(np.int32)
    names = list(cols)[:n_covariates]
    beta = np.resize([0.25, -0.1, -0.2, -0.35, -0.5, 0.12, 0.1, -0.15, 0.2, 0.3], len(names))
    lp = np.column_stack([cols[c] for c in names]) @ beta
    # Weibull (shape 0.7) hazard: most reoffending early; administrative censoring
    scale = 3600.0 * np.exp(-lp / 0.7)
    t_event = scale * rng.weibull(0.7, n)
    t_cens = rng.uniform(365, MAX_DAYS, n)
    days = np.ceil(np.minimum(t_event, t_cens)).clip(1, MAX_DAYS)
    out = {"days": days.astype(np.int32), "event": (t_event <= t_cens).astype(np.int32)}
    out.update({c: cols[c] for c in names})
    return out


def write_data(cols: dict[str, np.ndarray], folder: Path) -> None:
    for name, values in cols.items():
        values.astype("<i4").tofile(folder / f"{name}.i4")
    (folder / "columns.json").write_text(json.dumps({"n": len(cols["days"]), "cols": list(cols)}))


# ---------------------------------------------------------------- workers
def _status_mib() -> tuple[float, float]:
    rss = hwm = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return rss, hwm


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass  # baseline stays the load peak


def _load_frame(folder: Path):
    import pandas as pd

    meta = json.loads((folder / "columns.json").read_text())
    frame = pd.DataFrame(
        {c: np.fromfile(folder / f"{c}.i4", dtype="<i4") for c in meta["cols"]}, copy=False
    )
    covariates = [c for c in meta["cols"] if c not in ("days", "event")]
    return frame, covariates


def worker(tool: str, folder: Path) -> dict:
    import gc
    import warnings

    frame, covariates = _load_frame(folder)
    if tool == "lifelines":
        from lifelines import CoxPHFitter
    else:
        from recidive.estimation.cox import fit_cox
    gc.collect()
    _reset_peak()
    base, _ = _status_mib()
    out: dict = {}
    t0 = time.perf_counter()
    if tool == "lifelines":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph = CoxPHFitter().fit(frame, "days", "event")
        out["seconds"] = time.perf_counter() - t0
        out["coef"] = cph.params_[covariates].tolist()
    else:
        res = fit_cox(frame, "days", "event", covariates)
        out["seconds"] = time.perf_counter() - t0
        out["coef"] = res.coef.tolist()
        out["n_iter"] = res.n_iter
        out["peak_fit_mib"] = _status_mib()[1] - base
        t1 = time.perf_counter()
        out["concordance"] = res.concordance
        out["concordance_seconds"] = time.perf_counter() - t1
    out["peak_mib"] = _status_mib()[1] - base
    out.setdefault("peak_fit_mib", out["peak_mib"])
    return out


#: R: the resident and peak memory of the R process in MiB (shared by the benchmarks' R scripts)
R_STATUS_MIB = r"""status_mib <- function() {
  s <- readLines("/proc/self/status")
  g <- function(k) as.numeric(strsplit(trimws(sub(k, "", s[startsWith(s, k)])), " +")[[1]][1]) / 1024
  c(rss = g("VmRSS:"), hwm = g("VmHWM:"))
}
"""

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
folder <- args[1]
suppressMessages(library(survival))
meta <- jsonlite::fromJSON(file.path(folder, "columns.json"))
""" + R_STATUS_MIB + r"""df <- as.data.frame(lapply(setNames(meta$cols, meta$cols), function(c)
  readBin(file.path(folder, paste0(c, ".i4")), "integer", n = meta$n, size = 4)))
invisible(gc())
try(writeLines("5", "/proc/self/clear_refs"), silent = TRUE)
base <- status_mib()[["rss"]]
st <- system.time(fit <- coxph(Surv(days, event) ~ ., data = df, ties = "efron"))
peak <- status_mib()[["hwm"]] - base
cat(jsonlite::toJSON(list(seconds = st[["elapsed"]], peak_mib = peak,
                          coef = unname(coef(fit)), iter = fit$iter,
                          concordance = unname(fit$concordance["concordance"])),
                     digits = NA, auto_unbox = TRUE), "\n")
"""


def run_worker(cmd: list[str]) -> dict:
    env = dict(os.environ)  # the workers import recidive from this checkout
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


# ---------------------------------------------------------------- driver
def bench(sizes, n_covariates: int, skip_r: bool, skip_lifelines: bool) -> list[dict]:
    rows = []
    have_r = not skip_r and shutil.which("Rscript") is not None
    with tempfile.TemporaryDirectory(prefix="bench_cox_") as tmp:
        rscript = Path(tmp) / "fit.R"
        rscript.write_text(R_SCRIPT)
        for n in sizes:
            folder = Path(tmp) / f"n{n}"
            folder.mkdir()
            write_data(registry_data(n, n_covariates), folder)
            row = {"n": n, "load_before": load_average()}
            me = [sys.executable, __file__, "--worker"]
            row["recidive"] = run_worker([*me, "recidive", str(folder)])
            if not skip_lifelines:
                row["lifelines"] = run_worker([*me, "lifelines", str(folder)])
            if have_r:
                row["R"] = run_worker(["Rscript", str(rscript), str(folder)])
            row["load_after"] = load_average()
            ours = np.array(row["recidive"]["coef"])
            for tool in ("lifelines", "R"):
                if tool in row:
                    row[tool]["max_abs_diff"] = float(
                        np.abs(np.array(row[tool]["coef"]) - ours).max()
                    )
            rows.append(row)
            print(_summary_line(row), flush=True)
    return rows


def _summary_line(row: dict) -> str:
    r = row["recidive"]
    parts = [
        f"n={row['n']:.0e}",
        f"recidive {r['seconds']:.2f}s {r['peak_fit_mib']:.0f}MiB "
        f"(iter {r['n_iter']}, C {r['concordance_seconds']:.2f}s)",
    ]
    for tool in ("lifelines", "R"):
        if tool in row:
            t = row[tool]
            parts.append(
                f"{tool} {t['seconds']:.2f}s {t['peak_mib']:.0f}MiB "
                f"(x{t['seconds'] / r['seconds']:.1f}, diff {t['max_abs_diff']:.1e})"
            )
    return " | ".join(parts) + f" | load {row['load_before']} -> {row['load_after']}"


def markdown(rows: list[dict]) -> str:
    head = (
        "| n | recidive s | recidive MiB | concordance s (MiB incl.) | lifelines s | lifelines MiB "
        "| R s | R MiB | lifelines/recidive | R/recidive | MiB lifelines/recidive "
        "| max abs coef diff (lifelines, R) | load avg (before -> after) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n"
    )
    lines = []
    for row in rows:
        r = row["recidive"]
        ll, rr = row.get("lifelines"), row.get("R")

        def f(d, key, fmt):
            return format(d[key], fmt) if d else "–"

        def ratio(d, r=r):
            return f"{d['seconds'] / r['seconds']:.1f}x" if d else "–"

        mem = f"{ll['peak_mib'] / r['peak_fit_mib']:.1f}x" if ll else "–"
        diffs = ", ".join(f"{d['max_abs_diff']:.1e}" if d else "–" for d in (ll, rr))
        lines.append(
            f"| {row['n']:.0e} | {r['seconds']:.2f} | {r['peak_fit_mib']:.0f} "
            f"| {r['concordance_seconds']:.2f} ({r['peak_mib']:.0f}) | {f(ll, 'seconds', '.2f')} "
            f"| {f(ll, 'peak_mib', '.0f')} | {f(rr, 'seconds', '.2f')} | {f(rr, 'peak_mib', '.0f')} "
            f"| {ratio(ll)} | {ratio(rr)} | {mem} | {diffs} "
            f"| {row['load_before']} -> {row['load_after']} |"
        )
    return head + "\n".join(lines) + "\n"


# ---------------------------------------------------------------- --dask
def continuous_data(n: int, seed: int) -> dict[str, np.ndarray]:
    """Ten standard-normal covariates (float64), integer days 1..2557, about 60% events."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10))
    days = np.minimum(np.ceil(rng.exponential(900 * np.exp(-x @ np.linspace(-0.2, 0.2, 10)))), 2557)
    out = {"days": days.astype(np.int32), "event": (days < 2557).astype(np.int32)}
    out.update({f"x{j}": x[:, j] for j in range(10)})
    return out


def bench_dask(kind: str, n: int, rows_per_file: int, n_covariates: int, args) -> str:
    """CoxModel.fit on a Parquet directory on memory-limited workers vs the same data in memory.

    ``kind`` is ``registry`` (the int32 registry columns above, one seed per file: the collapse
    route) or ``continuous`` (ten normal covariates: the distributed Newton route).
    """
    import pandas as pd
    from bench_dask_memory import (
        WorkerWatch,
        dir_size,
        gib,
        memory_limited_cluster,
        mib,
        read_whole,
    )

    from recidive import CoxModel

    with tempfile.TemporaryDirectory(prefix="bench_cox_dask_", dir=args.tmp) as tmp:
        path = Path(tmp) / "cohort"
        path.mkdir()
        in_memory = 0
        for i, start in enumerate(range(0, n, rows_per_file)):
            m = min(rows_per_file, n - start)
            cols = (registry_data(m, n_covariates, seed=SEED + i) if kind == "registry"
                    else continuous_data(m, seed=SEED + i))  # fmt: skip
            part = pd.DataFrame(cols, copy=False)
            in_memory += int(part.memory_usage(index=False).sum())
            part.to_parquet(path / f"part.{i:04d}.parquet", index=False)
        del cols, part
        on_disk, n_files = dir_size(path), len(list(path.glob("*.parquet")))
        covariates = [c for c in pd.read_parquet(path / "part.0000.parquet").columns
                      if c not in ("days", "event")]  # fmt: skip
        load_before = load_average()
        with memory_limited_cluster(args.worker_memory, pause=False) as client:
            with WorkerWatch(client) as watch:
                t0 = time.perf_counter()
                got = CoxModel().fit(str(path), "days", "event", covariates).results_
                t_dask = time.perf_counter() - t0
        load_after = load_average()
        t0 = time.perf_counter()
        whole = read_whole(path)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        expected = CoxModel().fit(whole, "days", "event", covariates).results_
        t_mem = time.perf_counter() - t0
        del whole
    d_coef = float(np.abs(got.coef - expected.coef).max())
    d_se = float(np.abs(np.sqrt(np.diag(got.variance_matrix))
                        - np.sqrt(np.diag(expected.variance_matrix))).max())  # fmt: skip
    d_ll = abs(got.log_likelihood - expected.log_likelihood)
    line = (
        f"| {got.metadata['route']} | {n:.2g} | {kind}, {len(covariates)} | "
        f"{n_files} x {rows_per_file:.3g} | {gib(in_memory)} | {gib(on_disk)} "
        f"| 2 x {mib(watch.limit)} = {gib(2 * watch.limit)} "
        f"| {' / '.join(mib(v) for v in watch.peaks.values())} | {watch.restarts} "
        f"| {t_dask:.1f} | {got.n_iter} | {t_read:.1f} + {t_mem:.1f} "
        f"| {d_coef:.1e} | {d_se:.1e} | {d_ll:.1e} | {load_before} -> {load_after} |"
    )
    print(line, flush=True)
    return line


DASK_HEAD = (
    "| route | n | covariates | files x rows | in memory | on disk (Parquet) "
    "| worker memory limit | worker peak RSS | worker restarts | Dask s | iterations "
    "| in memory s (read + fit) | max abs coef diff | max abs SE diff | log-lik diff "
    "| load avg (before -> after) |\n"
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|\n"
)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["1e5", "1e6"], help="e.g. 1e5 1e6 1e7")
    parser.add_argument("--covariates", type=int, default=10)
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--skip-lifelines", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--dask",
        action="store_true",
        help="CoxModel.fit on Parquet on memory-limited Dask workers (collapse "
        "route at --sizes) vs in memory; no lifelines or R",
    )
    parser.add_argument(
        "--newton-sizes",
        nargs="*",
        default=[],
        help="with --dask: also continuous covariates (Newton route) at these sizes",
    )
    parser.add_argument("--rows-per-file", default="1e6", help="with --dask")
    parser.add_argument("--newton-rows-per-file", default="2.5e5", help="with --dask")
    parser.add_argument("--worker-memory", default="400MB", help="with --dask: per worker")
    parser.add_argument("--tmp", default=None, help="with --dask: where Parquet goes (deleted)")
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]))))
        return
    if args.dask:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        lines = [bench_dask("registry", int(float(n)), int(float(args.rows_per_file)),
                            args.covariates, args) for n in args.sizes]  # fmt: skip
        lines += [bench_dask("continuous", int(float(n)), int(float(args.newton_rows_per_file)),
                             10, args) for n in args.newton_sizes]  # fmt: skip
        table = DASK_HEAD + "\n".join(lines) + "\n"
        print(table)
        if args.out:
            args.out.write_text(f"Command: `python benchmarks/bench_cox.py {' '.join(sys.argv[1:])}`"
                                f"; {os.cpu_count()} cores.\n\n" + table)  # fmt: skip
        return
    sizes = [int(float(s)) for s in args.sizes]
    rows = bench(sizes, args.covariates, args.skip_r, args.skip_lifelines)
    table = markdown(rows)
    print(table)
    if args.out:
        args.out.write_text(
            f"Command: `python benchmarks/bench_cox.py --sizes "
            f"{' '.join(args.sizes)} --covariates {args.covariates}"
            f"{' --skip-r' if args.skip_r else ''}`; machine: {os.cpu_count()} cores.\n\n" + table
        )


if __name__ == "__main__":
    main()
