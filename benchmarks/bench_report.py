"""A raw registry to the rendered recidivism section, end to end, through the CLI.

Writes a synthetic registry of ``--n`` persons as Parquet (not timed), then times
``recidive report --persons ... --cases ... --detentions ...`` in a subprocess: reading and
validating the files, building the cohort, every estimate of the section (Kaplan-Meier rates,
age profile, log-rank, Cox), disclosure control, figures and the md/html/json files. Peak
memory is the child's maximum resident set size.

    python benchmarks/bench_report.py --n 1e6 --out benchmarks/results_report.md
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recidive.datasets import reference_registry, write_registry


def run(n: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        registry = reference_registry(n_persons=n, seed=seed)
        paths = write_registry(registry, Path(tmp) / "registry", format="parquet")
        files = {path.stem: str(path) for path in paths}
        command = [
            sys.executable, "-m", "recidive", "report",
            "--persons", files["persons"], "--cases", files["cases"],
            "--detentions", files["detentions"],
            "--cutoff", str(registry.cutoff_date.date()),
            "--out", str(Path(tmp) / "section"), "--quiet",
        ]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.perf_counter() - start
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        written = sorted(p.name for p in (Path(tmp) / "section").iterdir())
    return {
        "n": n,
        "persons rows": len(registry.persons),
        "case rows": len(registry.cases),
        "detention rows": len(registry.detentions),
        "seconds": seconds,
        "peak MiB": peak_mib,
        "written": ", ".join(written),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, nargs="+", default=[1e6])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = [run(int(n), args.seed) for n in args.n]
    lines = [
        "| n persons | case rows | detention rows | seconds (CLI, end to end) | peak MiB |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['case rows']:,} | {r['detention rows']:,} | "
            f"{r['seconds']:.1f} | {r['peak MiB']:,.0f} |"
        )
    text = "\n".join(lines) + f"\n\nFiles written: {rows[-1]['written']}\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
