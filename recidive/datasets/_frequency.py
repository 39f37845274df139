"""The generative model's value of the reoffending frequency (the MCF) at a horizon.

Counted cases are a Poisson process with intensity ``Z r(x) lambda0(t)`` given the
covariates ``x`` and a frailty ``Z`` of mean 1 (:mod:`recidive.datasets._model`); follow-up
ends at the cut-off, emigration or death, independently of ``Z`` and of the process given
``x``. The persons at risk at ``t`` are those still observed, whatever their history, so the
Nelson-Aalen estimate of the mean cumulative function converges to

    MCF(h) = integral_0^h lambda0(t) E[r(X) G(t | X)] / E[G(t | X)] dt,

with ``G(t | x)`` the probability of being observed at ``t`` (death, the same for everyone,
cancels). Where censoring does not depend on ``x`` this is ``E[r(X)] Lambda0(h)``, the mean
number of counted cases within ``h`` years in a world without death; with the registry's
staggered entry, later exit cohorts (different composition, shorter follow-up) weigh less
at long horizons, as for Kaplan-Meier (:mod:`recidive.datasets._population`, whose
quadrature this module reuses).

Given the persons of a cohort (their ``r(x)`` and follow-up), the estimate's expectation is
exact and needs no quadrature: :func:`expected_mcf`.
"""

from __future__ import annotations

import numpy as np

from recidive.datasets._model import ModelParameters
from recidive.datasets._population import (
    REFERENCE_FORMS,
    _at_risk,
    _LogHazardLattice,
    _TimeGrid,
    covariate_grid,
    horizon_years,
)
from recidive.schema import DAYS_PER_YEAR


def mcf_limit(
    params: ModelParameters,
    horizons: tuple[float, ...],
    forms: tuple[str, ...] = REFERENCE_FORMS,
) -> np.ndarray:
    """The limit of the MCF of counted cases of persons of ``forms`` at each horizon (years).

    Horizons are taken on the estimators' day scale (:func:`horizon_years`).
    """
    grid = covariate_grid(params, forms)
    h = tuple(horizon_years(x) for x in horizons)
    times = _TimeGrid.of(params, grid.cohorts, h, grid.quadrature.gauss_nodes)
    lattice = _LogHazardLattice.of(params, grid)
    sex = params.share_male + (1.0 - params.share_male) * np.exp(params.beta_female)
    mean_r = lattice.weight.sum(axis=1) @ np.exp(lattice.log_r) * sex  # E[r 1(cell)] / P(cell)
    weighted = grid.cell_weight[:, None] * _at_risk(params, grid, times.t)
    rate = np.asarray(params.baseline_rates, dtype=float)[times.piece]
    return times.integrate(rate * (mean_r @ weighted) / weighted.sum(axis=0))


def expected_mcf(
    params: ModelParameters,
    log_r: np.ndarray,
    followup_days: np.ndarray,
    horizons: tuple[float, ...],
) -> np.ndarray:
    """The expectation of the MCF estimate given the persons' ``log r(x)`` and follow-up.

    A case on day ``k`` of follow-up is one at a time in ``((k - 1) / D, k / D]`` years
    (``D`` = 365.25; the sampler rounds up), so the expected events on day ``k`` over the
    persons still followed are ``sum_i r_i (Lambda0(k / D) - Lambda0((k - 1) / D))``, and
    the estimate's expectation is the sum over days ``k <= h D`` of that over the number
    at risk.
    """
    order = np.argsort(followup_days)
    r = np.exp(log_r)[order]
    end = followup_days[order]
    last = int(np.floor(max(horizons) * DAYS_PER_YEAR))
    day = np.arange(1, last + 1)
    first = np.searchsorted(end, day, side="left")  # persons followed to at least day k
    tail = np.concatenate([np.cumsum(r[::-1])[::-1], [0.0]])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_r = tail[first] / (end.shape[0] - first)
    step = params.baseline_cumhaz(day / DAYS_PER_YEAR) - params.baseline_cumhaz(
        (day - 1) / DAYS_PER_YEAR
    )
    cumulative = np.cumsum(step * mean_r)
    return np.array([cumulative[int(np.floor(h * DAYS_PER_YEAR)) - 1] for h in horizons])
