"""Robust (sandwich) variance of a Cox model and the robust score test, as R ``coxph``.

The robust variance is ``D' D`` with ``D`` the dfbeta residuals (score residuals times the
model-based variance), as R's ``coxph(robust = TRUE)``. Without a cluster each row is its
own unit: with frequency weights a row of weight ``w`` is ``w`` units, so the sum is
``sum_rows w d d'`` (the expanded data). With a cluster (R ``cluster(id)``) the dfbeta
residuals of a cluster's rows are first added up, each row counting ``w`` times:
``sum_clusters (sum_rows w d)(sum_rows w d)'``. That is R's formula with weights, and the
expanded data too when a row's copies stay in its cluster. Rows of one person in
counting-process data are not independent, hence R's rule, followed here, that a robust
variance of (entry, duration] rows needs the cluster.

The robust score test (R ``summary(fit)$robscore``, ``fit$rscore``) is ``u' B^-1 u`` with
``u`` the score at zero and ``B`` the same sum of outer products of the score residuals at
zero (per cluster).
"""

from __future__ import annotations

import numpy as np

from recidive.estimation.cox._partial_likelihood import (
    Evaluation,
    RiskSets,
    score_residuals,
    weighted_crossprod,
)


def cluster_sums(values: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Column sums of ``values`` per cluster: shape (clusters, columns)."""
    out = np.empty((n_clusters, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(cluster, weights=values[:, j], minlength=n_clusters)
    return out


def _outer_sum(resid: np.ndarray, rs: RiskSets, cluster: np.ndarray | None) -> np.ndarray:
    """``sum w r r'`` over rows, or ``sum_c (sum w r)(sum w r)'`` over clusters."""
    if cluster is None:
        return weighted_crossprod(resid, rs.weight)
    resid *= rs.weight[:, None]
    sums = cluster_sums(resid, cluster, int(cluster.max()) + 1 if cluster.size else 0)
    return sums.T @ sums


def robust_variance(
    rs: RiskSets, final: Evaluation, naive: np.ndarray, cluster: np.ndarray | None
) -> np.ndarray:
    """The sandwich variance; ``cluster`` holds the sorted rows' cluster codes (or None)."""
    dfbeta = score_residuals(rs, final) @ naive
    return _outer_sum(dfbeta, rs, cluster)


def robust_score_statistic(rs: RiskSets, at_zero: Evaluation, cluster: np.ndarray | None) -> float:
    """R's robust score test statistic at zero (``fit$rscore``)."""
    middle = _outer_sum(score_residuals(rs, at_zero), rs, cluster)
    u = at_zero.score
    try:
        return float(u @ np.linalg.solve(middle, u))
    except np.linalg.LinAlgError:
        return float(u @ np.linalg.lstsq(middle, u, rcond=None)[0])
