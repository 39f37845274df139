"""The Dask wing: the same public functions on data larger than memory.

Everything that runs on Dask lives here, and only here. The wing depends on the in-memory
cores (the validation gateway, ``build_cohort``, the risk tables and estimators, ``fit_cox``)
and reuses them on each partition or bucket, so no rule and no estimator is written twice;
the cores never import the wing. When ``recidive`` is imported, the wing registers its
implementations and its own types with :mod:`recidive._engines`, and each public function
that accepts distributed data dispatches there once, by type:

==============================  ============================================  ===========================
dispatch point                  registered name                               implementation
==============================  ============================================  ===========================
``frame_risk_table``            ``"frame_risk_table"``                        :mod:`.risk_table`
``fit_cox``                     ``"fit_cox"``                                 :mod:`.cox.fit`
``build_cohort``                ``"build_cohort"``                            :mod:`.cohort`
``Registry.from_files``         ``"Registry.from_files"``                     :mod:`.registry`
``age_profile``                 ``"age_counts"``                              :mod:`.cohort_rates`
``mean_cumulative_function_by`` ``"mean_cumulative_function_by"``             :mod:`.mcf`
``adjusted_rates``              ``"map_reduce"`` (its passes)                 :mod:`.map_reduce`
==============================  ============================================  ===========================

Dask is optional (``pip install 'recidive[dask]'``): the wing imports without it, and Dask
is imported inside its functions, when a Dask DataFrame, a Parquet path or a
:class:`DaskRegistry` is passed.

Examples
--------
>>> from recidive.dask import DaskCohort, DaskRegistry
>>> from recidive import _engines
>>> _engines.implementation("build_cohort").__name__
'build_dask_cohort'
"""

# importing the implementations registers them
from recidive.dask import cohort_rates, map_reduce, mcf, risk_table  # noqa: F401
from recidive.dask.cohort import DaskCohort, build_dask_cohort
from recidive.dask.cox import fit  # noqa: F401
from recidive.dask.registry import DaskRegistry

__all__ = ["DaskCohort", "DaskRegistry", "build_dask_cohort"]
