"""Cohorts of registries larger than memory: ``DaskRegistry`` and ``DaskCohort``.

The registry tables are Dask DataFrames or Parquet datasets. Nothing here re-implements a
rule: the in-memory validation gateway and :func:`recidive.build_cohort` run on each
*co-partition* of the registry, and the results are put together.

How
    1. At construction (:class:`DaskRegistry`), one pass over each table as it lies, partition
       by partition, no shuffle: structure and dtypes are checked by the gateway
       (``recidive.validation``), and each partition returns its row count, its latest date,
       whether its ids are plain integers and a digest of its normalised rows.
    2. In :func:`build_dask_cohort`, persons, cases and detentions are hash-partitioned on a
       canonical text form of ``person_id`` into the same number of partitions
       (``DataFrame.shuffle``), so all rows of a person, and all persons with one id, are in
       partition ``i`` of every table. Each partition triple then goes through
       ``validate_tables`` (the cross-table rules) and ``build_cohort`` with the registry-wide
       cut-off. ``attrition`` is the sum of the partitions' attrition tables by step, so
       persons analysed + excluded = persons read, as in memory.

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
    partition, with the number of rows (and the first ids) summed over every partition that
    fails on that rule. A partition that fails an earlier-checked rule first is not counted,
    so after a correction the next run may show further rows.

Dask is optional: it is imported when a ``DaskRegistry`` is made, never by ``import recidive``.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive import schema
from recidive.cohort import Cohort, _cutoff, build_cohort
from recidive.errors import ArgumentError, ValidationError
from recidive.estimation._dask import import_dask
from recidive.registry import Registry, _check_cutoff
from recidive.rules import CohortRules
from recidive.validation import (
    _check_structure,
    _normalise,
    _text,
    validate_tables,
)

_SPECS = {"persons": schema.PERSONS, "cases": schema.CASES, "detentions": schema.DETENTIONS}
_ID_COLUMNS = {"persons": ("person_id",), "cases": ("person_id", "case_id"),
               "detentions": ("person_id",)}  # fmt: skip
_PART = "_recidive_partition"
_MASK = (1 << 64) - 1


class DaskRegistry:
    """Registry tables as Dask DataFrames or Parquet datasets, for :func:`recidive.build_cohort`.

    Parameters
    ----------
    persons, cases : dask.dataframe.DataFrame, pandas.DataFrame, str or path
        The tables of DESIGN section 2: a Dask DataFrame, or the path of a Parquet file or
        of a directory of Parquet files (read with ``dask.dataframe.read_parquet``). A pandas
        DataFrame is split into ``npartitions`` partitions.
    detentions : same, optional
        Detention periods; None if not available.
    cutoff_date : date-like, optional
        The data cut-off, as for :class:`recidive.Registry`.
    npartitions : int, optional
        Partitions of the person-aligned tables that ``build_cohort`` makes; default the
        largest number of partitions of the three tables.

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
    ) -> None:
        dask, _ = import_dask()
        self._cutoff_date = _check_cutoff(cutoff_date)
        raw = {"persons": persons, "cases": cases, "detentions": detentions}
        default = npartitions if isinstance(npartitions, int) and npartitions > 0 else 1
        self._raw = {
            name: _dask_table(source, name, default)
            for name, source in raw.items()
            if source is not None or name != "detentions"
        }
        if npartitions is None:
            npartitions = max(t.npartitions for t in self._raw.values())
        if isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1:
            raise ArgumentError(f"npartitions must be a whole number >= 1, not {npartitions!r}")
        self.npartitions = npartitions
        for name, table in self._raw.items():  # missing columns etc., as in memory
            _check_structure(_plain(table._meta), _SPECS[name], allow_empty=True)
        surveys = dask.compute(
            {
                name: [dask.delayed(_survey)(part, name) for part in table.to_delayed()]
                for name, table in self._raw.items()
            }
        )[0]
        _raise_first([s.get("error") for name in surveys for s in surveys[name]])
        self.n_rows = {name: sum(s["rows"] for s in surveys[name]) for name in surveys}
        for name in ("persons", "cases"):
            if self.n_rows[name] == 0:  # the gateway's own message
                _check_structure(_plain(self._raw[name]._meta), _SPECS[name])
        every = [s for name in surveys for s in surveys[name]]
        self._int_ids = {
            "person_id": all(s["int_ids"].get("person_id", True) for s in every),
            "case_id": all(s["int_ids"].get("case_id", True) for s in surveys["cases"]),
        }
        dates = [s["latest"] for s in every if pd.notna(s["latest"])]
        self._latest = max(dates) if dates else pd.NaT
        self._fingerprint = _combine_digests(surveys)

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

    def _aligned(self) -> list:
        """The tables hash-partitioned on ``person_id`` into ``npartitions`` aligned partitions."""
        out = []
        for table in self._raw.values():
            meta = table._meta.assign(**{_PART: pd.Series(dtype=np.int64)})
            keyed = table.map_partitions(_with_partition, self.npartitions, meta=meta)
            out.append(keyed.shuffle(on=_PART, npartitions=self.npartitions))
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


def build_dask_cohort(
    registry: DaskRegistry, rules: CohortRules | None = None, persist: bool = True
) -> DaskCohort:
    """:func:`recidive.build_cohort` of a :class:`DaskRegistry` (``build_cohort`` calls this).

    Parameters
    ----------
    registry : DaskRegistry
    rules : CohortRules, optional
    persist : bool, default True
        Keep the cohort's person rows on the cluster (``dask.persist``; workers spill to
        disk under their memory limit), so that rates do not redo the shuffle. False
        computes the attrition in one pass and leaves ``persons`` lazy: each use reads,
        shuffles and builds again. ``cases`` (the counted case rows) is always lazy.

    Returns
    -------
    DaskCohort

    Raises
    ------
    recidive.errors.ValidationError
        For any rule of the data contract broken in any partition (see the module docstring).
    recidive.errors.ArgumentError
        As :func:`recidive.build_cohort`.
    """
    dask, dd = import_dask()
    rules = CohortRules() if rules is None else rules
    if not isinstance(rules, CohortRules):
        raise ArgumentError(f"rules must be a recidive.CohortRules, not {type(rules).__name__}")
    cutoff = _cutoff(registry, rules)
    if pd.isna(cutoff):
        raise ValidationError("persons", None, "has no dates", fix="check the tables")
    # the cut-off a partition's Registry carries so that build_cohort finds `cutoff`
    own = registry.cutoff_date
    if own is None and rules.cutoff_date is None:
        own = cutoff
    tables = registry._aligned()
    if len(tables) == 2:
        tables.append(None)
    parts = [t.to_delayed() if t is not None else [None] * registry.npartitions for t in tables]
    args = (rules, own, registry._int_ids)
    built = [dask.delayed(_build_partition)(p, c, d, *args) for p, c, d in zip(*parts, strict=True)]
    person_parts = [dask.delayed(operator.itemgetter(0))(b) for b in built]
    summaries = [dask.delayed(operator.itemgetter(2, 3))(b) for b in built]
    if persist:  # one pass; only the person rows stay on the cluster
        person_parts, summaries = dask.persist(person_parts, summaries)
    summaries = dask.compute(*summaries)
    _raise_first([error for _, error in summaries])
    attrition = _sum_attrition([a for a, _ in summaries])

    meta = _build_partition(
        *(None if t is None else t._meta for t in tables), *args, meta_only=True
    )
    persons = dd.from_delayed(person_parts, meta=meta[0], verify_meta=False)
    cases = dd.from_delayed(
        [dask.delayed(operator.itemgetter(1))(b) for b in built], meta=meta[1], verify_meta=False
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


# -- per partition -------------------------------------------------------------------------


def _survey(part: pd.DataFrame, name: str) -> dict:
    """Rows, latest date, plain-integer ids and row digest of one raw partition."""
    spec = _SPECS[name]
    try:
        frame = _normalise(_check_structure(_plain(part), spec, allow_empty=True), spec)
    except ValidationError as err:
        return {"error": _record(err)}
    dates = [frame[c].max() for c in spec.date_columns if c != "birth_date"]
    dates = [d for d in dates if pd.notna(d)]
    ids = {c: pd.api.types.is_integer_dtype(frame[c]) or len(frame) == 0 for c in _ID_COLUMNS[name]}
    hashed = frame.assign(**{c: frame[c].astype(str).astype(object) for c in _ID_COLUMNS[name]})
    rows = pd.util.hash_pandas_object(hashed, index=False).to_numpy()
    return {
        "rows": len(frame),
        "latest": max(dates) if dates else pd.NaT,
        "int_ids": ids,
        "digest": (int(rows.sum()), int(_mix(rows).sum())),
        "dtypes": [(c, str(t)) for c, t in hashed.dtypes.items()] if len(frame) else None,
    }


def _build_partition(persons, cases, detentions, rules, own, int_ids, meta_only=False):
    """Validate one person-aligned partition triple and build its cohort.

    Returns ``(persons, cases, attrition, error)``; ``error`` is a ValidationError record.
    """
    tables = [None if t is None else _plain(t.drop(columns=_PART)) for t in (persons, cases)]
    tables.append(None if detentions is None else _plain(detentions.drop(columns=_PART)))
    try:
        p, c, d = validate_tables(*tables, allow_empty=True)
    except ValidationError as err:
        return None, None, None, _record(err)
    for frame in (p, c, d):
        frame["person_id"] = _as_id(frame["person_id"], int_ids["person_id"])
    c["case_id"] = _as_id(c["case_id"], int_ids["case_id"])
    cohort = build_cohort(Registry._from_validated(p, c, d, cutoff_date=own), rules)
    persons_out, cases_out = cohort.persons, cohort.cases
    persons_out["person_id"] = _as_id(persons_out["person_id"], int_ids["person_id"])
    for column in ("person_id", "case_id"):
        cases_out[column] = _as_id(cases_out[column], int_ids[column])
    if meta_only:
        return persons_out.iloc[:0], cases_out.iloc[:0]
    return persons_out, cases_out, cohort.attrition, None


def _normalise_part(part: pd.DataFrame, name: str, int_ids: dict) -> pd.DataFrame:
    spec = _SPECS[name]
    frame = _normalise(_check_structure(_plain(part), spec, allow_empty=True), spec)
    for column in _ID_COLUMNS[name]:
        frame[column] = _as_id(frame[column], int_ids[column])
    return frame


def _with_partition(part: pd.DataFrame, npartitions: int) -> pd.DataFrame:
    """Add the partition number of each row: a hash of the canonical text of ``person_id``."""
    keys = pd.util.hash_array(_canonical_ids(part["person_id"]).to_numpy(object))
    return part.assign(**{_PART: (keys % np.uint64(npartitions)).astype(np.int64)})


def _canonical_ids(values: pd.Series) -> pd.Series:
    """The text an id has after normalisation: equal texts are equal ids in ``validation``."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        whole = (values.notna() & (values == np.round(values))).to_numpy()
        text = values.astype(str).astype(object)
        text[whole] = values[whole].astype(np.int64).astype(str)
        return text
    return _text(values).fillna("")


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
        try:
            return dd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many kinds
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ValidationError(
                name,
                None,
                f"path {path!r} is not a readable Parquet file or dataset ({reason})",
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
