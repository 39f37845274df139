"""``fit_cox`` of a Dask DataFrame or a Parquet dataset: exact, partition by partition.

Two routes, both giving the in-memory result (the same formulas; only the order of
floating-point sums differs). The first pass (:mod:`recidive.dask.cox.collapse`) gives a
summary of every partition and, when the rows merge into few enough distinct rows
(registry data: integer days, categorical covariates), the collapsed rows: those are fitted
in memory by :func:`~recidive.estimation.cox.fit_cox` with their frequency weights, which is
exact, so everything in-memory fits offer is available (robust variance, concordance,
``cox_zph``, predictions). Otherwise (continuous covariates) the fit takes the distributed
Newton route (:mod:`recidive.dask.cox.newton`), one pass over the partitions per evaluation
of the partial likelihood; concordance, ``cox_zph`` and predictions then need the rows and
are not available (a clear :class:`~recidive.errors.ArgumentError` says so).

Registered as the Dask implementation of :func:`~recidive.estimation.cox.fit_cox`, which
dispatches here for a Dask DataFrame or a Parquet path.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from recidive import _engines, defaults
from recidive.dask._plumbing import as_dask_frame
from recidive.dask.cox.collapse import check_summary, collapse_pays, collapsed_frame, first_pass
from recidive.dask.cox.newton import build_grid, iterate, robust_variance
from recidive.dask.cox.spec import WEIGHT, Spec, design_of, slice_rows, strata_map
from recidive.dask.levels import global_levels
from recidive.errors import ArgumentError
from recidive.estimation.cox._design import as_list
from recidive.estimation.cox.model import assemble_results, fit_cox, warn_convergence
from recidive.estimation.cox.results import CoxResults


@_engines.register("fit_cox")
def fit_cox_dask(
    frame,
    duration: str,
    event: str,
    covariates,
    strata=None,
    weights=None,
    robust: bool = False,
    reference_levels: dict | None = None,
    ties: str = "efron",
    conf_level: float = defaults.CONF_LEVEL,
    max_iter: int = 20,
    tol: float = 1e-9,
    *,
    collapse: bool = True,
) -> CoxResults:
    """:func:`~recidive.estimation.cox.fit_cox` of a Dask DataFrame or a Parquet path.

    ``collapse=False`` takes the Newton route whatever the data (for tests and benchmarks).
    """
    if weights is not None and not isinstance(weights, str):
        raise ArgumentError(
            "fit_cox: with a Dask DataFrame or a Parquet path, pass weights as a column name"
        )
    covariates = as_list(covariates, "covariates")
    strata_cols = as_list(strata, "strata")
    columns = [duration, event, *strata_cols, *covariates, *([weights] if weights else [])]
    ddf = as_dask_frame(frame, columns, "fit_cox")
    if not covariates:
        raise ArgumentError("covariates is empty; give at least one covariate column")
    design, categorical_dtype = design_of(ddf, covariates, reference_levels)
    spec = Spec(
        duration, event, weights, tuple(strata_cols), tuple(global_levels(ddf, strata_cols)),
        design, ties, slice_rows(len(design.names)),
    )  # fmt: skip
    summary, collapsed = first_pass(ddf, spec, collapse)
    check_summary(summary, design, categorical_dtype, event)
    mapping, strata_levels = strata_map(spec, summary["codes"])
    n_rows = summary["n_pos"] if weights else summary["n_all"]
    if collapse_pays(collapsed, summary):
        results = fit_cox(
            collapsed_frame(collapsed, spec), duration, event, covariates,
            strata=strata_cols or None, weights=WEIGHT, robust=robust,
            reference_levels=reference_levels, ties=ties, conf_level=conf_level,
            max_iter=max_iter, tol=tol,
        )  # fmt: skip
        metadata = {**results.metadata, "n_rows": n_rows, "weights": weights, "route": "collapse"}
        return dataclasses.replace(results, metadata=MappingProxyType(metadata))

    grid = build_grid(summary, mapping, ties)
    nf = iterate(ddf, spec, grid, max_iter, tol)
    warn_convergence(nf, design.names, max_iter, tol)
    variance = robust_variance(ddf, spec, grid, nf) if robust else nf.variance
    settings = dict(
        ties=ties, conf_level=conf_level, robust=robust, strata=strata_cols,
        strata_levels=strata_levels, weights=weights, duration=duration, event=event,
        max_iter=max_iter, tol=tol,
    )  # fmt: skip
    n_total = summary["w_total"] if weights else float(summary["n_all"])
    counts = dict(
        n=n_total, n_events=summary["n_events"], n_rows=n_rows, n_distinct_rows=summary["n_pos"]
    )
    return assemble_results(
        design, nf, variance, settings=settings, counts=counts, means=grid.means, route="newton"
    )
