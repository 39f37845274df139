"""The ``recidive`` command (also ``python -m recidive``).

Each subcommand is one function that adds its parser and returns the function that
runs it; :data:`SUBCOMMANDS` lists them, so a new subcommand is one entry. Errors
from bad input (:class:`recidive.errors.RecidiveError`, unreadable files) become one
line on stderr, ``recidive: error: <message>``, and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import numpy as np

from recidive._version import __version__
from recidive.cohort import Cohort, build_cohort
from recidive.errors import RecidiveError
from recidive.registry import Registry
from recidive.rules import CohortRules

Runner = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{message} (see '{self.prog} --help')")


class _UsageError(Exception):
    pass


def _add_validate(subparsers: argparse._SubParsersAction) -> Runner:
    parser = subparsers.add_parser(
        "validate",
        help="check registry tables and show the cohort's attrition",
        description="Check the registry tables against the data contract, build the "
        "cohort with the default rules and print a summary and the attrition table.",
    )
    parser.add_argument("--persons", required=True, metavar="FILE", help="persons table")
    parser.add_argument("--cases", required=True, metavar="FILE", help="cases table")
    parser.add_argument("--detentions", metavar="FILE", help="detentions table (optional)")
    parser.add_argument(
        "--cutoff", metavar="DATE", help="data cut-off, YYYY-MM-DD (default: latest date)"
    )
    return _run_validate


def _run_validate(args: argparse.Namespace) -> int:
    registry = Registry.from_files(
        persons=args.persons,
        cases=args.cases,
        detentions=args.detentions,
        cutoff_date=args.cutoff,
    )
    cohort = build_cohort(registry, CohortRules())
    print(validation_summary(registry, cohort))
    return 0


def validation_summary(registry: Registry, cohort: Cohort) -> str:
    """The text ``recidive validate`` prints: table sizes, follow-up, attrition."""
    persons = cohort.persons
    n_read = int(cohort.attrition["n_before"].iloc[0])
    source = "given" if registry.cutoff_date is not None else "latest date in the registry"
    lines = [
        f"registry OK (fingerprint {registry.fingerprint})",
        f"  persons     {len(registry.persons):>10,} rows",
        f"  cases       {len(registry.cases):>10,} rows",
        f"  detentions  {len(registry.detentions):>10,} rows",
        f"  cut-off     {cohort.cutoff_date.date()} ({source})",
        f"persons analysed {len(persons):,} of {n_read:,}",
    ]
    if len(persons):
        days = persons["followup_days"].to_numpy()
        lines.append(
            f"follow-up from {persons['start_date'].min().date()} to "
            f"{persons['end_date'].max().date()}; {days.min():,} to {days.max():,} days "
            f"(median {np.median(days):,.0f})"
        )
    n_cases = cohort.cases[["person_id", "case_id"]].drop_duplicates().shape[0]
    recidivists = int(persons["general_event"].sum()) if "general_event" in persons else 0
    lines.append(
        f"counted reoffences: {len(cohort.cases):,} case-offence rows in {n_cases:,} cases; "
        f"{recidivists:,} persons with a general reoffence"
    )
    lines += ["", "attrition:", cohort.attrition.to_string(index=False)]
    return "\n".join(lines)


#: Subcommand name -> function that adds its parser and returns its runner.
SUBCOMMANDS: dict[str, Callable[[argparse._SubParsersAction], Runner]] = {
    "validate": _add_validate,
}


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Runner]]:
    """The argument parser and the runner of each subcommand."""
    parser = _Parser(
        prog="recidive",
        description="Recidivism research with survival analysis.",
    )
    parser.add_argument("--version", action="version", version=f"recidive {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    runners = {name: add(subparsers) for name, add in SUBCOMMANDS.items()}
    return parser, runners


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``recidive`` command; return the exit code.

    Examples
    --------
    >>> from recidive.cli import main
    >>> main(["validate", "--persons", "no-such-file.csv", "--cases", "x.csv"])
    2
    """
    parser, runners = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise _UsageError("choose a command: " + ", ".join(SUBCOMMANDS))
        return runners[args.command](args)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except (_UsageError, RecidiveError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"recidive: error: {message}", file=sys.stderr)
        return 2
