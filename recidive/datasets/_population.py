"""Population values of the generative model, in closed form plus deterministic quadrature.

Given covariates ``x`` and the gamma frailty (mean 1, variance ``theta``), the time to the
first counted case holding category ``k`` (or any category, share 1) has survival

    S_k(t | x) = (1 + theta * share_k * r(x) * Lambda0(t)) ** (-1 / theta).

The population value is its expectation over the covariate distribution: age by a
midpoint rule on the quantile scale (separately below and above the monitor's age cut, so
the group split is exact), prior cases by summing the negative-binomial probabilities, sex
by its two values. Nothing here draws random numbers or looks at simulated data.

Horizons are evaluated on the last whole day the estimators count: a reoffence on day
``d`` after the start counts at horizon ``h`` years when ``d <= h * 365.25``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from recidive.datasets._model import ModelParameters
from recidive.schema import DAYS_PER_YEAR, MONITOR_AGE_CUT_YEARS

#: The figures of the published report that the model is calibrated to, by name.
TARGET_NAMES: tuple[str, ...] = (
    "general_2y",
    "general_5y",
    "general_7y",
    "property_5y",
    "violence_5y",
    "drugs_5y",
    "human_trafficking_5y",
    "share_under_23",
    "share_recidivists_under_23",
)

#: Horizons (years) of the published general figures, of the per-category figures and of
#: the share under 23 among recidivists.
GENERAL_HORIZONS_YEARS: tuple[int, ...] = (2, 5, 7)
CATEGORY_HORIZON_YEARS = 5
RECIDIVIST_HORIZON_YEARS = 7

#: The categories with a published figure (at :data:`CATEGORY_HORIZON_YEARS`).
PUBLISHED_CATEGORIES: tuple[str, ...] = ("property", "violence", "drugs", "human_trafficking")

# quadrature: age nodes per age group, and the largest number of prior cases summed over
_N_AGE = 1500
_MAX_PRIOR = 160


def horizon_years(h: float) -> float:
    """The horizon ``h`` (years) on the day scale the estimators use."""
    return np.floor(h * DAYS_PER_YEAR) / DAYS_PER_YEAR


def share_under_cut(params: ModelParameters) -> float:
    """Population share of offenders under 23 at the index offence."""
    x = (MONITOR_AGE_CUT_YEARS - params.age_min) / params.age_scale
    return float(stats.gamma.cdf(x, params.age_shape))


def covariate_grid(params: ModelParameters) -> dict[str, np.ndarray]:
    """Quadrature nodes of the covariate distribution.

    Depends only on the covariate parameters (age, prior cases, sex), not on the hazard.

    Returns
    -------
    dict of ndarray
        ``weight`` (sums to 1), ``age``, ``prior_cases``, ``female`` and ``young`` (``<23``)
        of each node.
    """
    p = share_under_cut(params)
    mid = (np.arange(_N_AGE) + 0.5) / _N_AGE
    u = np.concatenate([p * mid, p + (1.0 - p) * mid])
    w_age = np.concatenate([np.full(_N_AGE, p / _N_AGE), np.full(_N_AGE, (1 - p) / _N_AGE)])
    age = params.age_min + stats.gamma.ppf(u, params.age_shape, scale=params.age_scale)
    young = np.concatenate([np.ones(_N_AGE, bool), np.zeros(_N_AGE, bool)])
    k = np.arange(_MAX_PRIOR + 1)
    mu = params.prior_mean(age)
    size = params.prior_size
    pmf = stats.nbinom.pmf(k[None, :], size, size / (size + mu[:, None]))
    pmf /= pmf.sum(axis=1, keepdims=True)
    w_sex = np.array([params.share_male, 1.0 - params.share_male])
    weight = w_age[:, None, None] * pmf[:, :, None] * w_sex[None, None, :]
    shape = weight.shape
    return {
        "weight": weight.ravel(),
        "age": np.broadcast_to(age[:, None, None], shape).ravel(),
        "prior_cases": np.broadcast_to(k[None, :, None], shape).ravel(),
        "female": np.broadcast_to(np.array([0.0, 1.0])[None, None, :], shape).ravel(),
        "young": np.broadcast_to(young[:, None, None], shape).ravel(),
    }


def cumulative_incidence(
    params: ModelParameters,
    t_years: float,
    share: float = 1.0,
    grid: dict[str, np.ndarray] | None = None,
) -> dict[str, float]:
    """Population ``1 - S(t)`` overall and by age group (``all``, ``<23``, ``23+``).

    ``grid`` (from :func:`covariate_grid`) must belong to the same covariate parameters.
    """
    g = grid if grid is not None else covariate_grid(params)
    weight, young = g["weight"], g["young"]
    r = np.exp(params.log_relative_hazard(g["age"], g["prior_cases"], g["female"]))
    theta = params.frailty_var
    surv = (1.0 + theta * share * r * params.baseline_cumhaz(t_years)) ** (-1 / theta)
    wf = weight * (1.0 - surv)
    return {
        "all": float(np.sum(wf)),
        "<23": float(np.sum(wf[young]) / np.sum(weight[young])),
        "23+": float(np.sum(wf[~young]) / np.sum(weight[~young])),
    }


def recidivist_share_under_cut(p: float, f_young: float, f_old: float) -> float:
    """Share under 23 among recidivists within 7 years, corrected for unequal follow-up.

    ``p * F<23(7) / (p * F<23(7) + (1 - p) * F23+(7))``.
    """
    return p * f_young / (p * f_young + (1.0 - p) * f_old)


def population_values(params: ModelParameters) -> dict[str, float]:
    """The model's population value of every published figure (see :data:`TARGET_NAMES`)."""
    grid = covariate_grid(params)
    out = {}
    for h in GENERAL_HORIZONS_YEARS:
        out[f"general_{h}y"] = cumulative_incidence(params, horizon_years(h), grid=grid)["all"]
    category_horizon = horizon_years(CATEGORY_HORIZON_YEARS)
    for cat in PUBLISHED_CATEGORIES:
        share = params.category_share[cat]
        out[f"{cat}_{CATEGORY_HORIZON_YEARS}y"] = cumulative_incidence(
            params, category_horizon, share, grid
        )["all"]
    p = share_under_cut(params)
    f = cumulative_incidence(params, horizon_years(RECIDIVIST_HORIZON_YEARS), grid=grid)
    out["share_under_23"] = p
    out["share_recidivists_under_23"] = recidivist_share_under_cut(p, f["<23"], f["23+"])
    return out
