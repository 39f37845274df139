"""A catalogue of bad registry inputs and the exact message each must give.

Each entry turns the valid ``good_tables`` (conftest) into a bad input for
``Registry.from_files``: a dict of DataFrames and/or file paths. ``{tmp}`` in a
message stands for the test's temporary directory. Entries with ``cli=False`` cannot
be written as CSV files (they exist only as Python objects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Bad:
    id: str
    make: Callable[[dict, Path], dict]
    message: str
    cli: bool = True


def _set(table: str, column: str, row: int, value) -> Callable[[dict, Path], dict]:
    def make(tables: dict, tmp: Path) -> dict:
        frame = tables[table].copy()
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return {**tables, table: frame}

    return make


def _file(name: str, content: bytes, table: str = "persons") -> Callable[[dict, Path], dict]:
    def make(tables: dict, tmp: Path) -> dict:
        path = tmp / name
        path.write_bytes(content)
        return {**tables, table: path}

    return make


def _semicolons(tables: dict, tmp: Path) -> dict:
    path = tmp / "persons.csv"
    tables["persons"].to_csv(path, sep=";", index=False)
    return {**tables, "persons": path}


def _drop(table: str, column: str) -> Callable[[dict, Path], dict]:
    return lambda tables, tmp: {**tables, table: tables[table].drop(columns=column)}


def _header_only(tables: dict, tmp: Path) -> dict:
    return {**tables, "persons": tables["persons"].iloc[:0]}


def _missing_file(tables: dict, tmp: Path) -> dict:
    return {**tables, "cases": tmp / "nope.csv"}


def _overlap(tables: dict, tmp: Path) -> dict:
    extra = pd.DataFrame({"person_id": [3], "start": ["2016-02-01"], "end": ["2016-04-01"]})
    return {**tables, "detentions": pd.concat([tables["detentions"], extra], ignore_index=True)}


PERSONS_NEED = (
    "person_id, sex, birth_date, index_offence_date, index_disposal_date, "
    "exploitation_form, prior_cases"
)
NOT_DATES = "has values that are not dates written YYYY-MM-DD"
PARTIAL = "has partial dates (a year, or a year and month, without the day)"
OUT_OF_RANGE = "has dates outside the years 1900-2100"
RANGE_FIX = "correct the dates (a typing error, or a placeholder for an unknown date?)"
LONG_ID = "x" * 1_000_000  # a 1 MB id: a message shows 39 characters and an ellipsis


def _parquet(table: str, **columns) -> Callable[[dict, Path], dict]:
    """The table as a Parquet file with ``columns`` replaced (lists, structs, booleans)."""

    def make(tables: dict, tmp: Path) -> dict:
        path = tmp / f"{table}.parquet"
        tables[table].assign(**columns).to_parquet(path, index=False)
        return {**tables, table: path}

    return make


def _duplicate_header(tables: dict, tmp: Path) -> dict:
    # pandas would read the second death_date as death_date.1 and ignore it
    frame = tables["persons"].assign(extra=["2019-01-01", None, None])
    path = tmp / "persons.csv"
    frame.rename(columns={"extra": "death_date"}).to_csv(path, index=False)
    return {**tables, "persons": path}


BAD = [
    Bad(
        "missing table",
        lambda t, tmp: {**t, "persons": None},
        "persons table is missing; pass a persons DataFrame or file",
        cli=False,
    ),
    Bad(
        "not a table",
        lambda t, tmp: {**t, "cases": [1, 2, 3]},
        "cases is not a table (got list); pass a pandas DataFrame or a CSV or Parquet file",
        cli=False,
    ),
    Bad(
        "missing column",
        _drop("persons", "birth_date"),
        f"persons.birth_date column is missing; the persons table needs the columns {PERSONS_NEED}",
    ),
    Bad(
        "missing columns",
        lambda t, tmp: {**t, "persons": t["persons"].drop(columns=["sex", "prior_cases"])},
        "persons.sex column is missing (as are prior_cases); the persons table needs the "
        f"columns {PERSONS_NEED}",
    ),
    Bad(
        "file does not exist",
        _missing_file,
        "cases file '{tmp}/nope.csv' does not exist; check the path",
    ),
    Bad(
        "binary file",
        _file("persons.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01"),
        "persons file '{tmp}/persons.csv' is not a readable CSV table (binary content); "
        "export the table as comma-separated UTF-8 CSV or as Parquet",
    ),
    Bad(
        "not parquet",
        _file("persons.parquet", b"person_id,sex\n1,M\n"),
        "persons file '{tmp}/persons.parquet' is not a readable Parquet table",
    ),
    Bad(
        "not utf-8",
        _file("persons.csv", "person_id,sex\n1,\xe9\xe8\n".encode("latin-1")),
        "persons file '{tmp}/persons.csv' is not a readable CSV table",
    ),
    Bad(
        "semicolon separated",
        _semicolons,
        "persons has one column named 'person_id;sex;birth_date;index_offence_…': the file "
        "looks separated by ';'; use comma-separated values (or read the file with "
        "pandas.read_csv(path, sep=';') and pass the DataFrame)",
    ),
    Bad(
        "empty file",
        _file("persons.csv", b""),
        "persons file '{tmp}/persons.csv' is empty; check that the persons table was "
        "exported completely",
    ),
    Bad(
        "header only",
        _header_only,
        "persons has no rows (empty or header only); check that the persons table was "
        "exported completely",
    ),
    Bad(
        "duplicate person ids",
        _set("persons", "person_id", 1, 1),
        "persons.person_id has duplicate ids in 2 rows (person_id 1, 1); keep one row per person",
    ),
    Bad(
        "empty person id",
        _set("persons", "person_id", 1, None),
        "persons.person_id is empty in 1 row (row 2); give every row an id",
    ),
    Bad(
        "empty case id",
        _set("cases", "case_id", 2, ""),
        "cases.case_id is empty in 1 row (row 3); give every row an id",
    ),
    Bad(
        "case of unknown person",
        _set("cases", "person_id", 0, 9),
        "cases.person_id is not in persons in 1 row (person_id 9); add those persons to the "
        "persons table or drop their cases",
    ),
    Bad(
        "detention of unknown person",
        _set("detentions", "person_id", 0, 7),
        "detentions.person_id is not in persons in 1 row (person_id 7); add those persons to "
        "the persons table or drop their detentions",
    ),
    Bad(
        "unparseable date",
        _set("persons", "birth_date", 1, "01-02-1980"),
        f"persons.birth_date {NOT_DATES} ('01-02-1980') in 1 row (person_id 2); "
        "write dates as YYYY-MM-DD",
    ),
    Bad(
        "unparseable case date",
        _set("cases", "offence_date", 0, "2016-02-30"),
        f"cases.offence_date {NOT_DATES} ('2016-02-30') in 1 row (person_id 1); "
        "write dates as YYYY-MM-DD",
    ),
    Bad(
        "month-first or day-first date",
        _set("cases", "disposal_date", 2, "06/05/2017"),
        f"cases.disposal_date {NOT_DATES} ('06/05/2017') in 1 row (person_id 2); "
        "write dates as YYYY-MM-DD",
    ),
    Bad(
        "year only",
        _set("persons", "birth_date", 0, "1981"),
        f"persons.birth_date {PARTIAL} ('1981') in 1 row (person_id 1); write full dates as "
        "YYYY-MM-DD",
    ),
    Bad(
        "year and month only",
        _set("cases", "offence_date", 1, "2017-05"),
        f"cases.offence_date {PARTIAL} ('2017-05') in 1 row (person_id 2); write full dates as "
        "YYYY-MM-DD",
    ),
    Bad(
        "year 2999",
        _set("cases", "disposal_date", 0, "2999-01-01"),
        f"cases.disposal_date {OUT_OF_RANGE} ('2999-01-01') in 1 row (person_id 1); {RANGE_FIX}",
    ),
    Bad(
        "year 1500",
        _set("persons", "birth_date", 2, "1500-03-01"),
        f"persons.birth_date {OUT_OF_RANGE} ('1500-03-01') in 1 row (person_id 3); {RANGE_FIX}",
    ),
    Bad(
        "birth year 1800",
        _set("persons", "birth_date", 1, "1800-05-05"),
        f"persons.birth_date {OUT_OF_RANGE} ('1800-05-05') in 1 row (person_id 2); {RANGE_FIX}",
    ),
    Bad(
        "age over 100 at the index offence",
        _set("persons", "birth_date", 1, "1912-01-01"),
        "persons.birth_date is more than 100 years before persons.index_offence_date in 1 row "
        "(person_id 2); correct the birth dates (an age over 100 at the index offence is not "
        "plausible)",
    ),
    Bad(
        "dates as numbers",
        lambda t, tmp: {**t, "persons": t["persons"].assign(birth_date=19800101)},
        f"persons.birth_date {NOT_DATES} ('19800101') in 3 rows (person_id 1, 2, 3); "
        "write dates as YYYY-MM-DD",
    ),
    Bad(
        "datetime column out of range",
        _parquet("cases", offence_date=pd.to_datetime(["2016-01-01", "2150-05-05", "2017-05-05"])),
        f"cases.offence_date {OUT_OF_RANGE} ('2150-05-05",
    ),
    Bad(
        "duplicate CSV header",
        _duplicate_header,
        "persons.death_date appears more than once in the header of '{tmp}/persons.csv'; "
        "keep one column per name",
    ),
    Bad(
        "duplicate DataFrame columns",
        lambda t, tmp: {**t, "cases": pd.concat([t["cases"], t["cases"][["is_crime"]]], axis=1)},
        "cases.is_crime appears more than once as a column; keep one column per name",
        cli=False,
    ),
    Bad(
        "Parquet column of lists",
        _parquet("persons", prior_cases=[[1, 2], [3], []]),
        "persons.prior_cases holds lists or records, not single values in 3 rows (row 1, 2, 3); "
        "give one value per cell (flatten or drop the column)",
    ),
    Bad(
        "Parquet column of records",
        _parquet("cases", offence_category=[{"code": "property"}] * 3),
        "cases.offence_category holds lists or records, not single values in 3 rows "
        "(row 1, 2, 3); give one value per cell (flatten or drop the column)",
    ),
    Bad(
        "extra column of lists",
        _parquet("persons", aliases=[["a"], ["b", "c"], None]),
        "persons.aliases holds lists or records, not single values in 2 rows (row 1, 2); give "
        "one value per cell (flatten or drop the column)",
    ),
    Bad(
        "Parquet boolean count",
        _parquet("persons", prior_cases=[True, False, True]),
        "persons.prior_cases is true/false, not a number in 3 rows (person_id 1, 2, 3); write "
        "the number (a flag is not a count)",
    ),
    Bad(
        "boolean among counts",
        _set("persons", "prior_cases", 1, True),
        "persons.prior_cases is true/false, not a number in 1 row (person_id 2); write the "
        "number (a flag is not a count)",
        cli=False,
    ),
    Bad(
        "boolean penalty",
        _parquet("cases", max_penalty_years=[True, True, False]),
        "cases.max_penalty_years is true/false, not a number in 3 rows (person_id 1, 2, 2); "
        "write the number (a flag is not a count)",
    ),
    Bad(
        "a 1 MB id",
        _set("cases", "person_id", 1, LONG_ID),
        f"cases.person_id is not in persons in 1 row (person_id {'x' * 39}…); add those persons",
    ),
    Bad(
        "a 1 MB code",
        _set("persons", "sex", 0, "y" * 1_000_000),
        f"persons.sex has unknown codes ('{'y' * 39}…') in 1 row (person_id 1); use one of M, F",
    ),
    Bad(
        "empty required date",
        _set("persons", "index_offence_date", 2, None),
        "persons.index_offence_date is empty in 1 row (person_id 3); fill in the date",
    ),
    Bad(
        "birth after index offence",
        _set("persons", "birth_date", 0, "2014-06-01"),
        "persons.birth_date is after persons.index_offence_date in 1 row (person_id 1); "
        "correct the dates",
    ),
    Bad(
        "disposal before index offence",
        _set("persons", "index_disposal_date", 1, "2013-12-31"),
        "persons.index_disposal_date is before persons.index_offence_date in 1 row "
        "(person_id 2); correct the dates",
    ),
    Bad(
        "release before disposal",
        _set("persons", "index_release_date", 0, "2014-12-31"),
        "persons.index_release_date is before persons.index_disposal_date in 1 row "
        "(person_id 1); correct the dates or leave index_release_date empty",
    ),
    Bad(
        "death before index offence",
        _set("persons", "death_date", 2, "2013-01-01"),
        "persons.death_date is before persons.index_offence_date in 1 row (person_id 3); "
        "correct the dates or drop those persons",
    ),
    Bad(
        "emigration before index offence",
        _set("persons", "emigration_date", 1, "2010-01-01"),
        "persons.emigration_date is before persons.index_offence_date in 1 row (person_id 2); "
        "correct the dates or drop those persons",
    ),
    Bad(
        "case disposed before offence",
        _set("cases", "disposal_date", 1, "2017-01-01"),
        "cases.disposal_date is before cases.offence_date in 1 row (person_id 2); "
        "correct the dates",
    ),
    Bad(
        "negative count",
        _set("persons", "prior_cases", 2, -1),
        "persons.prior_cases is negative in 1 row (person_id 3); correct the values",
    ),
    Bad(
        "count not a number",
        _set("persons", "prior_cases", 0, "twee"),
        "persons.prior_cases is not a whole number in 1 row (person_id 1); write plain "
        "numbers with a dot as decimal separator",
    ),
    Bad(
        "negative penalty",
        _set("cases", "max_penalty_years", 0, -4),
        "cases.max_penalty_years is negative in 1 row (person_id 1); correct the values",
    ),
    Bad(
        "decimal comma",
        _set("cases", "max_penalty_years", 0, "4,5"),
        "cases.max_penalty_years is not a number in 1 row (person_id 1); write plain "
        "numbers with a dot as decimal separator",
    ),
    Bad(
        "is_crime not boolean",
        _set("cases", "is_crime", 1, "maybe"),
        "cases.is_crime is not true/false in 1 row (person_id 2); write true or false (or 1 or 0)",
    ),
    Bad(
        "unknown offence category",
        _set("cases", "offence_category", 2, "theft"),
        "cases.offence_category has unknown codes ('theft') in 1 row (person_id 2); use one "
        "of property, violence, sexual, drugs, human_trafficking, public_order, traffic, "
        "weapons, other",
    ),
    Bad(
        "unknown disposal",
        _set("cases", "disposal", 0, "pardon"),
        "cases.disposal has unknown codes ('pardon') in 1 row (person_id 1); use one of "
        "conviction, penal_order, transaction, policy_dismissal, technical_dismissal, "
        "acquittal, discharge",
    ),
    Bad(
        "unknown exploitation form",
        _set("persons", "exploitation_form", 0, "sexual"),
        "persons.exploitation_form has unknown codes ('sexual') in 1 row (person_id 1); use "
        "one of binnenlands_seksueel, grensoverschrijdend_seksueel, arbeid, crimineel, overig",
    ),
    Bad(
        "unknown sex code",
        _set("persons", "sex", 2, "X"),
        "persons.sex has unknown codes ('X') in 1 row (person_id 3); use one of M, F",
    ),
    Bad(
        "detention ends before it starts",
        _set("detentions", "end", 0, "2015-12-01"),
        "detentions.end is before detentions.start in 1 row (person_id 3); correct the dates",
    ),
    Bad(
        "overlapping detentions",
        _overlap,
        "detentions.start overlaps another detention of the same person in 2 rows "
        "(person_id 3, 3); merge overlapping detentions into one",
    ),
]
