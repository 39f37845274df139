"""Cox models of a Dask DataFrame or a Parquet dataset, exact and partition by partition.

:mod:`~recidive.dask.cox.fit` (the registered ``fit_cox``) runs a first pass
(:mod:`~recidive.dask.cox.collapse`) and then one of two routes: the collapsed rows fitted in
memory, or the distributed Newton iterations (:mod:`~recidive.dask.cox.newton`). What every
task needs (design, strata levels, row checks) is in :mod:`~recidive.dask.cox.spec`.
"""
