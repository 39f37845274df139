"""``DaskRegistry``: registry tables larger than memory, as Dask DataFrames or Parquet datasets.

Nothing here re-implements a rule. At construction, one pass over each table as it lies,
partition by partition and without a shuffle (:mod:`recidive.dask.survey`), checks
structure and dtypes with the in-memory gateway and finds the row counts, the latest date,
the id dtypes and the fingerprint. The rules across rows and tables (duplicate ids, cases of
unknown persons, dates out of order, overlapping detentions) need all rows of a person
together, so :func:`recidive.build_cohort` checks them per person bucket
(:mod:`recidive.dask.buckets`).

Memory
    A task holds one partition, read and worked on in the same task a slice of rows at a
    time, never a table. Reading a Parquet row group takes about five times its size in
    pandas, so a Parquet path is read a row group per partition (small row groups together,
    up to 4 MiB uncompressed); a file written with row groups of 10^6 rows wants workers of
    about 1 GiB. The default number of person buckets keeps a bucket at most
    :data:`PERSONS_PER_BUCKET` persons, fewer when :data:`WORKER_SHARE` of the smallest worker
    memory limit does not hold :data:`BYTES_PER_PERSON` a person. Nothing depends on the total
    size of the registry.

What is not as in memory
    ``fingerprint`` is a digest of the multiset of normalised rows: it does not depend on
    row order or partitioning, but it is not the in-memory ``Registry.fingerprint`` of the
    same data. A validation error is one :class:`~recidive.errors.ValidationError` for all
    partitions (:mod:`recidive.dask.records`).

Registered as the Dask implementation of ``Registry.from_files(engine="dask")`` and as a
distributed type, so that :func:`recidive.build_cohort` sends it to the wing.
"""

from __future__ import annotations

import os

import pandas as pd

from recidive import _engines
from recidive.cutoff import registry_cutoff, warn_late_cutoff
from recidive.dask._plumbing import each_partition, import_dask, smallest_worker_memory
from recidive.dask.records import raise_first
from recidive.dask.survey import combine_digests, survey
from recidive.dask.tables import check_structure, dask_table, normalise_part
from recidive.errors import ArgumentError

#: Most persons in one bucket.
PERSONS_PER_BUCKET = 125_000
#: Fewest persons in one bucket, however small the workers.
MIN_PERSONS_PER_BUCKET = 1_000
#: Bytes per person a bucket's task may take (reading, validating, building and writing a
#: bucket measured about 1 KB a person; the rest is room for what a worker keeps from
#: earlier tasks).
BYTES_PER_PERSON = 3_000
#: The share of a worker's memory limit one bucket may take.
WORKER_SHARE = 1 / 4


@_engines.register("Registry.from_files")
@_engines.register_type
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
    cutoff_date : date-like
        The data cut-off, as for :class:`recidive.Registry`: required, unless the
        extract's sidecar file ``extract.json`` lies beside a ``persons`` path (see
        :mod:`recidive.cutoff`).
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
        As for :class:`recidive.Registry` (a cut-off more than a year after the latest
        date warns).
    fingerprint : str
        16 hex digits over the multiset of normalised rows: independent of row order and
        partitioning, but not equal to ``Registry.fingerprint`` of the same data.
    n_rows : dict
        Rows per table.
    raw_tables : dict
        The tables as given (Dask DataFrames, not normalised), by name; ``detentions`` only
        when given. ``build_cohort`` normalises and buckets them.
    int_ids : dict
        For ``person_id`` and ``case_id``: whether every id in the registry is a plain
        integer (then int64 in every table and bucket, else strings).

    Raises
    ------
    recidive.errors.ArgumentError
        Without a cut-off, as :class:`recidive.Registry`.
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
    >>> from recidive.dask import DaskRegistry
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
        self._cutoff_date = registry_cutoff(cutoff_date, persons)
        raw = {"persons": persons, "cases": cases, "detentions": detentions}
        default = npartitions if isinstance(npartitions, int) and npartitions > 0 else 1
        self.raw_tables = {
            name: dask_table(source, name, default)
            for name, source in raw.items()
            if source is not None or name != "detentions"
        }
        if npartitions is not None and (
            isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1
        ):
            raise ArgumentError(f"npartitions must be a whole number >= 1, not {npartitions!r}")
        for name, table in self.raw_tables.items():  # missing columns etc., as in memory
            check_structure(table._meta, name)
        surveys = dask.compute(
            {name: each_partition(table, survey, name) for name, table in self.raw_tables.items()}
        )[0]
        raise_first([e for name in surveys for s in surveys[name] for e in s["errors"]])
        self.n_rows = {name: sum(s["rows"] for s in surveys[name]) for name in surveys}
        if self.n_rows["persons"] == 0:  # the gateway's own message; no cases is fine
            check_structure(self.raw_tables["persons"]._meta, "persons", allow_empty=False)
        every = [s for name in surveys for s in surveys[name]]
        self.int_ids = {
            "person_id": all(s["int_ids"].get("person_id", True) for s in every),
            "case_id": all(s["int_ids"].get("case_id", True) for s in surveys["cases"]),
        }
        dates = [s["latest"] for s in every if pd.notna(s["latest"])]
        self._latest = max(dates) if dates else pd.NaT
        self._fingerprint = combine_digests(surveys)
        warn_late_cutoff(self._cutoff_date, self._latest, self.n_rows["persons"])
        if npartitions is None:
            most = max(t.npartitions for t in self.raw_tables.values())
            npartitions = max(most, -(-self.n_rows["persons"] // persons_per_bucket()))
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
        return self._normalised("detentions") if "detentions" in self.raw_tables else None

    @property
    def cutoff_date(self) -> pd.Timestamp:
        """The data cut-off (given, or from the extract's sidecar file)."""
        return self._cutoff_date

    @property
    def latest_date(self) -> pd.Timestamp:
        """The latest date in any date column (but ``birth_date``) of any table; never the cut-off."""
        return self._latest

    @property
    def fingerprint(self) -> str:
        """16 hex digits over the multiset of normalised rows (see the class docstring)."""
        return self._fingerprint

    def __repr__(self) -> str:
        cutoff = self._cutoff_date.date().isoformat()
        rows = ", ".join(f"{k}={v}" for k, v in self.n_rows.items())
        return (
            f"DaskRegistry({rows}, npartitions={self.npartitions}, cutoff_date={cutoff}, "
            f"fingerprint={self._fingerprint!r})"
        )

    def _normalised(self, name: str):
        table = self.raw_tables[name]
        meta = normalise_part(table._meta, name, self.int_ids)
        return table.map_partitions(normalise_part, name, self.int_ids, meta=meta)


def persons_per_bucket() -> int:
    """:data:`PERSONS_PER_BUCKET`, fewer when a worker's share of memory cannot hold them."""
    limit = smallest_worker_memory()
    if limit is None:
        return PERSONS_PER_BUCKET
    return max(
        MIN_PERSONS_PER_BUCKET,
        min(PERSONS_PER_BUCKET, int(limit * WORKER_SHARE / BYTES_PER_PERSON)),
    )
