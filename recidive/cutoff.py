"""The data cut-off: given with the data, never guessed from it.

The cut-off is the date up to which the extract records every offence. Follow-up ends
there, so a cut-off that is too late adds days in which no reoffence can show up and
lowers every rate, without any sign in the output. Earlier versions took the latest date
in the tables when none was given; but disposal dates run past the cut-off (a case
committed before it is disposed of after it) and one case dated in the future moves the
latest date, and on a simulated registry that lowered the 7-year rate by 4.6 points. So
a registry is refused without its cut-off, and nothing infers one.

Where the cut-off comes from
    ``cutoff_date=`` of :class:`recidive.Registry`, ``Registry.from_files`` and
    :class:`recidive.dask.DaskRegistry`; ``--cutoff YYYY-MM-DD`` on the command line; or
    the extract's sidecar file :data:`EXTRACT_FILE` beside the persons table (same
    directory as the persons file, or as the persons dataset directory). An explicit
    cut-off may be earlier than the sidecar's (the data are complete up to it too), not
    later. The synthetic registry carries its own, and ``recidive simulate`` writes the
    sidecar.

The sidecar file ``extract.json``
    A JSON object with the extract's metadata; ``cutoff_date`` is required, written
    ``YYYY-MM-DD``; other keys (``source``, ``extracted_by``, ``tables``, ...) are the
    supplier's and are ignored::

        {"cutoff_date": "2022-06-30", "source": "JDS extract 2022-07"}

Checks
    A cut-off later than the latest date in the data (any date column but
    ``birth_date``) by more than :data:`LATE_MARGIN_DAYS` warns
    (:class:`~recidive.errors.CutoffWarning`): an extract records index disposals,
    releases, detentions and later cases up to its cut-off, and in the synthetic
    registry the latest of them lies within 300 days of the cut-off even for 10 persons
    (and past it from 45 persons on), so a year without any date is a mistyped year or
    a wrong extract, not a quiet registry. A cut-off on or before the start of everyone's
    follow-up is an error naming the cut-off (:func:`check_someone_followed`).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from recidive._arguments import check_date
from recidive.errors import ArgumentError, CutoffWarning, ValidationError, short

#: The name of the extract's sidecar file, beside the persons table.
EXTRACT_FILE = "extract.json"

#: How long before the cut-off the data may end without a warning (days).
LATE_MARGIN_DAYS = 365

#: The check needs this many persons: a smaller registry may go more than a year without any
#: record (a few persons, all without a reoffence near the end), while in the synthetic
#: registry from 45 persons up the latest record lies within weeks of the cut-off.
LATE_MIN_PERSONS = 100


def extract_path(persons: object) -> Path | None:
    """The sidecar file beside a persons file or dataset directory, if there is one.

    Examples
    --------
    >>> extract_path("no/such/dir/persons.csv") is None
    True
    """
    if not isinstance(persons, str | os.PathLike):
        return None
    path = Path(persons).parent / EXTRACT_FILE
    return path if path.is_file() else None


def read_extract(path: str | os.PathLike) -> dict[str, Any]:
    """Read a sidecar file: its keys, with ``cutoff_date`` as a ``Timestamp``.

    Raises
    ------
    recidive.errors.ValidationError
        When the file is not a JSON object with a ``cutoff_date`` written ``YYYY-MM-DD``.
    """
    where = f"file '{short(os.fspath(path), 200)}'"
    fix = 'write {"cutoff_date": "YYYY-MM-DD"} (see recidive.cutoff)'
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = short(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 80)
        raise ValidationError(
            "extract", None, f"{where} is not readable JSON ({reason})", fix=fix
        ) from None
    if not isinstance(data, dict) or "cutoff_date" not in data:
        raise ValidationError("extract", None, f"{where} has no cutoff_date", fix=fix)
    try:
        cutoff = check_date(data["cutoff_date"], "cutoff_date")
    except ArgumentError as exc:
        raise ValidationError("extract", None, f"{where}: {exc}", fix=fix) from None
    if cutoff is None:
        raise ValidationError("extract", None, f"{where} has an empty cutoff_date", fix=fix)
    return {**data, "cutoff_date": cutoff}


def write_extract(directory: str | os.PathLike, cutoff_date: object, **metadata: Any) -> Path:
    """Write the sidecar file with ``cutoff_date`` and the given metadata into ``directory``.

    Examples
    --------
    >>> import tempfile
    >>> path = write_extract(tempfile.mkdtemp(), "2022-06-30", source="example")
    >>> read_extract(path)["cutoff_date"]
    Timestamp('2022-06-30 00:00:00')
    """
    cutoff = check_date(cutoff_date, "cutoff_date")
    if cutoff is None:
        raise ArgumentError("cutoff_date is required for the extract's sidecar file")
    path = Path(directory) / EXTRACT_FILE
    data = {"cutoff_date": cutoff.date().isoformat(), **metadata}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def registry_cutoff(given: object, persons: object = None) -> pd.Timestamp:
    """The cut-off of a registry: ``given``, else the sidecar's beside ``persons``.

    Raises
    ------
    recidive.errors.ArgumentError
        When there is none, when ``given`` is not a date, or when it is later than the
        sidecar's.

    Examples
    --------
    >>> registry_cutoff("2022-06-30")
    Timestamp('2022-06-30 00:00:00')
    >>> registry_cutoff(None)
    Traceback (most recent call last):
    ...
    recidive.errors.ArgumentError: the data cut-off is missing: pass cutoff_date='YYYY-MM-DD' (the date up to which the extract records every offence; recidive does not guess it from the latest date in the data)
    """
    cutoff = check_date(given, "cutoff_date")
    sidecar = extract_path(persons)
    if sidecar is not None:
        recorded = read_extract(sidecar)["cutoff_date"]
        if cutoff is None:
            return recorded
        if cutoff > recorded:
            raise ArgumentError(
                f"cutoff_date {cutoff.date()} is after the cut-off {recorded.date()} in "
                f"'{short(os.fspath(sidecar), 200)}': the extract is not complete up to it; "
                "give a date on or before the extract's"
            )
    if cutoff is None:
        on_disk = isinstance(persons, str | os.PathLike)
        where = f" or put an {EXTRACT_FILE} beside the persons file" if on_disk else ""
        raise ArgumentError(
            f"the data cut-off is missing: pass cutoff_date='YYYY-MM-DD'{where} (the date up "
            "to which the extract records every offence; recidive does not guess it from "
            "the latest date in the data)"
        )
    return cutoff


def warn_late_cutoff(
    cutoff: pd.Timestamp, latest: pd.Timestamp, n_persons: int, stacklevel: int = 3
) -> None:
    """Warn when the data end more than :data:`LATE_MARGIN_DAYS` before the cut-off.

    Only for a registry of at least :data:`LATE_MIN_PERSONS` persons, where a year with no
    record at all points to a mistyped cut-off rather than to chance.
    """
    if pd.isna(latest) or n_persons < LATE_MIN_PERSONS:
        return
    gap = (cutoff - latest).days
    if gap <= LATE_MARGIN_DAYS:
        return
    warnings.warn(
        CutoffWarning(
            f"the data cut-off {cutoff.date()} is {gap} days after the latest date in the "
            f"data ({latest.date()}) of {n_persons:,} persons; follow-up after the last record "
            "counts as time without reoffending and lowers every rate: check the cut-off "
            f"(a mistyped year?). An extract records events up to its cut-off, so the data "
            f"end within {LATE_MARGIN_DAYS} days of it"
        ),
        stacklevel=stacklevel,
    )


def resolve_cutoff(registry: Any, rules: Any) -> pd.Timestamp:
    """The data cut-off a cohort uses (before any registration lag).

    The rules' ``cutoff_date`` if set (refused when after the registry's own cut-off),
    else the registry's. Shared by the in-memory and the Dask cohort builders.
    """
    own = registry.cutoff_date
    if own is None:  # a registry always has one; a hand-made object may not
        raise ArgumentError("the registry has no data cut-off; give it cutoff_date='YYYY-MM-DD'")
    if rules.cutoff_date is None:
        return own
    if rules.cutoff_date > own:
        raise ArgumentError(
            f"cutoff_date {rules.cutoff_date.date()} is after the registry's data cut-off "
            f"{own.date()}; choose a date on or before it"
        )
    return rules.cutoff_date


def check_someone_followed(attrition: pd.DataFrame, cutoff: pd.Timestamp, lag_days: int) -> None:
    """Refuse a cohort without persons, naming the cut-off when it excluded the last of them.

    Called on the whole cohort's attrition (never on one Dask bucket, which may be empty).
    """
    persons = attrition[attrition["table"] == "persons"]
    n_read = int(persons["n_before"].iloc[0])
    if n_read == 0 or int(persons["n_after"].iloc[-1]) > 0:
        return
    late = persons[persons["step"] == "start_after_end"]
    if len(late) and int(late["n_before"].iloc[0]) > 0 and int(late["n_after"].iloc[0]) == 0:
        lag = f" minus the registration lag of {lag_days} days" if lag_days else ""
        raise ArgumentError(
            f"no person has follow-up: the data cut-off {cutoff.date()}{lag} is on or before "
            f"the start of follow-up of every one of the {int(late['n_before'].iloc[0]):,} "
            "persons left; give the extract's cut-off (cutoff_date= or --cutoff YYYY-MM-DD)"
        )
    steps = persons[persons["n_excluded"] > 0]
    why = ", ".join(f"{r.step} {int(r.n_excluded):,}" for r in steps.itertuples())
    raise ArgumentError(
        f"no person has follow-up: all {n_read:,} persons read were excluded ({why}); "
        "see the attrition steps in recidive.cohort and check the cohort rules"
    )
