"""``Registry``: the validated registry tables (persons, cases, detentions).

Reads CSV, Parquet or DataFrames, passes them through the one validation gateway
(:func:`recidive.validation.validate_tables`) and keeps the normalised tables with a
fingerprint for provenance and the data cut-off, which comes with the data (an
argument or the extract's sidecar file, :mod:`recidive.cutoff`) and is never guessed.
See ``recidive.validation`` for the normalised dtypes and for what is an error.
"""

from __future__ import annotations

import csv
import hashlib
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from recidive import _engines, schema
from recidive._arguments import check_date
from recidive.cutoff import registry_cutoff, warn_late_cutoff
from recidive.errors import ArgumentError, ValidationError, short
from recidive.validation import validate_tables

TableSource = pd.DataFrame | str | PathLike
_PARQUET = (".parquet", ".pq", ".parq")
_ID_COLUMNS = {"person_id": str, "case_id": str}


class Registry:
    """Pseudonymised judicial records: the ``persons``, ``cases`` and ``detentions`` tables.

    Parameters
    ----------
    persons, cases : pandas.DataFrame
        The tables of DESIGN section 2 (columns in ``recidive.schema``).
    detentions : pandas.DataFrame, optional
        Detention periods (``person_id``, ``start``, ``end``); None if not available.
    cutoff_date : date-like
        Required: the data cut-off, the date up to which the extract records every
        offence (``"2022-06-30"``, a ``datetime.date`` or a ``Timestamp``; text is
        ``YYYY-MM-DD``). It is never guessed from the data (see :mod:`recidive.cutoff`).

    Attributes
    ----------
    persons, cases, detentions : pandas.DataFrame
        Validated, normalised copies (ids as strings, dates as ``datetime64[ns]``,
        code lists as categoricals). ``detentions`` is an empty, typed table when none
        was given.
    cutoff_date : pandas.Timestamp
        The data cut-off.
    latest_date : pandas.Timestamp
        The latest date in any date column but ``birth_date``. Never used as the
        cut-off; a cut-off more than a year after it warns.
    fingerprint : str
        16 hex digits of a sha256 over the normalised tables; it does not depend on the
        order of the rows.

    Raises
    ------
    recidive.errors.ArgumentError
        When ``cutoff_date`` is missing or not a date.
    recidive.errors.ValidationError
        When a table breaks the data contract (see ``recidive.validation``).

    Warns
    -----
    recidive.errors.CutoffWarning
        When the cut-off lies more than a year after the latest date in the data.

    Examples
    --------
    >>> import pandas as pd
    >>> from recidive import Registry
    >>> persons = pd.DataFrame({"person_id": [1, 2], "sex": ["M", "F"],
    ...     "birth_date": ["1990-01-01", "1985-05-05"],
    ...     "index_offence_date": ["2015-01-01", "2015-02-01"],
    ...     "index_disposal_date": ["2015-06-01", "2015-07-01"],
    ...     "index_release_date": ["2016-01-01", None],
    ...     "exploitation_form": ["arbeid", "crimineel"], "prior_cases": [0, 3]})
    >>> cases = pd.DataFrame({"person_id": [1], "case_id": ["c1"],
    ...     "offence_date": ["2016-03-01"], "disposal_date": ["2016-09-01"],
    ...     "disposal": ["conviction"], "offence_category": ["property"],
    ...     "max_penalty_years": [4.0], "is_crime": [True]})
    >>> reg = Registry(persons, cases, cutoff_date="2017-06-30")
    >>> len(reg.persons), len(reg.cases), len(reg.detentions), reg.cutoff_date.year
    (2, 1, 0, 2017)
    >>> Registry(persons, cases)
    Traceback (most recent call last):
    ...
    recidive.errors.ArgumentError: the data cut-off is missing: pass cutoff_date='YYYY-MM-DD' (the date up to which the extract records every offence; recidive does not guess it from the latest date in the data)
    >>> len(reg.fingerprint)
    16
    """

    def __init__(
        self,
        persons: pd.DataFrame,
        cases: pd.DataFrame,
        detentions: pd.DataFrame | None = None,
        cutoff_date: object = None,
    ) -> None:
        self._cutoff_date = registry_cutoff(cutoff_date)
        self._persons, self._cases, self._detentions = validate_tables(persons, cases, detentions)
        self._fingerprint = _fingerprint(self._persons, self._cases, self._detentions)
        warn_late_cutoff(self._cutoff_date, self.latest_date, len(self._persons))

    @classmethod
    def from_files(
        cls,
        persons: TableSource,
        cases: TableSource,
        detentions: TableSource | None = None,
        cutoff_date: object = None,
        engine: str = "pandas",
    ) -> Registry:
        """Read the tables from CSV (comma-separated, UTF-8) or Parquet files.

        Each argument may also be a DataFrame. A file is Parquet when its name ends in
        ``.parquet``, ``.pq`` or ``.parq`` or when it starts with Parquet's magic bytes;
        otherwise it is read as CSV. Id columns are read as text, so ``0012`` stays
        ``0012``.

        The data cut-off is ``cutoff_date``, or else the ``cutoff_date`` of the extract's
        sidecar file ``extract.json`` in the directory of the persons file (written by
        ``recidive simulate``; see :mod:`recidive.cutoff`). With both, ``cutoff_date``
        may be earlier than the sidecar's, not later. With neither it is an error.

        With ``engine="dask"`` the arguments are Parquet files or directories of Parquet
        files (or Dask DataFrames) and the result is a
        :class:`recidive.dask.DaskRegistry`, for registries larger than memory
        (``pip install 'recidive[dask]'``); :func:`recidive.build_cohort` accepts it.

        Raises
        ------
        recidive.errors.ArgumentError
            When there is no cut-off, or ``cutoff_date`` is later than the sidecar's.
        recidive.errors.ValidationError
            For a file that does not exist or is not a readable table (a CSV header that
            names a column twice included), for a sidecar file that is not readable, and
            for every rule of the data contract.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from recidive import Registry
        >>> tmp = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (tmp / "p.csv").write_text("person_id;sex\\n1;M\\n")
        >>> _ = (tmp / "c.csv").write_text("person_id,case_id\\n1,c1\\n")
        >>> Registry.from_files(persons=tmp / "p.csv", cases=tmp / "c.csv", cutoff_date="2022-06-30")
        Traceback (most recent call last):
        ...
        recidive.errors.ValidationError: persons has one column named 'person_id;sex': the file looks separated by ';'; use comma-separated values (or read the file with pandas.read_csv(path, sep=';') and pass the DataFrame)
        """
        if engine == "dask":
            return _engines.implementation("Registry.from_files")(
                persons, cases, detentions, cutoff_date=cutoff_date
            )
        if engine != "pandas":
            raise ArgumentError(f"engine must be 'pandas' or 'dask', not {engine!r}")
        cutoff = registry_cutoff(cutoff_date, persons)
        return cls(
            read_table(persons, "persons"),
            read_table(cases, "cases"),
            None if detentions is None else read_table(detentions, "detentions"),
            cutoff_date=cutoff,
        )

    @property
    def persons(self) -> pd.DataFrame:
        """The persons table (a copy)."""
        return self._persons.copy()

    @property
    def cases(self) -> pd.DataFrame:
        """The cases table, one row per (case, offence) (a copy)."""
        return self._cases.copy()

    @property
    def detentions(self) -> pd.DataFrame:
        """The detentions table (a copy; empty and typed when none was given)."""
        return self._detentions.copy()

    @property
    def cutoff_date(self) -> pd.Timestamp:
        """The data cut-off (given, or from the extract's sidecar file)."""
        return self._cutoff_date

    @property
    def latest_date(self) -> pd.Timestamp:
        """The latest date in any date column but ``birth_date``; never the cut-off."""
        latest = []
        for frame, spec in (
            (self._persons, schema.PERSONS),
            (self._cases, schema.CASES),
            (self._detentions, schema.DETENTIONS),
        ):
            latest.extend(frame[c].max() for c in spec.date_columns if c != "birth_date")
        return max(d for d in latest if pd.notna(d))

    @property
    def fingerprint(self) -> str:
        """16 hex digits of a sha256 over the normalised tables (row order does not matter)."""
        return self._fingerprint

    def __repr__(self) -> str:
        cutoff = self._cutoff_date.date().isoformat()
        return (
            f"Registry(persons={len(self._persons)}, cases={len(self._cases)}, "
            f"detentions={len(self._detentions)}, cutoff_date={cutoff}, "
            f"fingerprint={self._fingerprint!r})"
        )


def read_table(source: TableSource | None, table: str) -> pd.DataFrame | None:
    """Read one registry table from a DataFrame, CSV or Parquet file (not yet validated).

    Raises
    ------
    recidive.errors.ValidationError
        When the file does not exist or cannot be read as a table.
    """
    if source is None or isinstance(source, pd.DataFrame):
        return source
    if not isinstance(source, str | PathLike):
        return source  # the gateway says what is wrong with it
    path = Path(source)
    if not path.is_file():
        what = "is a directory, not a file" if path.is_dir() else "does not exist"
        raise ValidationError(table, None, f"file {str(path)!r} {what}", fix="check the path")
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise ValidationError(
            table, None, f"file {str(path)!r} cannot be read ({exc.strerror})", fix="check the file"
        ) from None
    if path.suffix.lower() in _PARQUET or head.startswith(b"PAR1"):
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many kinds
            raise _unreadable(table, path, "Parquet", exc) from None
    if b"\x00" in head:
        raise _unreadable(table, path, "CSV", "binary content")
    try:
        _check_header(path, table)
        return pd.read_csv(path, dtype=_ID_COLUMNS, encoding="utf-8-sig", skipinitialspace=True)
    except ValidationError:  # the header's own message
        raise
    except pd.errors.EmptyDataError:
        raise ValidationError(
            table,
            None,
            f"file {str(path)!r} is empty",
            fix=f"check that the {table} table was exported completely",
        ) from None
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, csv.Error) as exc:
        raise _unreadable(table, path, "CSV", exc) from None


def _check_header(path: Path, table: str) -> None:
    """Refuse a CSV header naming a column twice, before pandas renames ``x`` to ``x.1``."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    names = [name.strip() for name in header]
    seen: set[str] = set()
    for name in names:
        if name in seen and name:
            raise ValidationError(
                table,
                name,
                f"appears more than once in the header of '{short(str(path), 200)}'",
                fix="keep one column per name",
            )
        seen.add(name)


def _unreadable(table: str, path: Path, kind: str, why: object) -> ValidationError:
    reason = error_reason(why)
    return ValidationError(
        table,
        None,
        f"file {str(path)!r} is not a readable {kind} table ({reason})",
        fix="export the table as comma-separated UTF-8 CSV or as Parquet",
    )


def validated_registry(
    persons: pd.DataFrame,
    cases: pd.DataFrame,
    detentions: pd.DataFrame,
    cutoff_date: object = None,
    fingerprint: str = "",
) -> Registry:
    """A :class:`Registry` of tables that already passed the gateway, kept as they are.

    For one person bucket of a :class:`recidive.dask.DaskRegistry`, whose tables were
    validated by :func:`~recidive.validation.validate_tables` in the bucket's task: no
    second validation, no copy, and the fingerprint given (none by default).
    """
    registry = Registry.__new__(Registry)
    registry._cutoff_date = check_date(cutoff_date, "cutoff_date")
    registry._persons, registry._cases, registry._detentions = persons, cases, detentions
    registry._fingerprint = fingerprint
    return registry


def error_reason(exc: object) -> str:
    """The first line of a reader's exception (its type's name when it has no message)."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _fingerprint(*frames: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(repr([(c, str(t)) for c, t in frame.dtypes.items()]).encode())
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        digest.update(np.sort(rows).tobytes())
    return digest.hexdigest()[:16]
