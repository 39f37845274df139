"""The one validation gateway for registry tables.

:func:`validate_tables` is called once, by :class:`recidive.Registry`. It checks the
structure of the three tables, normalises their dtypes and checks the content rules
of the data contract (``schema.py``). Anything it rejects raises a
:class:`recidive.errors.ValidationError` whose message names the table, the column,
the rule, the number of rows, the first ids and a fix, for example::

    persons.index_release_date is before persons.index_disposal_date in 2 rows
    (person_id 17, 23); correct the dates or leave index_release_date empty

Normalised dtypes
    ``person_id`` has one dtype in all three tables: ``int64`` when every person id
    is a plain integer (``12`` in a DataFrame or ``12`` in a CSV file), otherwise
    strings (``object`` dtype; ``"0012"`` keeps its zeros, and then integer ids
    become strings too). ``case_id`` follows the same rule on its own. Integer ids
    are much faster on large registries. Dates are ``datetime64[ns]`` at midnight,
    read by the one date parser of :mod:`recidive._dates` (``YYYY-MM-DD``; a time of day
    is dropped; a UTC offset is not converted: the date is the local date as written). Code lists of ``schema.CODE_LISTS`` are pandas
    categoricals with the full code list as categories. ``is_crime`` is ``bool``
    (accepted: booleans, 0/1, true/false, yes/no, ja/nee, misdrijf/overtreding),
    ``prior_cases`` is ``int64`` and ``max_penalty_years`` is ``float64`` (true/false
    there is refused: a flag is not a count). Extra
    columns are kept unchanged. Absent optional columns are added, empty.

Errors (impossible or unusable data)
    A missing table or column; a table that is not a table; a one-column table whose
    header contains ``;``, tab or ``|`` (a CSV with another delimiter: we do not guess
    delimiters, we ask for comma-separated values); a column name twice (in a CSV
    header it is found before pandas renames the second ``x`` to ``x.1``); a column
    holding lists or records (a nested Parquet column) instead of single values; a
    persons table without rows (empty cases and detentions tables are fine: nobody
    reoffended, nobody was detained); empty or duplicate person ids; empty case ids;
    empty required values; cases or detentions of persons not in ``persons``; dates
    that are not ``YYYY-MM-DD``, partial dates (``1981``, ``1981-04``) and dates outside
    the years 1900-2100; a birth date more than 100 years before the index offence;
    birth after the index offence; index disposal before the index offence; release before
    the index disposal; death or emigration before the index offence; a case disposed
    of before its offence date; negative, non-numeric or true/false counts and penalties; codes
    outside the code lists; a detention ending before it starts; overlapping
    detentions of one person (a detention is the days ``[start, end)``, so one may
    start on the day the previous one ends).

Exclusions, not errors (judgement rules, counted in ``Cohort.attrition``)
    Data that are possible but fall outside the cohort's window are not errors: they
    depend on the cohort rules, not on the data. A later case dated on or before the
    start of follow-up (including before the index offence), or after its end
    (after death, emigration or the cut-off), is an excluded case row; a person
    without follow-up (released after the cut-off, died or emigrated before release)
    is an excluded person. Detentions outside the follow-up window are clipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recidive import _dates as dates
from recidive import schema
from recidive.errors import ValidationError, short

_TRUE = ("true", "t", "1", "1.0", "yes", "y", "ja", "j", "misdrijf")
_FALSE = ("false", "f", "0", "0.0", "no", "n", "nee", "overtreding")
_BOOLEAN = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
_SEPARATORS = {";": "';'", "\t": "tabs", "|": "'|'"}
_MAX_IDS = 5  # ids (or codes) a message shows
_NESTED = (list, tuple, dict, set, np.ndarray)  # values that are not single values
# integers up to this size are exact in float64, so a numeric id below it is a whole number
_EXACT_FLOAT_INTEGER = 2**53


def validate_tables(
    persons: pd.DataFrame,
    cases: pd.DataFrame,
    detentions: pd.DataFrame | None = None,
    allow_empty: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Check the registry tables and return normalised copies.

    Parameters
    ----------
    persons, cases : pandas.DataFrame
        The ``persons`` and ``cases`` tables of ``schema.PERSONS`` / ``schema.CASES``.
    detentions : pandas.DataFrame or None
        The optional ``detentions`` table; None gives an empty one.
    allow_empty : bool
        Accept a persons table without rows (one partition of a larger registry, as on
        Dask); a whole registry without persons is an error. A cases or detentions table
        with a header and no rows is always valid (nobody reoffended, nobody was detained).

    Returns
    -------
    persons, cases, detentions : pandas.DataFrame
        New frames with normalised dtypes (see the module docstring).

    Raises
    ------
    recidive.errors.ValidationError
        At the first rule the tables break.

    Examples
    --------
    >>> import pandas as pd
    >>> from recidive.validation import validate_tables
    >>> persons = pd.DataFrame({"person_id": [1], "sex": ["M"], "birth_date": ["1990-01-01"],
    ...     "index_offence_date": ["2015-01-01"], "index_disposal_date": ["2015-06-01"],
    ...     "exploitation_form": ["arbeid"], "prior_cases": [0]})
    >>> cases = pd.DataFrame({"person_id": [1], "case_id": ["c1"],
    ...     "offence_date": ["2016-01-01"], "disposal_date": ["2016-05-01"],
    ...     "disposal": ["conviction"], "offence_category": ["property"],
    ...     "max_penalty_years": [4.0], "is_crime": [True]})
    >>> p, c, d = validate_tables(persons, cases)
    >>> p["person_id"].tolist(), str(p["birth_date"].dtype), len(d)
    ([1], 'datetime64[ns]', 0)
    >>> validate_tables(persons.assign(sex="X"), cases)
    Traceback (most recent call last):
    ...
    recidive.errors.ValidationError: persons.sex has unknown codes ('X') in 1 row (person_id 1); use one of M, F
    """
    persons = check_structure(persons, schema.PERSONS, allow_empty=allow_empty)
    persons = normalise_table(persons, schema.PERSONS)
    # a cases table with a header and no rows is a registry where nobody reoffended
    cases = normalise_table(check_structure(cases, schema.CASES, allow_empty=True), schema.CASES)
    if detentions is None:
        detentions = empty_table(schema.DETENTIONS)
    else:
        detentions = check_structure(detentions, schema.DETENTIONS, allow_empty=True)
        detentions = normalise_table(detentions, schema.DETENTIONS)
    persons["person_id"], cases["person_id"], detentions["person_id"] = _same_id_type(
        persons["person_id"], cases["person_id"], detentions["person_id"]
    )
    _check_persons(persons)
    _check_cases(cases, persons["person_id"])
    _check_detentions(detentions, persons["person_id"])
    return persons, cases, detentions


def empty_table(spec: schema.TableSpec) -> pd.DataFrame:
    """An empty table of ``spec`` with the normalised dtypes."""
    columns = {}
    for name in (*spec.required, *spec.optional):
        columns[name] = pd.Series(dtype=_dtype(spec.name, name))
    return pd.DataFrame(columns)


def _dtype(table: str, column: str):
    spec = {"persons": schema.PERSONS, "cases": schema.CASES}.get(table, schema.DETENTIONS)
    if column in spec.date_columns:
        return "datetime64[ns]"
    if (table, column) in schema.CODE_LISTS:
        return pd.CategoricalDtype(schema.CODE_LISTS[(table, column)])
    return {"prior_cases": "int64", "max_penalty_years": "float64", "is_crime": "bool"}.get(
        column, object
    )


# -- structure ---------------------------------------------------------------------------


def check_structure(
    frame: object, spec: schema.TableSpec, allow_empty: bool = False
) -> pd.DataFrame:
    """Check that ``frame`` is a table with ``spec``'s required columns; return a tidy copy.

    Column names are stripped (and a byte-order mark dropped), absent optional columns
    are added empty, and the columns are put in schema order (extra columns last). Used
    by :func:`validate_tables` and by the Dask registry on each partition.
    """
    table = spec.name
    if frame is None:
        raise ValidationError(
            table, None, "table is missing", fix=f"pass a {table} DataFrame or file"
        )
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(
            table,
            None,
            f"is not a table (got {type(frame).__name__})",
            fix="pass a pandas DataFrame or a CSV or Parquet file",
        )
    frame = frame.copy()
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    if frame.columns.has_duplicates:
        dup = frame.columns[frame.columns.duplicated()].unique().tolist()
        raise ValidationError(
            table, dup[0], "appears more than once as a column", fix="keep one column per name"
        )
    if frame.shape[1] == 1:
        header = frame.columns[0]
        for sep, said in _SEPARATORS.items():
            if sep in header:
                raise ValidationError(
                    table,
                    None,
                    f"has one column named '{short(header)}': the file looks separated by {said}",
                    fix="use comma-separated values (or read the file with "
                    f"pandas.read_csv(path, sep={sep!r}) and pass the DataFrame)",
                )
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        more = f" (as are {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise ValidationError(
            table,
            missing[0],
            f"column is missing{more}",
            fix=f"the {table} table needs the columns {', '.join(spec.required)}",
        )
    _check_single_values(frame, table)
    if len(frame) == 0 and not allow_empty:
        raise ValidationError(
            table,
            None,
            "has no rows (empty or header only)",
            fix=f"check that the {table} table was exported completely",
        )
    for column in spec.optional:
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    order = [*spec.required, *spec.optional]
    frame = frame[order + [c for c in frame.columns if c not in order]]
    return frame.reset_index(drop=True)


def _check_single_values(frame: pd.DataFrame, table: str) -> None:
    """Refuse columns holding lists or records (nested Parquet columns), by row."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) != "mixed":
            continue  # text, numbers, dates: single values (a C pass, no Python loop)
        nested = values.map(lambda v: isinstance(v, _NESTED)).to_numpy(dtype=bool)
        _require(
            nested,
            frame,
            table,
            column,
            "holds lists or records, not single values",
            by="row",
            fix="give one value per cell (flatten or drop the column)",
        )


# -- dtypes ------------------------------------------------------------------------------


def normalise_table(frame: pd.DataFrame, spec: schema.TableSpec) -> pd.DataFrame:
    """Give a table from :func:`check_structure` the normalised dtypes (module docstring).

    Ids, dates, codes, counts and flags are parsed in place; a value that cannot be
    parsed raises :class:`~recidive.errors.ValidationError`. Used by
    :func:`validate_tables` and by the Dask registry on each partition.
    """
    table = spec.name
    frame["person_id"] = _ids(frame, table, "person_id")
    if table == "cases":
        frame["case_id"] = _ids(frame, table, "case_id")
    for column in spec.date_columns:
        frame[column] = _dates(frame, table, column, required=column in spec.required)
    for (tab, column), codes in schema.CODE_LISTS.items():
        if tab == table:
            frame[column] = _codes(frame, table, column, codes)
    if table == "persons":
        frame["prior_cases"] = _numbers(frame, table, "prior_cases", whole=True)
    if table == "cases":
        frame["max_penalty_years"] = _numbers(frame, table, "max_penalty_years", whole=False)
        frame["is_crime"] = _booleans(frame, table, "is_crime")
    return frame


def _ids(frame: pd.DataFrame, table: str, column: str) -> pd.Series:
    """Ids as int64 when every id is a plain integer, else as stripped strings."""
    values = frame[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        empty = values.isna().to_numpy()
        _require(empty, frame, table, column, "is empty", "rows", fix="give every row an id")
        whole = values == np.round(values)
        _require(~whole.to_numpy(), frame, table, column, "is not a whole-number id", "rows")
        return values.astype(np.int64)
    text = _text(values)
    empty = (text.isna() | (text == "")).to_numpy()
    _require(empty, frame, table, column, "is empty", "rows", fix="give every row an id")
    number = pd.to_numeric(text, errors="coerce")
    plain = number.notna() & (number == np.round(number)) & (number.abs() < _EXACT_FLOAT_INTEGER)
    if plain.all():
        digits = np.floor(np.log10(np.maximum(number.abs(), 1))) + 1 + (number < 0)
        if (text.str.len() == digits).all():  # no leading zeros, signs or decimals
            return number.astype(np.int64)
    return text


def _same_id_type(*columns: pd.Series) -> list[pd.Series]:
    """All int64 if every column is, else all strings."""
    if all(pd.api.types.is_integer_dtype(c) or len(c) == 0 for c in columns):
        return [c.astype(np.int64) for c in columns]
    return [c.astype(str).astype(object) if c.dtype != object else c for c in columns]


def positions(index: pd.Series, ids: pd.Series) -> np.ndarray:
    """Row position of each of ``ids`` in the unique ``index`` (-1 where absent).

    Integer ids use a hash index; string ids are matched through 64-bit hashes and
    checked, which is several times faster than a string index on large tables.
    """
    if pd.api.types.is_integer_dtype(index) and pd.api.types.is_integer_dtype(ids):
        return pd.Index(index).get_indexer(ids)
    keys = pd.util.hash_array(index.to_numpy(dtype=object), categorize=False)
    wanted = pd.util.hash_array(ids.to_numpy(dtype=object), categorize=False)
    if pd.Index(keys).is_unique:
        pos = pd.Index(keys).get_indexer(wanted)
        found = pos >= 0
        if (index.to_numpy(dtype=object)[pos[found]] == ids.to_numpy(dtype=object)[found]).all():
            return pos
    return pd.Index(index.astype(str)).get_indexer(ids.astype(str))


def _dates(frame: pd.DataFrame, table: str, column: str, required: bool) -> pd.Series:
    """A date column through the one date parser (:mod:`recidive._dates`)."""
    values = frame[column]
    parsed = dates.parse_dates(values)
    for problem, rule in dates.PROBLEMS.items():
        mask = parsed.problem[problem]
        if mask.any():
            value = short(dates.first_value(values, mask))
            _require(mask, frame, table, column, f"{rule} ('{value}')", fix=dates.FIXES[problem])
    if required:
        _require(parsed.missing, frame, table, column, "is empty", fix="fill in the date")
    return pd.Series(parsed.as_datetime(), index=frame.index)


def _codes(frame: pd.DataFrame, table: str, column: str, codes: tuple[str, ...]) -> pd.Series:
    values = frame[column]
    found, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = pd.Series(uniques.astype(object), dtype=object).astype(str).str.strip()
    _require(found < 0, frame, table, column, "is empty", fix=f"use one of {', '.join(codes)}")
    where = pd.Index(codes).get_indexer(uniques)
    code = where[found]
    if (code < 0).any():
        shown = ", ".join(f"'{short(v)}'" for v in uniques[where < 0].head(_MAX_IDS))
        _require(
            code < 0,
            frame,
            table,
            column,
            f"has unknown codes ({shown})",
            fix=f"use one of {', '.join(codes)}",
        )
    return pd.Series(pd.Categorical.from_codes(code, categories=codes), index=frame.index)


def _numbers(frame: pd.DataFrame, table: str, column: str, whole: bool) -> pd.Series:
    values = frame[column]
    if values.dtype == object:
        flags = values.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
    else:
        flags = np.full(len(values), pd.api.types.is_bool_dtype(values))
    _require(
        flags,
        frame,
        table,
        column,
        "is true/false, not a number",
        fix="write the number (a flag is not a count)",
    )
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    _require((values.isna()).to_numpy(), frame, table, column, "is empty", fix="fill in a number")
    kind = "a whole number" if whole else "a number"
    bad = numbers.isna() | ~np.isfinite(numbers)
    if whole:
        bad |= numbers != np.round(numbers)
    _require(
        bad.to_numpy(),
        frame,
        table,
        column,
        f"is not {kind}",
        fix="write plain numbers with a dot as decimal separator",
    )
    _require(
        (numbers < 0).to_numpy(), frame, table, column, "is negative", fix="correct the values"
    )
    return numbers.astype("int64") if whole else numbers


def _booleans(frame: pd.DataFrame, table: str, column: str) -> pd.Series:
    values = frame[column]
    _require(
        values.isna().to_numpy(), frame, table, column, "is empty", fix="fill in true or false"
    )
    if pd.api.types.is_bool_dtype(values):
        return values.astype(bool)
    text = values.astype(str).str.strip().str.lower()
    flags = text.map(_BOOLEAN)
    _require(
        flags.isna().to_numpy(),
        frame,
        table,
        column,
        "is not true/false",
        fix="write true or false (or 1 or 0)",
    )
    return flags.astype(bool)


def _text(values: pd.Series) -> pd.Series:
    """Stripped strings, None where missing."""
    present = values.notna()
    text = values.astype(object).where(present, "").astype(str).str.strip()
    return text.where(present, None).astype(object)


# -- content rules -----------------------------------------------------------------------


def _check_persons(persons: pd.DataFrame) -> None:
    dup = persons["person_id"].duplicated(keep=False).to_numpy()
    _require(
        dup, persons, "persons", "person_id", "has duplicate ids", fix="keep one row per person"
    )
    offence = persons["index_offence_date"]
    _order(persons, "persons", "birth_date", ">", "index_offence_date", "correct the dates")
    oldest = pd.Timedelta(days=schema.MAX_AGE_AT_INDEX_YEARS * schema.DAYS_PER_YEAR)
    _require(
        ((offence - persons["birth_date"]) > oldest).to_numpy(),
        persons,
        "persons",
        "birth_date",
        f"is more than {schema.MAX_AGE_AT_INDEX_YEARS} years before persons.index_offence_date",
        fix="correct the birth dates (an age over "
        f"{schema.MAX_AGE_AT_INDEX_YEARS} at the index offence is not plausible)",
    )
    _order(
        persons, "persons", "index_disposal_date", "<", "index_offence_date", "correct the dates"
    )
    _order(
        persons,
        "persons",
        "index_release_date",
        "<",
        "index_disposal_date",
        "correct the dates or leave index_release_date empty",
    )
    for column in ("death_date", "emigration_date"):
        _require(
            (persons[column] < offence).to_numpy(),
            persons,
            "persons",
            column,
            "is before persons.index_offence_date",
            fix="correct the dates or drop those persons",
        )


def _check_cases(cases: pd.DataFrame, known: pd.Series) -> None:
    _require(
        positions(known, cases["person_id"]) < 0,
        cases,
        "cases",
        "person_id",
        "is not in persons",
        fix="add those persons to the persons table or drop their cases",
    )
    _order(cases, "cases", "disposal_date", "<", "offence_date", "correct the dates")


def _check_detentions(detentions: pd.DataFrame, known: pd.Series) -> None:
    if len(detentions) == 0:
        return
    _require(
        positions(known, detentions["person_id"]) < 0,
        detentions,
        "detentions",
        "person_id",
        "is not in persons",
        fix="add those persons to the persons table or drop their detentions",
    )
    _order(detentions, "detentions", "end", "<", "start", "correct the dates")
    ordered = detentions.sort_values(["person_id", "start", "end"], kind="stable")
    same = ordered["person_id"].to_numpy()[1:] == ordered["person_id"].to_numpy()[:-1]
    overlap = same & (ordered["start"].to_numpy()[1:] < ordered["end"].to_numpy()[:-1])
    mask = np.zeros(len(detentions), dtype=bool)
    mask[ordered.index.to_numpy()[1:][overlap]] = True
    mask[ordered.index.to_numpy()[:-1][overlap]] = True
    _require(
        mask,
        detentions,
        "detentions",
        "start",
        "overlaps another detention of the same person",
        fix="merge overlapping detentions into one",
    )


def _order(frame: pd.DataFrame, table: str, column: str, op: str, other: str, fix: str) -> None:
    a, b = frame[column], frame[other]
    mask = (a > b) if op == ">" else (a < b)
    word = "after" if op == ">" else "before"
    _require(mask.to_numpy(), frame, table, column, f"is {word} {table}.{other}", fix=fix)


def _require(
    mask: np.ndarray,
    frame: pd.DataFrame,
    table: str,
    column: str,
    rule: str,
    by: str = "person_id",
    fix: str = "",
) -> None:
    """Raise a ValidationError naming the rows where ``mask`` is true, if any."""
    n = int(np.count_nonzero(mask))
    if n == 0:
        return
    if by == "person_id":
        ids = frame["person_id"][mask].head(_MAX_IDS).tolist()
        label = "person_id"
    else:
        ids = (np.flatnonzero(mask)[:_MAX_IDS] + 1).tolist()
        label = "row"
    raise ValidationError(table, column, rule, n_rows=n, ids=ids, fix=fix, id_label=label)
