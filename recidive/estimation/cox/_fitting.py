"""From checked columns to a fitted Cox model: risk sets, aliased columns, Newton-Raphson.

The steps of :func:`~recidive.estimation.cox.fit_cox` after its argument checks, each a
function: the risk sets (of the collapsed rows when identical rows repeat, else of the rows
themselves), the fit (aliased columns found at zero and dropped, then Newton-Raphson as R
``coxph``) and the variance (model-based, or robust per row or per cluster, with R's robust
score test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive.errors import ArgumentError
from recidive.estimation.cox._aliased import (
    constant_within_strata,
    drop_columns,
    singular_columns,
    warn_aliased,
)
from recidive.estimation.cox._collapse import collapse_rows
from recidive.estimation.cox._design import constant_error, no_events_error
from recidive.estimation.cox._partial_likelihood import (
    Evaluation,
    NewtonFit,
    RiskSets,
    build_risk_sets,
    evaluate,
    newton_iterations,
)
from recidive.estimation.cox._robust import robust_score_statistic, robust_variance


@dataclass
class ModelRows:
    """The checked columns of a fit (``weight`` None: all 1; ``entry``, ``cluster`` optional)."""

    time: np.ndarray
    status: np.ndarray
    weight: np.ndarray | None
    stratum: np.ndarray
    entry: np.ndarray | None = None
    cluster: np.ndarray | None = None


@dataclass
class Fitted:
    """A converged fit: the (reduced) risk sets, the Newton fit and which columns it has."""

    rs: RiskSets
    nf: NewtonFit
    kept: np.ndarray  # bool over the design's model columns
    at_zero: Evaluation
    cluster: np.ndarray | None  # cluster code of each sorted row


def risk_sets(frame, design, rows: ModelRows, strata: bool, ties: str, collapse: bool,
              n_events: float, n_rows: int, event: str) -> tuple[RiskSets, np.ndarray | None]:  # fmt: skip
    """The risk sets, and the sorted rows' cluster codes (None without a cluster).

    Identical rows (stratum, time, event, entry and covariates) are collapsed into
    frequency weights when ``collapse`` (never with a cluster); otherwise the rows of
    positive weight are fitted one by one.
    """
    collapsed = None
    if collapse and rows.cluster is None:
        collapsed = collapse_rows(
            frame, design, rows.time, rows.status, rows.weight, rows.stratum if strata else None,
            rows.entry,
        )  # fmt: skip
    if collapsed is None:
        x = design.matrix(frame)
        for j, name in enumerate(design.names):
            if len(x) and np.all(x[:, j] == x[0, j]):
                raise constant_error(name, x[0, j], len(x))
    if n_events == 0:
        raise no_events_error(n_rows, event)
    if collapsed is not None:
        rs = build_risk_sets(
            None, collapsed.time, collapsed.event, collapsed.weight, collapsed.stratum,
            ties, presorted=True, pattern=collapsed.pattern, pattern_x=collapsed.pattern_x,
            entry=collapsed.entry,
        )  # fmt: skip
        rs.input_event_rows = collapsed.event_rows
        rs.input_event_weights = collapsed.event_weights
        return rs, None
    time, status = rows.time.astype(float), rows.status.astype(float)
    w = np.ones(len(time)) if rows.weight is None else rows.weight
    entry, cluster, stratum = rows.entry, rows.cluster, rows.stratum
    keep = w > 0
    if not keep.all():
        kept = np.flatnonzero(keep)
        x, time, status, w, stratum = x[kept], time[kept], status[kept], w[kept], stratum[kept]
        entry = None if entry is None else entry[kept]
        cluster = None if cluster is None else cluster[kept]
    rs = build_risk_sets(x, time, status == 1, w, stratum, ties, entry=entry)
    if cluster is not None:
        cluster = pd.factorize(cluster[rs.order])[0]
    return rs, cluster


def fit_model(rs: RiskSets, names, strata, max_iter: int, tol: float) -> tuple:
    """Drop the aliased columns (found at zero, as R), then Newton-Raphson.

    Returns the reduced risk sets, the Newton fit, the mask of the kept columns and the
    evaluation at zero (of the kept columns).
    """
    at_zero = evaluate(rs, np.zeros(rs.means.shape[0]))
    singular = singular_columns(at_zero.information)
    if strata:  # exactly, whatever the scale of the information (a lone such column)
        singular |= [constant_within_strata(rs, j) for j in range(rs.means.shape[0])]
    if singular.all():
        raise ArgumentError(
            f"every covariate is aliased ({', '.join(map(repr, names))}: constant within "
            "every stratum or linear combinations of each other); the model has nothing to "
            "estimate: drop them or the strata"
        )
    if singular.any():
        within = np.array([constant_within_strata(rs, j) for j in np.flatnonzero(singular)])
        warn_aliased(names, singular, strata, within)
        rs = drop_columns(rs, ~singular)
        at_zero = evaluate(rs, np.zeros(rs.means.shape[0]))
    nf = newton_iterations(lambda beta: evaluate(rs, beta), rs.means.shape[0], max_iter, tol,
                           first=at_zero)  # fmt: skip
    return rs, nf, ~singular, at_zero


def variances(fitted: Fitted, robust: bool) -> tuple[np.ndarray, float | None]:
    """The variance of the kept coefficients (robust when asked) and R's robust score test."""
    if not robust:
        return fitted.nf.variance, None
    variance = robust_variance(fitted.rs, fitted.nf.final, fitted.nf.variance, fitted.cluster)
    score = robust_score_statistic(fitted.rs, fitted.at_zero, fitted.cluster)
    return variance, score
