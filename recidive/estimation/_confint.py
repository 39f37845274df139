"""Pointwise confidence intervals for survival and incidence curves, as R ``survfit``.

The formulas follow ``survival:::survfit_confint`` (survival 3.5): ``plain``
(S ± z·SE(S) clipped to [0, 1]), ``log`` (S·exp(±z·SE(log S)), upper clipped at
1) and ``log-log`` (exp(-exp(log(-log S) ∓ z·SE(log S)/log S))). Where R gives
``NA`` (log at S = 0, log-log at S = 0 or 1) the result is NaN.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import ndtri


@lru_cache(maxsize=32)
def z_value(conf_level: float) -> float:
    """Two-sided normal quantile for ``conf_level`` (1.959964 for 0.95)."""
    return float(ndtri(1 - (1 - conf_level) / 2))


def conf_int(
    p: np.ndarray, se_log: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds for probabilities ``p`` with SE of ``log p``.

    Examples
    --------
    >>> lo, hi = conf_int(np.array([0.5]), np.array([0.5]), "log-log", 0.95)
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
    (0.057847, 0.844861)
    """
    z = z_value(conf_level)
    p = np.asarray(p, dtype=float)
    se = np.asarray(se_log, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = se * p * z
            return np.maximum(p - half, 0.0), np.minimum(p + half, 1.0)
        if conf_type == "log":
            xx = np.where(p == 0, np.nan, p)
            lower = np.exp(np.log(xx) - z * se)
            return lower, np.minimum(np.exp(np.log(xx) + z * se), 1.0)
        xx = np.where((p == 0) | (p == 1), np.nan, p)
        se2 = z * se / np.log(xx)
        loglog = np.log(-np.log(xx))
        return np.exp(-np.exp(loglog - se2)), np.exp(-np.exp(loglog + se2))
