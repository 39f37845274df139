"""Recidivism rates from a ready survival file: one row per person, a time and an event flag.

Usage::

    python examples/rates_from_a_survival_file.py [FILE] [--out rates.csv]

Without FILE it writes the Rossi data (432 men released from Maryland state prisons, followed
52 weeks for re-arrest) to a temporary CSV and reads that back, as you would read your own
file. The rates are cumulative re-arrest 1 - S(t) (Kaplan-Meier) after 13 and 26 weeks
(0.25 and 0.5 years), overall and by financial aid (``fin``), with 95% confidence intervals.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

import recidive as rc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, help="survival CSV (default: Rossi)")
    parser.add_argument("--duration", default="week", help="time column (default week)")
    parser.add_argument("--event", default="arrest", help="event column, 0/1 (default arrest)")
    parser.add_argument("--by", nargs="*", default=["fin"], help="group columns (default fin)")
    parser.add_argument("--time-unit", default="weeks", help="unit of the time column")
    parser.add_argument("--horizons", nargs="+", type=float, default=[0.25, 0.5], help="years")
    parser.add_argument("--out", type=Path, help="write the rates to this CSV")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.file
        if path is None:
            path = Path(tmp) / "rossi.csv"
            rc.datasets.load_rossi().to_csv(path, index=False)
        frame = pd.read_csv(path)

    rates = rc.survival_rates(
        frame,
        duration=args.duration,
        event=args.event,
        by=args.by,
        horizons=tuple(args.horizons),
        time_unit=args.time_unit,
    ).to_frame()
    if args.out is not None:
        rates.to_csv(args.out, index=False)
        print(f"{len(rates)} rows written to {args.out}")
    else:
        with pd.option_context("display.width", 120, "display.max_columns", None):
            print(rates.round(4).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
