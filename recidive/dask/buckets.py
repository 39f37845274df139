"""The shuffle through disk: a Dask registry in person buckets, each built as one cohort.

Each partition of persons, cases and detentions is normalised, split into ``npartitions``
buckets by a hash of the normalised ``person_id`` (whose dtype is the same in every table)
and written to a scratch directory as Parquet, so that all rows of a person, and all
persons with one id, are in bucket ``i`` of every table. Dask's own shuffles keep their
output partitions in worker memory until every table is shuffled (and its p2p shuffle
buffers up to 1 GiB per worker by default); with a worker memory limit below the data, the
nanny killed the workers. Hence this shuffle through disk.

Each bucket triple then goes through ``validate_tables`` (the cross-table rules) and
the rules of :func:`recidive.build_cohort` (:func:`recidive.cohort.apply_rules`, without
the check that someone is left, which holds for the registry, not for a bucket) with the
registry-wide cut-off, and its cohort rows are written back to the scratch directory. The
attrition is the sum of the buckets' attrition tables by step, so persons analysed +
excluded = persons read, as in memory; the population selection is checked against the
values found in any bucket, as in memory against the whole registry; the rows
written to and read back from the buckets are counted against the rows of the registry, so
none is lost on the way.

Memory: a task holds one partition (a slice of rows at a time) or one bucket, never a
table; the bucket size is set by the registry (:mod:`recidive.dask.registry`).
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from recidive.cohort import apply_rules
from recidive.dask._plumbing import each_partition, import_dask, release_arrow_memory, row_slices
from recidive.dask.records import raise_first, record
from recidive.dask.tables import SLICE_ROWS, SPECS, as_id, normalise_part, plain, with_dtypes
from recidive.errors import RecidiveError, ValidationError
from recidive.population import values_found
from recidive.registry import validated_registry
from recidive.validation import validate_tables


def build_buckets(registry, scratch, metas: dict, rules, own) -> tuple[pd.DataFrame, dict]:
    """Write the registry in person buckets, build each bucket's cohort.

    Returns the summed attrition and, by population column, the selected values that some
    person of some bucket has.

    ``registry`` is a :class:`~recidive.dask.registry.DaskRegistry`, ``scratch`` the
    directory of the work files, ``metas`` the normalised tables' metadata and ``own`` the
    cut-off each bucket's registry carries. The cohort's persons and cases of bucket ``i``
    are written to ``scratch/<table>/part-<i>.parquet``.
    """
    dask, _ = import_dask()
    buckets = scratch / "registry"
    (written,) = dask.compute(_write_buckets(registry, buckets))
    _check_nothing_lost(
        {name: sum(int(c.sum()) for c in counts) for name, counts in written.items()},
        registry.n_rows,
        "written to its person buckets",
    )
    names = tuple(metas)
    args = (os.fspath(buckets), os.fspath(scratch), names, metas, rules, own, registry.int_ids)
    summaries = dask.compute(
        *[dask.delayed(_build_bucket)(i, *args) for i in range(registry.npartitions)]
    )
    raise_first([s["error"] for s in summaries])
    _check_nothing_lost(
        {name: sum(s["rows"][name] for s in summaries) for name in names},
        registry.n_rows,
        "read back from its person buckets",
    )
    shutil.rmtree(buckets, ignore_errors=True)
    found = {
        column: {v for s in summaries for v in s["found"].get(column, ())}
        for column in rules.population or {}
    }
    return _sum_attrition([s["attrition"] for s in summaries]), found


def cohort_tables(persons, cases, detentions, rules, own, int_ids):
    """``validate_tables`` and the cohort rules of one bucket triple.

    Returns the cohort's persons, cases and attrition, and the population values found
    (:func:`recidive.population.values_found`). With empty tables (the metadata), it gives
    the empty cohort tables and their dtypes.
    """
    tables = [plain(persons), plain(cases), None if detentions is None else plain(detentions)]
    p, c, d = validate_tables(*tables, allow_empty=True)
    for frame in (p, c, d):
        frame["person_id"] = as_id(frame["person_id"], int_ids["person_id"])
    c["case_id"] = as_id(c["case_id"], int_ids["case_id"])
    cohort = apply_rules(validated_registry(p, c, d, cutoff_date=own), rules)
    persons_out, cases_out = cohort.persons, cohort.cases
    persons_out["person_id"] = as_id(persons_out["person_id"], int_ids["person_id"])
    for column in ("person_id", "case_id"):
        cases_out[column] = as_id(cases_out[column], int_ids[column])
    return persons_out, cases_out, cohort.attrition, values_found(p, rules.population)


def _write_buckets(registry, directory) -> dict:
    """Lazy writes of each table, normalised and bucketed on ``person_id``, to ``directory``.

    ``directory/<table>/bucket-<i>/`` holds bucket ``i`` of the table, one file per
    partition. Each task returns its rows per bucket.
    """
    out = {}
    for name, table in registry.raw_tables.items():
        path = os.path.join(os.fspath(directory), name)
        args = (name, registry.int_ids, registry.npartitions, path)
        out[name] = each_partition(table, _write_partition_buckets, *args)
    return out


def _write_partition_buckets(part, name, int_ids, n_buckets, path, partition_info=None):
    """Normalise a partition of a table and write its rows by bucket: rows per bucket.

    A slice of rows at a time; bucket ``i`` goes to ``path/bucket-<i>/part-<j>.parquet``
    (one row group per slice). The bucket is a hash of the normalised ``person_id``, whose
    dtype is the same in every table (int64, or text when any id is not a plain integer).
    """
    j = partition_info["number"]
    counts = np.zeros(n_buckets, dtype=np.int64)
    schema, writers = None, {}
    try:
        for rows in row_slices(part, SLICE_ROWS):
            frame = normalise_part(rows, name, int_ids)
            ids = frame["person_id"].to_numpy()
            bucket = (pd.util.hash_array(ids) % np.uint64(n_buckets)).astype(np.int64)
            order = np.argsort(bucket, kind="stable")
            found = np.bincount(bucket, minlength=n_buckets)
            counts += found
            if schema is None:
                schema = _arrow_schema(frame)
            table = pa.Table.from_pandas(frame.iloc[order], schema=schema, preserve_index=False)
            bounds = np.concatenate([[0], np.cumsum(found)])
            for i in np.flatnonzero(found):
                if i not in writers:
                    os.makedirs(os.path.join(path, f"bucket-{i:05d}"), exist_ok=True)
                    target = os.path.join(path, f"bucket-{i:05d}", f"part-{j:05d}.parquet")
                    writers[i] = pq.ParquetWriter(target, schema)
                writers[i].write_table(table.slice(bounds[i], found[i]))
    finally:
        for writer in writers.values():
            writer.close()
        release_arrow_memory()
    return counts


def _arrow_schema(frame: pd.DataFrame) -> pa.Schema:
    """The Arrow schema of a normalised slice; a column of nothing but missing text is text."""
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    for k, field in enumerate(schema):
        if pa.types.is_null(field.type):
            schema = schema.set(k, field.with_type(pa.string()))
    return schema


def _build_bucket(i, buckets, scratch, names, metas, rules, own, int_ids) -> dict:
    """Read bucket ``i`` of every table, validate it, build its cohort and write the rows.

    Returns the bucket's attrition, the rows read per table and a ValidationError record
    (``error``; None when the bucket passes).
    """
    tables = {name: _read_bucket(buckets, name, i, metas[name]) for name in names}
    release_arrow_memory()
    rows = {name: len(frame) for name, frame in tables.items()}
    try:
        persons, cases, attrition, found = cohort_tables(
            *(tables.get(t) for t in SPECS), rules, own, int_ids
        )
    except ValidationError as err:
        return {"error": record(err), "rows": rows, "attrition": None, "found": {}}
    for table, frame in (("persons", persons), ("cases", cases)):
        os.makedirs(os.path.join(scratch, table), exist_ok=True)
        frame.to_parquet(os.path.join(scratch, table, f"part-{i:05d}.parquet"), index=False)
    release_arrow_memory()
    return {"error": None, "rows": rows, "attrition": attrition, "found": found}


def _read_bucket(buckets: str, name: str, i: int, meta: pd.DataFrame) -> pd.DataFrame:
    """Bucket ``i`` of one table (written by :func:`_write_buckets`), with meta's dtypes."""
    path = os.path.join(buckets, name, f"bucket-{i:05d}")
    if not os.path.isdir(path):  # no row of any partition hashed to this bucket
        return plain(meta.iloc[:0].copy())
    return with_dtypes(pd.read_parquet(path), meta)


def _check_nothing_lost(counted: dict[str, int], n_rows: dict[str, int], where: str) -> None:
    """The rows counted on the way through the buckets are the rows of the registry."""
    for name, expected in n_rows.items():
        if counted[name] != expected:
            raise RecidiveError(
                f"{name}: {expected} rows in the registry but {counted[name]} {where}; "
                "was the scratch directory changed while the cohort was built?"
            )


def _sum_attrition(frames: list[pd.DataFrame]) -> pd.DataFrame:
    first = frames[0]
    counts = ["n_before", "n_after", "n_excluded"]
    total = sum(f[counts].to_numpy(dtype=np.int64) for f in frames)
    out = first.copy()
    out[counts] = total
    return out
