"""The registry tables on Dask: sources read as Dask DataFrames, partitions normalised.

Every rule is the in-memory gateway's (:mod:`recidive.validation`): a partition, a slice
or a bucket is checked and normalised as a small in-memory table. Two things make the
pieces agree with the whole:

- ``person_id`` and ``case_id`` get one dtype in every piece (:func:`as_id`): int64 when
  every id of the registry is a plain integer, else strings, as in memory.
- Dask's Arrow-backed text columns are turned back into what pandas infers in memory
  (:func:`plain`), so rules and dtypes see the values the in-memory path sees.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from recidive import schema
from recidive.dask._plumbing import import_dask, read_parquet
from recidive.errors import ValidationError
from recidive.registry import error_reason
from recidive.validation import check_structure as check_table_structure
from recidive.validation import normalise_table

SPECS = {"persons": schema.PERSONS, "cases": schema.CASES, "detentions": schema.DETENTIONS}
ID_COLUMNS = {"persons": ("person_id",), "cases": ("person_id", "case_id"),
              "detentions": ("person_id",)}  # fmt: skip
#: Rows of a partition that a task normalises, hashes or writes at a time.
SLICE_ROWS = 100_000


def dask_table(source, name: str, npartitions: int):
    """One registry table as a Dask DataFrame: a Parquet path, a Dask or a pandas DataFrame.

    A path is read a partition per row group (or per few small ones); a pandas DataFrame
    is split into ``npartitions`` partitions.
    """
    _, dd = import_dask()
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise ValidationError(name, None, f"path {path!r} does not exist", fix="check the path")
        try:
            return read_parquet(path)
        except Exception as exc:  # pyarrow raises many kinds
            raise ValidationError(
                name,
                None,
                f"path {path!r} is not a readable Parquet file or dataset ({error_reason(exc)})",
                fix="write the table as Parquet (one file or a directory of files)",
            ) from None
    if isinstance(source, pd.DataFrame):
        return dd.from_pandas(source, npartitions=npartitions, sort=False)
    if isinstance(source, dd.DataFrame):
        return source
    raise ValidationError(
        name,
        None,
        f"is not a table (got {type(source).__name__})",
        fix="pass a Dask or pandas DataFrame or a Parquet path",
    )


def check_structure(part: pd.DataFrame, name: str, allow_empty: bool = True) -> pd.DataFrame:
    """The gateway's structure checks of some rows of table ``name``."""
    return check_table_structure(plain(part), SPECS[name], allow_empty=allow_empty)


def normalise(part: pd.DataFrame, name: str) -> pd.DataFrame:
    """Some rows of table ``name``, checked and normalised by the gateway (ids as they come)."""
    return normalise_table(check_structure(part, name), SPECS[name])


def normalise_part(part: pd.DataFrame, name: str, int_ids: dict) -> pd.DataFrame:
    """Some rows of table ``name``, normalised, with the registry-wide id dtypes."""
    frame = normalise(part, name)
    for column in ID_COLUMNS[name]:
        frame[column] = as_id(frame[column], int_ids[column])
    return frame


def as_id(values: pd.Series, integer: bool) -> pd.Series:
    """Ids as int64 when every id of the registry is a plain integer, else as strings."""
    if integer:
        return values.astype(np.int64)
    return values if values.dtype == object else values.astype(str).astype(object)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Arrow-backed text columns (Dask's default) with the dtype pandas infers in memory.

    The values go through an object array and the Series constructor, as in the in-memory
    path: object columns with pandas 2, pandas' default string dtype with pandas 3.
    """
    text = [c for c, t in frame.dtypes.items() if isinstance(t, pd.StringDtype)]
    if not text:
        return frame
    return frame.assign(
        **{
            c: pd.Series(
                frame[c].astype(object).where(frame[c].notna(), None).to_numpy(),
                index=frame.index,
            )
            for c in text
        }
    )


def with_dtypes(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the columns and dtypes of ``meta`` (text columns as pandas infers them)."""
    meta = plain(meta)
    out = plain(frame)[list(meta.columns)]
    for column, dtype in meta.dtypes.items():
        if out[column].dtype != dtype:
            out[column] = out[column].astype(dtype)
    return out
