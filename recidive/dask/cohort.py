"""``DaskCohort`` and ``build_cohort`` of a Dask registry: the in-memory rules, bucket by bucket.

Nothing here re-implements a rule: the registry is shuffled through disk into person
buckets and each bucket goes through the in-memory gateway and the rules of
:func:`recidive.build_cohort` (:mod:`recidive.dask.buckets`). ``cohort.persons`` and ``cohort.cases`` are then lazy Dask
frames over the cohort files. The bucketed registry is removed once the cohort is built (or
fails), the cohort files when no frame that reads them is left
(:mod:`recidive.dask.scratch`).

What is the same as in memory
    ``cohort.persons`` and ``cohort.cases`` hold the same rows (in another order),
    ``attrition`` and ``cutoff_date`` are equal (the population selection is checked, and
    warns, once for the whole registry), and the rates of
    :func:`recidive.recidivism_rates` and :func:`recidive.age_profile` agree to 1e-12.
    ``person_id`` and ``case_id`` are int64 when every id in the registry is a plain
    integer, else strings, as in memory.

What is not
    ``fingerprint`` is the :class:`~recidive.dask.registry.DaskRegistry` fingerprint, not the
    in-memory one, and a validation error is one error for all buckets
    (:mod:`recidive.dask.records`).

:func:`build_dask_cohort` is registered as the Dask implementation of
:func:`recidive.build_cohort`, and :class:`DaskCohort` as a distributed type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from recidive import _engines
from recidive.cohort import Cohort
from recidive.cutoff import check_someone_followed, resolve_cutoff
from recidive.dask._plumbing import import_dask
from recidive.dask.buckets import build_buckets, cohort_tables
from recidive.dask.registry import DaskRegistry
from recidive.dask.scratch import ScratchDir, check_workers_share
from recidive.dask.tables import SPECS, plain, with_dtypes
from recidive.errors import ArgumentError
from recidive.population import check_columns, check_selection
from recidive.rules import CohortRules


@_engines.register_type
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
        dask, _ = import_dask()
        persons, cases = dask.compute(self.persons, self.cases)
        return Cohort(
            plain(persons).reset_index(drop=True),
            self.attrition.copy(),
            plain(cases).reset_index(drop=True),
            self.rules,
            self.cutoff_date,
            self.fingerprint,
            self.criteria,
        )

    def _per_partition(self, method: str, argument):
        fields = (self.rules, self.cutoff_date, self.fingerprint, self.criteria)
        meta = _cohort_method(self.persons._meta, method, argument, fields)
        return self.persons.map_partitions(_cohort_method, method, argument, fields, meta=meta)


@_engines.register("build_cohort")
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
        For any rule of the data contract broken in any bucket (see
        :mod:`recidive.dask.records`).
    recidive.errors.ArgumentError
        As :func:`recidive.build_cohort`; and when the workers of the active
        ``distributed`` client run on several machines but no ``scratch_dir`` was given.
    """
    if not isinstance(registry, DaskRegistry):  # a path or a Dask frame is not a registry
        raise ArgumentError(f"registry must be a recidive.Registry, not {type(registry).__name__}")
    _, dd = import_dask()
    rules = CohortRules() if rules is None else rules
    if not isinstance(rules, CohortRules):
        raise ArgumentError(f"rules must be a recidive.CohortRules, not {type(rules).__name__}")
    cutoff = resolve_cutoff(registry, rules)
    own = registry.cutoff_date  # the cut-off each bucket's Registry carries
    check_workers_share(registry.scratch_dir)
    scratch = ScratchDir(registry.scratch_dir)
    metas = {name: getattr(registry, name)._meta for name in registry.raw_tables}
    persons_columns = metas["persons"].columns
    check_columns(rules.population, persons_columns)
    try:
        attrition, found = build_buckets(registry, scratch, metas, rules, own)
        check_selection(rules.population, persons_columns, found)
        check_someone_followed(attrition, cutoff, rules.registration_lag_days)
    except BaseException:
        scratch.remove()
        raise

    meta = cohort_tables(*(metas.get(t) for t in SPECS), rules, own, registry.int_ids)
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


def _read_cohort_file(path, meta: pd.DataFrame, scratch) -> pd.DataFrame:
    """One bucket of the cohort's persons or cases, with the dtypes of ``meta``.

    ``scratch`` (the :class:`ScratchDir`) is an argument so that the graph of every frame
    that reads the file keeps the directory alive.
    """
    return with_dtypes(pd.read_parquet(path), meta)


def _cohort_method(part, method, argument, fields):
    rules, cutoff, fingerprint, criteria = fields
    cohort = Cohort(part, None, None, rules, cutoff, fingerprint, criteria)
    return getattr(cohort, method)(argument)
