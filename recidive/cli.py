"""The ``recidive`` command (also ``python -m recidive``).

Each subcommand is one function that adds its parser and returns the function that
runs it; :data:`SUBCOMMANDS` lists them, so a new subcommand is one entry. Errors
from bad input (:class:`recidive.errors.RecidiveError`, unreadable files) become one
line on stderr, ``recidive: error: <message>``, and exit code 2; never a traceback.
Warnings are one line, ``recidive: warning: <message>``. Ctrl-C ends with
``recidive: interrupted`` and exit code 130 (a section is written all at once, so none
is left half-written). Registry files need their data cut-off: ``--cutoff YYYY-MM-DD``
or the extract's ``extract.json`` beside the persons file (:mod:`recidive.cutoff`).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from recidive import defaults
from recidive._arguments import check_date, check_min_cell
from recidive._progress import Progress
from recidive._version import __version__
from recidive.cohort import Cohort, build_cohort
from recidive.cohort_rates import recidivism_rates
from recidive.cutoff import EXTRACT_FILE, extract_path
from recidive.datasets import (
    DEFAULT_N_PERSONS,
    DEFAULT_SEED,
    FILE_FORMATS,
    REFERENCE_POPULATION,
    reference_registry,
    write_registry,
)
from recidive.errors import ArgumentError, RecidiveError, RecidiveWarning, SmallCellWarning
from recidive.estimation.horizon_rates import survival_rates
from recidive.population import (
    check_population,
    check_selection,
    population_mask,
    values_found,
)
from recidive.registry import Registry

# recidive.report loads matplotlib and jinja2 only when it draws or renders, and
# `import recidive` (run by any import of recidive.cli) loads recidive.report anyway:
# imported here it adds no start-up time (python -X importtime -c "import recidive.cli")
from recidive.report import recidivism_section
from recidive.report.safe_rates import complete_groups, publish_rates
from recidive.report.section_files import check_output_dir
from recidive.rules import CohortRules

Runner = Callable[[argparse.Namespace], int]

#: Output formats of ``recidive report``.
REPORT_FORMATS: tuple[str, ...] = ("html", "md", "json")

# how wide and how long a rates table printed on the terminal may be
_DISPLAY_WIDTH = 200
_DISPLAY_ROWS = 500
#: Exit code after Ctrl-C (128 + SIGINT, as a shell reports it).
EXIT_INTERRUPTED = 130
_CUTOFF_HELP = (
    f"data cut-off, YYYY-MM-DD; required for registry files unless {EXTRACT_FILE} "
    "lies beside the persons file"
)


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
    parser.add_argument("--cutoff", metavar="DATE", help=_CUTOFF_HELP)
    return _run_validate


def _run_validate(args: argparse.Namespace) -> int:
    registry, source = _read_registry(args)
    cohort = build_cohort(registry, CohortRules())
    print(validation_summary(registry, cohort, source))
    return 0


def _read_registry(args: argparse.Namespace) -> tuple[Registry, str]:
    """The registry of ``--persons``, ``--cases``, ``--detentions`` and where its cut-off is from.

    The cut-off is checked before any file is read: ``--cutoff`` (strictly YYYY-MM-DD),
    else the sidecar file beside the persons file, else a one-line error.
    """
    cutoff = check_date(args.cutoff, "--cutoff")
    source = "given"
    if cutoff is None:
        sidecar = extract_path(args.persons)
        if sidecar is None:
            raise _UsageError(
                "registry files need their data cut-off: pass --cutoff YYYY-MM-DD (the date "
                "up to which the extract records every offence) or put an "
                f"{EXTRACT_FILE} with its cutoff_date beside the persons file"
            )
        source = f"from {sidecar}"
    registry = Registry.from_files(
        persons=args.persons, cases=args.cases, detentions=args.detentions, cutoff_date=cutoff
    )
    return registry, source


def validation_summary(registry: Registry, cohort: Cohort, source: str = "given") -> str:
    """The text ``recidive validate`` prints: table sizes, follow-up, attrition.

    ``source`` says where the cut-off came from (``given``, or the sidecar file).
    """
    persons = cohort.persons
    n_read = int(cohort.attrition["n_before"].iloc[0])
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


def _add_registry_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "registry",
        "registry tables (CSV or Parquet); without them the built-in synthetic "
        "reference registry is used",
    )
    group.add_argument("--persons", metavar="FILE", help="persons table")
    group.add_argument("--cases", metavar="FILE", help="cases table")
    group.add_argument("--detentions", metavar="FILE", help="detentions table (optional)")
    group.add_argument("--cutoff", metavar="DATE", help=_CUTOFF_HELP)
    group.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed of the synthetic registry (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--population",
        action="append",
        metavar="COL=VALUES",
        help="the study population: the persons whose column COL holds one of the "
        "comma-separated VALUES (repeat for more columns; a person must match each); "
        "'all' keeps everyone. Default: everyone in registry files; on the synthetic "
        "registry the seed's population, exploitation_form=binnenlands_seksueel",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress messages")


def _population_option(items: list[str] | None, synthetic: bool) -> dict | None:
    """The population selection of ``--population`` (the seed's on the synthetic registry)."""
    if items is None:
        return dict(REFERENCE_POPULATION) if synthetic else None
    if [item.strip() for item in items] == ["all"]:
        return None
    population: dict[str, list[str]] = {}
    for item in items:
        column, equals, values = item.partition("=")
        if not equals or not column.strip() or not _split_list(values):
            raise _UsageError(
                f"--population takes COL=VALUE[,VALUE...] (or 'all'), got {item!r}; for "
                "example --population exploitation_form=binnenlands_seksueel"
            )
        kept = population.setdefault(column.strip(), [])
        kept += [v for v in _split_list(values) if v not in kept]
    return check_population(population)


def _say_population(progress: Progress, population: dict | None, synthetic: bool) -> None:
    if population is None:
        progress("population: every person")
    elif synthetic and population == check_population(REFERENCE_POPULATION):
        progress(
            "population: offenders of domestic sexual exploitation "
            "(exploitation_form=binnenlands_seksueel), the seed's population; "
            "--population all keeps every person"
        )
    else:
        kept = "; ".join(f"{c} in {', '.join(map(str, v))}" for c, v in population.items())
        progress(f"population: the persons with {kept}")


def _load_cohort(args: argparse.Namespace, progress: Progress) -> Cohort:
    """The cohort from the given registry files, or from the synthetic reference registry."""
    synthetic = args.persons is None and args.cases is None
    population = _population_option(args.population, synthetic)
    if synthetic:
        if args.cutoff is not None:
            raise _UsageError(
                "--cutoff goes with --persons and --cases; the synthetic registry carries "
                "its own cut-off"
            )
        progress(f"generating the synthetic reference registry (seed {args.seed})")
        registry = reference_registry(seed=args.seed)
    elif args.persons is None or args.cases is None:
        raise _UsageError("give both --persons and --cases, or neither (synthetic registry)")
    else:
        progress("reading and validating the registry")
        registry, _ = _read_registry(args)
    _say_population(progress, population, synthetic)
    progress(f"building the cohort from {len(registry.persons):,} persons")
    return build_cohort(registry, CohortRules(population=population))


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _add_simulate(subparsers: argparse._SubParsersAction) -> Runner:
    parser = subparsers.add_parser(
        "simulate",
        help="write a synthetic registry (persons, cases, detentions)",
        description="Simulate a registry from the calibrated generative model of "
        "recidive.datasets and write its tables.",
    )
    parser.add_argument(
        "--n", type=int, default=None, help=f"number of persons (default {DEFAULT_N_PERSONS:,})"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument(
        "--format",
        choices=FILE_FORMATS,
        default=FILE_FORMATS[0],
        help=f"file format (default {FILE_FORMATS[0]})",
    )
    return _run_simulate


def _run_simulate(args: argparse.Namespace) -> int:
    n = DEFAULT_N_PERSONS if args.n is None else args.n
    if n < 1:
        raise ArgumentError(f"--n must be a positive number of persons, got {n}")
    check_output_dir(args.out)
    registry = reference_registry(n_persons=n, seed=args.seed)
    for path in write_registry(registry, args.out, format=args.format):
        print(path)
    print(
        f"data cut-off {registry.cutoff_date.date()}, recorded in {EXTRACT_FILE} beside the "
        "tables (read back without --cutoff)",
        file=sys.stderr,
    )
    return 0


def _add_rates(subparsers: argparse._SubParsersAction) -> Runner:
    parser = subparsers.add_parser(
        "rates",
        help="recidivism rates at horizons, from a registry or a ready survival file",
        description="Cumulative recidivism 1 - S(t) (Kaplan-Meier) at horizons in years, "
        "overall and by group, with confidence intervals. On a registry (or the synthetic "
        "one) the rates are per criterion; on a ready survival file (--survival) they come "
        "from its --duration and --event columns.",
    )
    _add_registry_arguments(parser)
    ready = parser.add_argument_group("ready survival file")
    ready.add_argument("--survival", metavar="FILE", help="a survival frame (CSV or Parquet)")
    ready.add_argument("--duration", metavar="COL", help="duration column of --survival")
    ready.add_argument("--event", metavar="COL", help="event column (0/1) of --survival")
    ready.add_argument(
        "--time-unit",
        choices=tuple(defaults.UNITS_PER_YEAR),
        default=defaults.TIME_UNIT,
        help=f"unit of --duration (default {defaults.TIME_UNIT})",
    )
    parser.add_argument(
        "--criteria",
        default="general",
        help="comma-separated criteria on a registry (default general)",
    )
    parser.add_argument("--by", nargs="*", default=[], metavar="COL", help="group columns")
    parser.add_argument(
        "--horizons",
        nargs="+",
        type=float,
        default=list(defaults.HORIZONS_YEARS),
        help=f"years (default {' '.join(map(str, defaults.HORIZONS_YEARS))})",
    )
    parser.add_argument(
        "--conf-type", choices=defaults.CONF_TYPES, default=defaults.CONF_TYPE, help="CI type"
    )
    parser.add_argument("--out", metavar="FILE", help="write CSV here instead of printing")
    _add_min_cell(
        parser,
        "rates leave the analysis environment: they are published as the "
        "section publishes them (group sizes, rates and intervals, no counts); "
        "1 writes the exact table, for use inside the secure environment only",
    )
    return _run_rates


def _add_min_cell(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--min-cell",
        type=int,
        default=defaults.MIN_CELL,
        metavar="N",
        help=f"disclosure threshold in persons (default {defaults.MIN_CELL}; see "
        f"docs/disclosure.md): {what}",
    )


def _read_table(path: str) -> pd.DataFrame:
    if not Path(path).exists():
        raise ArgumentError(f"survival file {path} does not exist")
    try:
        if path.endswith((".parquet", ".pq")) or Path(path).is_dir():
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ArgumentError(f"survival file {path} could not be read as a table ({exc})") from exc


def _survival_population(
    frame: pd.DataFrame, args: argparse.Namespace, progress: Progress
) -> pd.DataFrame:
    """The rows of a survival file in the ``--population`` (all rows without it)."""
    population = _population_option(args.population, synthetic=False)
    if population is None:
        return frame
    check_selection(population, frame.columns, values_found(frame, population))
    _say_population(progress, population, synthetic=False)
    return frame[population_mask(frame, population)]


def _run_rates(args: argparse.Namespace) -> int:
    min_cell = check_min_cell(args.min_cell)
    progress = Progress(enabled=not args.quiet)
    if args.out:
        check_output_dir(Path(args.out).parent)
    if args.survival is not None:
        if not (args.duration and args.event):
            raise _UsageError("--survival needs --duration COL and --event COL")
        frame = _survival_population(_read_table(args.survival), args, progress)
        missing = [c for c in (args.duration, args.event, *args.by) if c not in frame.columns]
        if missing:
            raise ArgumentError(
                f"survival file {args.survival} has no column {', '.join(missing)}; "
                f"its columns are {', '.join(map(str, frame.columns))}"
            )
        progress(f"estimating rates on {len(frame):,} rows")
        table = survival_rates(
            frame,
            duration=args.duration,
            event=args.event,
            by=args.by,
            horizons=args.horizons,
            time_unit=args.time_unit,
            conf_type=args.conf_type,
        )
    else:
        cohort = _load_cohort(args, progress)
        progress("estimating rates")
        table = recidivism_rates(
            cohort,
            criteria=_split_list(args.criteria),
            horizons=args.horizons,
            by=args.by,
            conf_type=args.conf_type,
        )
    result = published_rates(table.to_frame(), min_cell, args.by, args.horizons, progress)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        result.to_csv(args.out, index=False)
        progress(f"wrote {args.out}")
    else:
        with pd.option_context("display.width", _DISPLAY_WIDTH, "display.max_rows", _DISPLAY_ROWS):
            print(result.to_string(index=False))
    return 0


def published_rates(
    frame: pd.DataFrame,
    min_cell: int,
    by: Sequence[str],
    horizons: Sequence[float],
    progress: Callable[[str], None],
) -> pd.DataFrame:
    """The rates ``recidive rates`` writes: the disclosure policy applied, or exact with 1.

    Every group of every ``by`` column shows (an empty one suppressed), and the groups are
    protected against the total even when they are the only rows (another run publishes it).
    """
    if min_cell <= 1:
        return frame
    published = publish_rates(
        complete_groups(frame, by), min_cell, by=by, horizons=[float(h) for h in horizons]
    )
    hidden = int((published.frame["status"] == "suppressed").sum())
    if hidden:
        progress(f"{hidden} rate(s) suppressed by disclosure control (min_cell={min_cell})")
    return published.frame


def _add_report(subparsers: argparse._SubParsersAction) -> Runner:
    parser = subparsers.add_parser(
        "report",
        help="write the monitor's recidivism section (md, html, json, figures)",
        description="Build the cohort, estimate recidivism and write the recidivism section "
        "of the Dadermonitor. Without registry files it runs on the built-in synthetic "
        "reference registry.",
    )
    _add_registry_arguments(parser)
    parser.add_argument(
        "--lang", choices=defaults.LANGUAGES, default=defaults.LANG, help="language"
    )
    parser.add_argument(
        "--format",
        default=",".join(REPORT_FORMATS),
        help=f"comma-separated output formats: {', '.join(REPORT_FORMATS)} (default all)",
    )
    parser.add_argument(
        "--out",
        default="out",
        metavar="DIR",
        help="output directory (checked before the work; the section is written all at "
        "once; files of an earlier section in the same language are replaced)",
    )
    parser.add_argument(
        "--generated-at",
        metavar="DATE",
        help="date of generation in the provenance, YYYY-MM-DD (midnight UTC); default "
        "the environment variable SOURCE_DATE_EPOCH, else now: pin it for files that are "
        "byte-identical from run to run",
    )
    parser.add_argument(
        "--svg",
        action="store_true",
        help="also write the figures as SVG (the same points as the PNG; output checkers "
        "such as ACRO block SVG by default)",
    )
    _add_min_cell(
        parser,
        "nothing published shows, or lets one derive, a count of fewer "
        "persons; 1 switches suppression off (inside the secure environment only)",
    )
    return _run_report


def _run_report(args: argparse.Namespace) -> int:
    formats = tuple(_split_list(args.format))
    unknown = sorted(set(formats) - set(REPORT_FORMATS))
    if unknown or not formats:
        raise _UsageError(
            f"--format takes {', '.join(REPORT_FORMATS[:-1])} and {REPORT_FORMATS[-1]}, "
            f"got {args.format!r}"
        )
    with warnings.catch_warnings():  # refused at the door; the section warns below 10
        warnings.simplefilter("ignore", SmallCellWarning)
        min_cell = check_min_cell(args.min_cell)
    generated = check_date(args.generated_at, "--generated-at")
    if generated is not None:
        generated = datetime.combine(generated.date(), datetime.min.time(), tzinfo=UTC)
    check_output_dir(args.out)
    progress = Progress(enabled=not args.quiet)
    cohort = _load_cohort(args, progress)
    section = recidivism_section(
        cohort,
        lang=args.lang,
        min_cell=min_cell,
        progress=progress,
        generated_at=generated,
    )
    progress(f"writing {', '.join(formats)} to {args.out}")
    figure_formats = ("png", "svg") if args.svg else ("png",)
    for path in section.save(args.out, formats=formats, figure_formats=figure_formats):
        print(path)
    return 0


#: Subcommand name -> function that adds its parser and returns its runner.
SUBCOMMANDS: dict[str, Callable[[argparse._SubParsersAction], Runner]] = {
    "report": _add_report,
    "rates": _add_rates,
    "simulate": _add_simulate,
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
        with warnings.catch_warnings():
            # recidive's own warnings are messages for the user: one line each, never an
            # exception, whatever filters the caller set
            warnings.simplefilter("default", RecidiveWarning)
            warnings.showwarning = _show_warning
            return runners[args.command](args)
    except KeyboardInterrupt:
        print("recidive: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:  # output piped into a reader that stopped (| head)
        sys.stderr.close()
        return 0
    except (_UsageError, RecidiveError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"recidive: error: {message}", file=sys.stderr)
        return 2


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line on stderr: ``recidive: warning: <message>``."""
    print(f"recidive: warning: {' '.join(str(message).split())}", file=sys.stderr)
