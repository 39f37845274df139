"""Write the recidivism section of the Dadermonitor on the synthetic reference registry.

Usage::

    python examples/reproduce_the_section.py OUT_DIR [--lang en] [--n-persons 70000] [--seed 2022]

Simulates the calibrated synthetic registry, builds the cohort of the seed's population (the
offenders of domestic sexual exploitation) with the Dutch standard rules, and saves the
section (HTML, Markdown, JSON and figures) to OUT_DIR. On real data, replace
``reference_registry`` with ``rc.Registry.from_files(persons=..., cases=..., cutoff_date=...)``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import recidive as rc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="directory to write the section to")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl", help="language (default nl)")
    parser.add_argument(
        "--n-persons",
        type=int,
        default=rc.datasets.DEFAULT_N_PERSONS,
        help="size of the registry (every exploitation form)",
    )
    parser.add_argument("--seed", type=int, default=2022, help="seed of the simulation")
    args = parser.parse_args(argv)

    registry = rc.datasets.reference_registry(n_persons=args.n_persons, seed=args.seed)
    rules = rc.CohortRules(population={"exploitation_form": ["binnenlands_seksueel"]})
    cohort = rc.build_cohort(registry, rules)
    section = rc.report.recidivism_section(cohort, lang=args.lang)
    paths = section.save(args.out_dir)

    print(section.headline)
    for sentence in section.sentences:
        print("-", sentence["text"])
    print(f"\n{len(cohort.persons):,} offenders; written to {args.out_dir}:")
    for path in paths:
        print("  ", path.relative_to(args.out_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
