"""Solve the model's free parameters so that its population values equal the published figures.

The equations are the model's *population* values for the offenders of domestic sexual
exploitation (:mod:`recidive.datasets._population`: the limits of the pipeline's
Kaplan-Meier estimates under the registry's own censoring, by deterministic quadrature);
the estimation pipeline and simulated data play no part. The other exploitation forms, the
exit-year drifts and the true trend are fixed parameters: they shape the solution but are
not solved for. Three steps, each a root-finding problem:

1. ``age_scale``: share under 23 at the index offence among the persons the cohort keeps,
   over all exit years (``brentq``).
2. ``baseline_rates`` (three) and ``beta_age``: general recidivism at 2, 5 and 7 years and
   the corrected share under 23 among recidivists (``scipy.optimize.root``, rates on the log
   scale), with the frailty variance fixed.
3. ``category_share`` of property, violence, drugs and human trafficking: each 5-year
   figure (``brentq``); the other categories keep their fixed shares.

About two seconds.

Run ``python -m recidive.datasets._calibration`` to print the constants stored in
:mod:`recidive.datasets._parameters`.
"""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import numpy as np
from scipy import optimize

from recidive.datasets._model import ModelParameters
from recidive.datasets._population import (
    CATEGORY_HORIZON_YEARS,
    GENERAL_HORIZONS_YEARS,
    RECIDIVIST_HORIZON_YEARS,
    covariate_grid,
    horizon_years,
    km_limit,
    population_values,
    recidivist_share_under_cut,
    share_under_cut,
)

#: Shares of the categories without a published figure (per counted case).
FIXED_CATEGORY_SHARES: dict[str, float] = {
    "sexual": 0.05,
    "public_order": 0.15,
    "traffic": 0.08,
    "weapons": 0.10,
    "other": 0.15,
}

_JSON_CATEGORY = {
    "property": "vermogen",
    "violence": "geweld",
    "drugs": "drugs",
    "human_trafficking": "mensenhandel",
}

#: Starting values of step 2: the baseline rates per year (one per piece), and beta_age.
_START_RATES = (0.2, 0.1, 0.05)
_START_BETA_AGE = -0.8
#: Starting values of step 1 (age_scale) and step 3 (each calibrated category share).
_START_AGE_SCALE = 6.0
_START_SHARE = 0.3

# the solvers: brackets (log age scale, category share), the clip of the log baseline rates,
# tolerances, and the largest gap of step 2 accepted
_LOG_AGE_SCALE_BRACKET = (-5.0, 5.0)
_SHARE_BRACKET = (1e-6, 1.0)
_LOG_RATE_CLIP = (-30.0, 5.0)
_BRENTQ_XTOL = 1e-14
_ROOT_XTOL = 1e-13
_MAX_GAP = 1e-9


def published_targets() -> dict[str, float]:
    """The published figures of the *Dadermonitor mensenhandel 2017-2021*, by target name."""
    text = resources.files("recidive.datasets").joinpath("data/dadermonitor_2017_2021.json")
    ref = json.loads(text.read_text(encoding="utf-8"))
    general = ref["general_recidivism"]["horizon_years"]
    out = {f"general_{h}y": general[str(h)] for h in GENERAL_HORIZONS_YEARS}
    for cat, key in _JSON_CATEGORY.items():
        out[f"{cat}_{CATEGORY_HORIZON_YEARS}y"] = ref["specific_recidivism_5y"][key]
    out["share_under_23"] = ref["age"]["share_under_23_among_offenders"]
    out["share_recidivists_under_23"] = ref["age"]["share_under_23_among_recidivists"]
    return out


def _initial(**fixed: object) -> ModelParameters:
    shares = {c: _START_SHARE for c in _JSON_CATEGORY} | FIXED_CATEGORY_SHARES
    return ModelParameters(
        age_scale=_START_AGE_SCALE,
        baseline_rates=_START_RATES,
        beta_age=_START_BETA_AGE,
        category_share=shares,
        **fixed,
    )


def calibrate(targets: dict[str, float] | None = None, **fixed: object) -> ModelParameters:
    """Solve the calibrated parameters of the model.

    Parameters
    ----------
    targets : dict, optional
        Population values to match, keyed as :data:`~recidive.datasets._population.TARGET_NAMES`;
        default the published figures (:func:`published_targets`).
    **fixed
        Overrides of the fixed (uncalibrated) :class:`ModelParameters` fields.

    Returns
    -------
    ModelParameters
        With every target met to about 1e-10.

    Examples
    --------
    >>> from recidive.datasets._calibration import calibrate
    >>> params = calibrate()  # doctest: +SKIP
    >>> [round(r, 3) for r in params.baseline_rates]  # doctest: +SKIP
    [0.14, 0.132, 0.113]
    """
    tg = published_targets() if targets is None else dict(targets)
    params = _initial(**fixed)

    # 1. age distribution
    def age_gap(log_scale: float) -> float:
        p = dataclasses.replace(params, age_scale=float(np.exp(log_scale)))
        return share_under_cut(p) - tg["share_under_23"]

    log_scale = optimize.brentq(age_gap, *_LOG_AGE_SCALE_BRACKET, xtol=_BRENTQ_XTOL)
    params = dataclasses.replace(params, age_scale=float(np.exp(log_scale)))
    grid = covariate_grid(params)
    p_young = grid.share_young()

    # 2. the counted-reoffence process
    horizons = sorted({*GENERAL_HORIZONS_YEARS, RECIDIVIST_HORIZON_YEARS})
    on_day_scale = tuple(horizon_years(h) for h in horizons)
    late = horizons.index(RECIDIVIST_HORIZON_YEARS)
    n_rates = len(_START_RATES)

    def unpack(v: np.ndarray) -> ModelParameters:
        """Parameters from the unknowns: log baseline rates, then beta_age."""
        rates = tuple(float(x) for x in np.exp(np.clip(v[:n_rates], *_LOG_RATE_CLIP)))
        return dataclasses.replace(params, baseline_rates=rates, beta_age=float(v[n_rates]))

    def gaps(v: np.ndarray) -> np.ndarray:
        f = km_limit(unpack(v), grid, on_day_scale)
        share = recidivist_share_under_cut(p_young, f["<23"][0, late], f["23+"][0, late])
        general = [
            f["all"][0, horizons.index(h)] - tg[f"general_{h}y"] for h in GENERAL_HORIZONS_YEARS
        ]
        return np.array([*general, share - tg["share_recidivists_under_23"]])

    v0 = np.array([*np.log(_START_RATES), _START_BETA_AGE])
    sol = optimize.root(gaps, v0, method="hybr", options={"xtol": _ROOT_XTOL})
    if not sol.success or np.max(np.abs(gaps(sol.x))) > _MAX_GAP:
        raise RuntimeError(f"calibration of the reoffence process failed: {sol.message}")
    params = unpack(sol.x)

    # 3. category shares
    shares = dict(params.category_share)
    category_horizon = (horizon_years(CATEGORY_HORIZON_YEARS),)
    for cat in _JSON_CATEGORY:

        def cat_gap(s: float, cat: str = cat) -> float:
            f = km_limit(params, grid, category_horizon, (s,))["all"][0, 0]
            return f - tg[f"{cat}_{CATEGORY_HORIZON_YEARS}y"]

        shares[cat] = float(optimize.brentq(cat_gap, *_SHARE_BRACKET, xtol=_BRENTQ_XTOL))
    return dataclasses.replace(params, category_share=shares)


def calibrated_constants(params: ModelParameters) -> dict[str, object]:
    """The calibrated fields of ``params``, as stored in :mod:`~recidive.datasets._parameters`."""
    return {
        "age_scale": params.age_scale,
        "baseline_rates": params.baseline_rates,
        "beta_age": params.beta_age,
        "category_share": dict(params.category_share),
    }


if __name__ == "__main__":  # pragma: no cover - the command that wrote _parameters.py
    solved = calibrate()
    for name, value in calibrated_constants(solved).items():
        print(f"{name} = {value!r}")
    for name, value in population_values(solved).items():
        print(f"# {name}: {value:.6f}")
