"""Cohorts of registries larger than memory: ``DaskRegistry`` and ``DaskCohort``.

The registry tables are Dask DataFrames or Parquet datasets. Nothing here re-implements a
rule: the in-memory validation gateway and :func:`recidive.build_cohort` run on each *bucket*
of persons of the registry, and the results are put together.

How
    1. At construction (:class:`DaskRegistry`), one pass over each table as it lies, partition
       by partition, no shuffle: structure and dtypes are checked by the gateway
       (``recidive.validation``), and each partition returns its row count, its latest date,
       whether its ids are plain integers and a digest of its normalised rows.
    2. In :func:`build_dask_cohort`, each partition of persons, cases and detentions is
       normalised, split into ``npartitions`` buckets by a hash of the normalised
       ``person_id`` (whose dtype is the same in every table) and written to a scratch
       directory as Parquet, so that all rows of a person, and all persons with one id, are
       in bucket ``i`` of every table. This is a shuffle through disk. Dask's own shuffles
       keep their output partitions in worker memory until every table is shuffled (and its
       p2p shuffle buffers up to 1 GiB per worker by default); with a worker memory limit
       below the data, the nanny killed the workers. Each bucket triple then goes through
       ``validate_tables`` (the cross-table rules) and ``build_cohort`` with the
       registry-wide cut-off, and its cohort rows are written back to the scratch directory.
       ``attrition`` is the sum of the buckets' attrition tables by step, so persons
       analysed + excluded = persons read, as in memory; the rows written to and read back
       from the buckets are counted against the rows of the registry, so none is lost on
       the way.
    3. ``cohort.persons`` and ``cohort.cases`` are lazy Dask frames over the cohort files.
       The bucketed registry is removed once the cohort is built (or fails), the cohort
       files when no frame that reads them is left (see ``recidive._scratch``).

Memory
    A task holds one partition (read and worked on in the same task, a slice of
    :data:`_SLICE_ROWS` rows at a time) or one bucket, never a table. Reading a Parquet
    row group takes about five times its size in pandas, so a Parquet path is read a row
    group per partition (small row groups together, up to 4 MiB uncompressed); a file
    written with row groups of 10^6 rows wants workers of about 1 GiB. Buckets hold at most
    125,000 persons, and fewer when a quarter of the smallest worker memory limit does not
    hold 3 KB a person. Nothing depends on the total size of the registry.

What is the same as in memory
    ``cohort.persons`` and ``cohort.cases`` hold the same rows (in another order),
    ``attrition`` and ``cutoff_date`` are equal, and the rates of
    :func:`recidive.recidivism_rates` and :func:`recidive.age_profile` agree to 1e-12.
    ``person_id`` and ``case_id`` are int64 when every id in the registry is a plain
    integer, else strings, as in memory.

What is not
    ``fingerprint`` is a digest of the multiset of normalised rows (row hashes summed
    modulo 2**64, per table): it does not depend on row order or partitioning, but it is not
    the in-memory ``Registry.fingerprint`` of the same data. A validation error is raised as
    one :class:`~recidive.errors.ValidationError`: the rule that fails in the first failing
    partition (or bucket), with the number of rows (and the first ids) summed over every
    partition that fails on that rule. A partition that fails an earlier-checked rule first
    is not counted, so after a correction the next run may show further rows.

Dask is optional: it is imported when a ``DaskRegistry`` is made, never by ``import recidive``.
"""

from __future__ import annotations

import operator
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive import schema
from recidive._arguments import check_date
from recidive._scratch import ScratchDir, check_workers_share
from recidive.cohort import Cohort, build_cohort, resolve_cutoff
from recidive.errors import ArgumentError, RecidiveError, ValidationError
from recidive.estimation._dask import (
    each_partition,
    import_dask,
    read_parquet,
    release_arrow_memory,
    row_slices,
    smallest_worker_memory,
)
from recidive.registry import Registry, _reason
from recidive.rules import CohortRules
from recidive.validation import (
    check_structure,
    normalise_table,
    validate_tables,
)

_SPECS = {"persons": schema.PERSONS, "cases": schema.CASES, "detentions": schema.DETENTIONS}
_ID_COLUMNS = {"persons": ("person_id",), "cases": ("person_id", "case_id"),
               "detentions": ("person_id",)}  # fmt: skip
_MASK = (1 << 64) - 1
# rows of a partition that a task normalises, hashes or writes at a time
_SLICE_ROWS = 100_000
_PERSONS_PER_BUCKET = 125_000
# bytes per person a bucket's task may take (reading, validating, building and writing a
# bucket measured about 1 KB a person; the rest is room for what a worker keeps from earlier
# tasks), and the share of a worker's memory limit one bucket may take
_BYTES_PER_PERSON = 3_000
_WORKER_SHARE = 1 / 4


class DaskRegistry:
    """Registry tables as Dask DataFrames or Parquet datasets, for :func:`recidive.build_cohort`.

    Parameters
    ----------
    persons, cases : dask.dataframe.DataFrame, pandas.DataFrame, str or path
        The tables of DESIGN section 2: a Dask DataFrame, or the path of a Parquet file or
        of a directory of Parquet files (read with ``dask.dataframe.read_parquet``, a
        partition per row group, or per few row groups up to 4 MiB of uncompressed data). A
        pandas DataFrame is split into ``npartitions`` partitions. Each task holds one
        partition: a Dask DataFrame's partitions (or a file's row groups) must fit a
        worker's memory a few times over.
    detentions : same, optional
        Detention periods; None if not available.
    cutoff_date : date-like, optional
        The data cut-off, as for :class:`recidive.Registry`.
    npartitions : int, optional
        Person buckets that ``build_cohort`` makes (each is validated and built as one
        in-memory registry); default the largest number of partitions of the three tables,
        and at least one bucket per 125,000 persons, or per as many persons as a quarter of
        the smallest worker memory limit holds at 3 KB a person.
    scratch_dir : str or path, optional
        Where ``build_cohort`` writes its work files (the bucketed registry, then the cohort)
        as Parquet; a new subdirectory is made in it and removed when no longer used. Default
        Dask's ``temporary-directory``, else the system's temporary directory. On a cluster
        whose workers run on several machines it must be a directory every worker can read
        and write (a shared filesystem).

    Attributes
    ----------
    persons, cases, detentions : dask.dataframe.DataFrame
        Normalised tables (lazy), with the dtypes of :class:`recidive.Registry`.
    cutoff_date, latest_date : pandas.Timestamp
        As for :class:`recidive.Registry`.
    fingerprint : str
        16 hex digits over the multiset of normalised rows: independent of row order and
        partitioning, but not equal to ``Registry.fingerprint`` of the same data.
    n_rows : dict
        Rows per table.

    Raises
    ------
    recidive.errors.ValidationError
        For a missing path and for structure and dtype rules (missing columns, unparseable
        dates, unknown codes, ...), found in a first pass over the tables. The rules across
        rows and tables (duplicate ids, cases of unknown persons, dates out of order,
        overlapping detentions) are checked by ``build_cohort``, on person-aligned partitions.

    Notes
    -----
    Needs ``pip install 'recidive[dask]'``. Work runs on the active Dask scheduler: a
    ``distributed.Client`` if one is active.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import recidive as rc
    >>> from recidive.cohort_dask import DaskRegistry
    >>> reg = rc.datasets.reference_registry(n_persons=1000, seed=1)
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("persons", "cases", "detentions"):
    ...     getattr(reg, name).to_parquet(tmp / f"{name}.parquet")
    >>> big = DaskRegistry(tmp / "persons.parquet", tmp / "cases.parquet",
    ...                    tmp / "detentions.parquet", cutoff_date=reg.cutoff_date)
    >>> cohort = rc.build_cohort(big)
    >>> cohort.attrition.equals(rc.build_cohort(reg).attrition)
    True
    >>> rates = rc.recidivism_rates(cohort, ["general"], horizons=(2,))
    """

    def __init__(
        self,
        persons,
        cases,
        detentions=None,
        cutoff_date: object = None,
        npartitions: int | None = None,
        scratch_dir: str | os.PathLike | None = None,
    ) -> None:
        dask, _ = import_dask()
        self.scratch_dir = scratch_dir
        self._cutoff_date = check_date(cutoff_date, "cutoff_date")
        raw = {"persons": persons, "cases": cases, "detentions": detentions}
        default = npartitions if isinstance(npartitions, int) and npartitions > 0 else 1
        self._raw = {
            name: _dask_table(source, name, default)
            for name, source in raw.items()
            if source is not None or name != "detentions"
        }
        if npartitions is not None and (
            isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1
        ):
            raise ArgumentError(f"npartitions must be a whole number >= 1, not {npartitions!r}")
        for name, table in self._raw.items():  # missing columns etc., as in memory
            check_structure(_plain(table._meta), _SPECS[name], allow_empty=True)
        surveys = dask.compute(
            {name: each_partition(table, _survey, name) for name, table in self._raw.items()}
        )[0]
        _raise_first([e for name in surveys for s in surveys[name] for e in s["errors"]])
        self.n_rows = {name: sum(s["rows"] for s in surveys[name]) for name in surveys}
        for name in ("persons", "cases"):
            if self.n_rows[name] == 0:  # the gateway's own message
                check_structure(_plain(self._raw[name]._meta), _SPECS[name])
        every = [s for name in surveys for s in surveys[name]]
        self._int_ids = {
            "person_id": all(s["int_ids"].get("person_id", True) for s in every),
            "case_id": all(s["int_ids"].get("case_id", True) for s in surveys["cases"]),
        }
        dates = [s["latest"] for s in every if pd.notna(s["latest"])]
        self._latest = max(dates) if dates else pd.NaT
        self._fingerprint = _combine_digests(surveys)
        if npartitions is None:
            most = max(t.npartitions for t in self._raw.values())
            npartitions = max(most, -(-self.n_rows["persons"] // _persons_per_bucket()))
        self.npartitions = npartitions

    @property
    def persons(self):
        """The persons table, normalised (a lazy Dask DataFrame)."""
        return self._normalised("persons")

    @property
    def cases(self):
        """The cases table, normalised (a lazy Dask DataFrame)."""
        return self._normalised("cases")

    @property
    def detentions(self):
        """The detentions table, normalised (a lazy Dask DataFrame; None when none was given)."""
        return self._normalised("detentions") if "detentions" in self._raw else None

    @property
    def cutoff_date(self) -> pd.Timestamp | None:
        """The data cut-off given at construction, or None."""
        return self._cutoff_date

    @property
    def latest_date(self) -> pd.Timestamp:
        """The latest date in any date column (but ``birth_date``) of any table."""
        return self._latest

    @property
    def fingerprint(self) -> str:
        """16 hex digits over the multiset of normalised rows (see the class docstring)."""
        return self._fingerprint

    def __repr__(self) -> str:
        cutoff = "None" if self._cutoff_date is None else self._cutoff_date.date().isoformat()
        rows = ", ".join(f"{k}={v}" for k, v in self.n_rows.items())
        return (
            f"DaskRegistry({rows}, npartitions={self.npartitions}, cutoff_date={cutoff}, "
            f"fingerprint={self._fingerprint!r})"
        )

    def _normalised(self, name: str):
        table = self._raw[name]
        meta = _normalise_part(table._meta, name, self._int_ids)
        return table.map_partitions(_normalise_part, name, self._int_ids, meta=meta)

    def _write_buckets(self, directory) -> dict:
        """Lazy writes of each table, normalised and bucketed on ``person_id``, to ``directory``.

        ``directory/<table>/bucket-<i>/`` holds bucket ``i`` of the table, one file per
        partition. Each task returns its rows per bucket.
        """
        out = {}
        for name, table in self._raw.items():
            path = os.path.join(os.fspath(directory), name)
            args = (name, self._int_ids, self.npartitions, path)
            out[name] = each_partition(table, _write_partition_buckets, *args)
        return out


@dataclass(frozen=True, eq=False)
class DaskCohort:
    """A cohort whose person and case rows are Dask DataFrames (made by ``build_cohort``).

    The attributes of :class:`recidive.Cohort`: ``persons`` and ``cases`` are Dask
    DataFrames with the columns and dtypes of the in-memory cohort (rows in another order);
    (text ids come as Dask's Arrow string dtype under its default
    ``dataframe.convert-string`` setting; :meth:`compute` gives the in-memory dtypes);
    ``attrition`` (pandas), ``rules``, ``cutoff_date``, ``fingerprint`` (the
    :class:`DaskRegistry` fingerprint) and ``criteria`` are in memory.
    :func:`recidive.recidivism_rates` and :func:`recidive.age_profile` accept it.
    """

    persons: object
    attrition: pd.DataFrame
    cases: object
    rules: CohortRules
    cutoff_date: pd.Timestamp
    fingerprint: str
    criteria: tuple[str, ...]

    def survival_frame(self, criterion: str = "general"):
        """The person covariates plus ``days`` and ``event`` for one criterion (Dask)."""
        return self._per_partition("survival_frame", criterion)

    def survival_long(self, criteria: Sequence[str] | None = None):
        """Survival frames of several criteria stacked, with a ``criterion`` column (Dask).

        Each partition is stacked as in memory, so the frame is stacked within partitions.
        """
        criteria = self.criteria if criteria is None else tuple(criteria)
        return self._per_partition("survival_long", criteria)

    def compute(self) -> Cohort:
        """The cohort in memory (a :class:`recidive.Cohort`), if it fits."""
        import dask

        persons, cases = dask.compute(self.persons, self.cases)
        return Cohort(
            _plain(persons).reset_index(drop=True),
            self.attrition.copy(),
            _plain(cases).reset_index(drop=True),
            self.rules,
            self.cutoff_date,
            self.fingerprint,
            self.criteria,
        )

    def _per_partition(self, method: str, argument):
        fields = (self.rules, self.cutoff_date, self.fingerprint, self.criteria)
        meta = _cohort_method(self.persons._meta, method, argument, fields)
        return self.persons.map_partitions(_cohort_method, method, argument, fields, meta=meta)


def build_dask_cohort(registry: DaskRegistry, rules: CohortRules | None = None) -> DaskCohort:
    """:func:`recidive.build_cohort` of a :class:`DaskRegistry` (``build_cohort`` calls this).

    Parameters
    ----------
    registry : DaskRegistry
    rules : CohortRules, optional

    Returns
    -------
    DaskCohort
        ``persons`` and ``cases`` read the cohort files in the registry's scratch directory.

    Raises
    ------
    recidive.errors.ValidationError
        For any rule of the data contract broken in any bucket (see the module docstring).
    recidive.errors.ArgumentError
        As :func:`recidive.build_cohort`; and when the workers of the active
        ``distributed`` client run on several machines but no ``scratch_dir`` was given.
    """
    dask, dd = import_dask()
    rules = CohortRules() if rules is None else rules
    if not isinstance(rules, CohortRules):
        raise ArgumentError(f"rules must be a recidive.CohortRules, not {type(rules).__name__}")
    cutoff = resolve_cutoff(registry, rules)
    if pd.isna(cutoff):
        raise ValidationError("persons", None, "has no dates", fix="check the tables")
    # the cut-off a bucket's Registry carries so that build_cohort finds `cutoff`
    own = registry.cutoff_date
    if own is None and rules.cutoff_date is None:
        own = cutoff
    check_workers_share(registry.scratch_dir)
    scratch = ScratchDir(registry.scratch_dir)
    names = tuple(registry._raw)
    metas = {name: registry._normalised(name)._meta for name in names}
    try:
        attrition = _build_buckets(registry, scratch, metas, rules, own)
    except BaseException:
        scratch.remove()
        raise

    meta = _build_tables(*(metas.get(t) for t in _SPECS), rules, own, registry._int_ids)
    persons, cases = (
        dd.from_map(
            _read_cohort_file,
            [scratch / table / f"part-{i:05d}.parquet" for i in range(registry.npartitions)],
            args=(frame, scratch),
            meta=frame,
            label=f"recidive-cohort-{table}",
        )
        for table, frame in zip(("persons", "cases"), meta[:2], strict=True)
    )
    return DaskCohort(
        persons=persons,
        attrition=attrition,
        cases=cases,
        rules=rules,
        cutoff_date=cutoff,
        fingerprint=registry.fingerprint,
        criteria=tuple(rules.criteria),
    )


def _persons_per_bucket() -> int:
    """:data:`_PERSONS_PER_BUCKET`, fewer when a quarter of a worker's memory cannot hold them."""
    limit = smallest_worker_memory()
    if limit is None:
        return _PERSONS_PER_BUCKET
    return max(1_000, min(_PERSONS_PER_BUCKET, int(limit * _WORKER_SHARE / _BYTES_PER_PERSON)))


def _build_buckets(registry: DaskRegistry, scratch, metas: dict, rules, own) -> pd.DataFrame:
    """Write the registry in person buckets, build each bucket's cohort: the summed attrition."""
    import dask

    buckets = scratch / "registry"
    (written,) = dask.compute(registry._write_buckets(buckets))
    _check_nothing_lost(
        {name: sum(int(c.sum()) for c in counts) for name, counts in written.items()},
        registry.n_rows,
        "written to its person buckets",
    )
    names = tuple(metas)
    args = (os.fspath(buckets), os.fspath(scratch), names, metas, rules, own, registry._int_ids)
    summaries = dask.compute(
        *[dask.delayed(_build_bucket)(i, *args) for i in range(registry.npartitions)]
    )
    _raise_first([s["error"] for s in summaries])
    _check_nothing_lost(
        {name: sum(s["rows"][name] for s in summaries) for name in names},
        registry.n_rows,
        "read back from its person buckets",
    )
    shutil.rmtree(buckets, ignore_errors=True)
    return _sum_attrition([s["attrition"] for s in summaries])


# -- per partition -------------------------------------------------------------------------


def _survey(part: pd.DataFrame, name: str) -> dict:
    """Rows, latest date, plain-integer ids and row digest of one raw partition.

    A slice of rows at a time; ``errors`` holds a ValidationError record per failing slice.
    """
    slices = [_survey_slice(rows, name) for rows in row_slices(part, _SLICE_ROWS)]
    release_arrow_memory()
    ok = [s for s in slices if "error" not in s]
    latest = [s["latest"] for s in ok if pd.notna(s["latest"])]
    return {
        "errors": [s["error"] for s in slices if "error" in s],
        "rows": sum(s["rows"] for s in ok),
        "latest": max(latest) if latest else pd.NaT,
        "int_ids": {c: all(s["int_ids"][c] for s in ok) for c in _ID_COLUMNS[name]},
        "digest": tuple(sum(s["digest"][k] for s in ok) & _MASK for k in (0, 1)),
        "dtypes": next((s["dtypes"] for s in ok if s["dtypes"] is not None), None),
    }


def _survey_slice(rows: pd.DataFrame, name: str) -> dict:
    spec = _SPECS[name]
    try:
        frame = normalise_table(check_structure(_plain(rows), spec, allow_empty=True), spec)
    except ValidationError as err:
        return {"error": _record(err)}
    dates = [frame[c].max() for c in spec.date_columns if c != "birth_date"]
    dates = [d for d in dates if pd.notna(d)]
    ids = {c: pd.api.types.is_integer_dtype(frame[c]) or len(frame) == 0 for c in _ID_COLUMNS[name]}
    hashed = frame.assign(**{c: frame[c].astype(str).astype(object) for c in _ID_COLUMNS[name]})
    digests = pd.util.hash_pandas_object(hashed, index=False).to_numpy()
    return {
        "rows": len(frame),
        "latest": max(dates) if dates else pd.NaT,
        "int_ids": ids,
        "digest": (int(digests.sum()), int(_mix(digests).sum())),
        "dtypes": [(c, str(t)) for c, t in hashed.dtypes.items()] if len(frame) else None,
    }


def _build_bucket(i, buckets, scratch, names, metas, rules, own, int_ids) -> dict:
    """Read bucket ``i`` of every table, validate it, build its cohort and write the rows.

    Returns the bucket's attrition, the rows read per table and a ValidationError record
    (``error``; None when the bucket passes).
    """
    tables = {name: _read_bucket(buckets, name, i, metas[name]) for name in names}
    release_arrow_memory()
    rows = {name: len(frame) for name, frame in tables.items()}
    try:
        persons, cases, attrition = _build_tables(
            *(tables.get(t) for t in _SPECS), rules, own, int_ids
        )
    except ValidationError as err:
        return {"error": _record(err), "rows": rows, "attrition": None}
    for table, frame in (("persons", persons), ("cases", cases)):
        os.makedirs(os.path.join(scratch, table), exist_ok=True)
        frame.to_parquet(os.path.join(scratch, table, f"part-{i:05d}.parquet"), index=False)
    release_arrow_memory()
    return {"error": None, "rows": rows, "attrition": attrition}


def _build_tables(persons, cases, detentions, rules, own, int_ids):
    """``validate_tables`` and ``build_cohort`` of one bucket triple: (persons, cases, attrition).

    With empty tables (the metadata), it gives the empty cohort tables and their dtypes.
    """
    tables = [_plain(persons), _plain(cases), None if detentions is None else _plain(detentions)]
    p, c, d = validate_tables(*tables, allow_empty=True)
    for frame in (p, c, d):
        frame["person_id"] = _as_id(frame["person_id"], int_ids["person_id"])
    c["case_id"] = _as_id(c["case_id"], int_ids["case_id"])
    cohort = build_cohort(Registry._from_validated(p, c, d, cutoff_date=own), rules)
    persons_out, cases_out = cohort.persons, cohort.cases
    persons_out["person_id"] = _as_id(persons_out["person_id"], int_ids["person_id"])
    for column in ("person_id", "case_id"):
        cases_out[column] = _as_id(cases_out[column], int_ids[column])
    return persons_out, cases_out, cohort.attrition


def _read_bucket(buckets: str, name: str, i: int, meta: pd.DataFrame) -> pd.DataFrame:
    """Bucket ``i`` of one table (written by ``DaskRegistry._write_buckets``), with meta's dtypes."""
    path = os.path.join(buckets, name, f"bucket-{i:05d}")
    if not os.path.isdir(path):  # no row of any partition hashed to this bucket
        return _plain(meta.iloc[:0].copy())
    return _with_dtypes(pd.read_parquet(path), meta)


def _read_cohort_file(path, meta: pd.DataFrame, scratch) -> pd.DataFrame:
    """One bucket of the cohort's persons or cases, with the dtypes of ``meta``.

    ``scratch`` (the :class:`ScratchDir`) is an argument so that the graph of every frame
    that reads the file keeps the directory alive.
    """
    return _with_dtypes(pd.read_parquet(path), meta)


def _with_dtypes(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the columns and dtypes of ``meta`` (text columns as pandas infers them)."""
    meta = _plain(meta)
    out = _plain(frame)[list(meta.columns)]
    for column, dtype in meta.dtypes.items():
        if out[column].dtype != dtype:
            out[column] = out[column].astype(dtype)
    return out


def _normalise_part(part: pd.DataFrame, name: str, int_ids: dict) -> pd.DataFrame:
    spec = _SPECS[name]
    frame = normalise_table(check_structure(_plain(part), spec, allow_empty=True), spec)
    for column in _ID_COLUMNS[name]:
        frame[column] = _as_id(frame[column], int_ids[column])
    return frame


def _write_partition_buckets(part, name, int_ids, n_buckets, path, partition_info=None):
    """Normalise a partition of a table and write its rows by bucket: rows per bucket.

    A slice of rows at a time; bucket ``i`` goes to ``path/bucket-<i>/part-<j>.parquet``
    (one row group per slice). The bucket is a hash of the normalised ``person_id``, whose
    dtype is the same in every table (int64, or text when any id is not a plain integer).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    j = partition_info["number"]
    counts = np.zeros(n_buckets, dtype=np.int64)
    schema, writers = None, {}
    try:
        for rows in row_slices(part, _SLICE_ROWS):
            frame = _normalise_part(rows, name, int_ids)
            ids = frame["person_id"].to_numpy()
            bucket = (pd.util.hash_array(ids) % np.uint64(n_buckets)).astype(np.int64)
            order = np.argsort(bucket, kind="stable")
            found = np.bincount(bucket, minlength=n_buckets)
            counts += found
            if schema is None:  # a column of nothing but missing text is still text
                schema = pa.Schema.from_pandas(frame, preserve_index=False)
                for k, field in enumerate(schema):
                    if pa.types.is_null(field.type):
                        schema = schema.set(k, field.with_type(pa.string()))
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


def _as_id(values: pd.Series, integer: bool) -> pd.Series:
    if integer:
        return values.astype(np.int64)
    return values if values.dtype == object else values.astype(str).astype(object)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
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


def _cohort_method(part, method, argument, fields):
    rules, cutoff, fingerprint, criteria = fields
    cohort = Cohort(part, None, None, rules, cutoff, fingerprint, criteria)
    return getattr(cohort, method)(argument)


# -- putting partitions together -------------------------------------------------------------


def _dask_table(source, name: str, npartitions: int):
    _, dd = import_dask()
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise ValidationError(name, None, f"path {path!r} does not exist", fix="check the path")
        try:  # a partition per row group, or per few small ones
            return read_parquet(path)
        except Exception as exc:  # pyarrow raises many kinds
            raise ValidationError(
                name,
                None,
                f"path {path!r} is not a readable Parquet file or dataset ({_reason(exc)})",
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


def _record(err: ValidationError) -> dict:
    """A ValidationError as plain data (it travels between processes)."""
    keys = ("table", "column", "rule", "n_rows", "ids", "fix", "id_label")
    return {k: getattr(err, k) for k in keys}


def _raise_first(records: list[dict | None]) -> None:
    """One ValidationError: the first partition's rule, rows summed over partitions."""
    records = [r for r in records if r is not None]
    if not records:
        return
    first = records[0]
    key = operator.itemgetter("table", "column", "rule")
    same = [r for r in records if key(r) == key(first)]
    ids = [i for r in same for i in r["ids"]][:5]
    raise ValidationError(
        first["table"],
        first["column"],
        first["rule"],
        n_rows=sum(r["n_rows"] for r in same),
        ids=ids,
        fix=first["fix"],
        id_label=first["id_label"],
    )


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


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a second, independent sum for the multiset digest."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def _combine_digests(surveys: dict[str, list[dict]]) -> str:
    import hashlib

    digest = hashlib.sha256(b"recidive.DaskRegistry/1")
    for name, parts in surveys.items():
        dtypes = next((s["dtypes"] for s in parts if s["dtypes"] is not None), [])
        digest.update(name.encode() + repr(dtypes).encode())
        rows = sum(s["rows"] for s in parts)
        first = sum(s["digest"][0] for s in parts) & _MASK
        second = sum(s["digest"][1] for s in parts) & _MASK
        digest.update(f"{rows}:{first}:{second}".encode())
    return digest.hexdigest()[:16]
