"""Solve the model's free parameters so that its population values equal the published figures.

The equations are the model's *population* values (:mod:`recidive.datasets._population`,
closed form plus deterministic quadrature); the estimation pipeline and simulated data
play no part. Three steps, each a root-finding problem:

1. ``age_scale``: share under 23 at the index offence (``brentq``).
2. ``baseline_rates`` (three) and ``beta_age``: general recidivism at 2, 5 and 7 years and
   the corrected share under 23 among recidivists (``scipy.optimize.root``, rates on the log
   scale), with the frailty variance fixed.
3. ``category_share`` of property, violence, drugs and human trafficking: each 5-year
   figure (``brentq``); the other categories keep their fixed shares.

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
    covariate_grid,
    cumulative_incidence,
    horizon_years,
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

#: Starting values of step 2 (three baseline rates per year, beta_age).
_START = (0.2, 0.1, 0.05, -0.8)


def published_targets() -> dict[str, float]:
    """The published figures of the *Dadermonitor mensenhandel 2017-2021*, by target name."""
    text = resources.files("recidive.datasets").joinpath("data/dadermonitor_2017_2021.json")
    ref = json.loads(text.read_text(encoding="utf-8"))
    out = {f"general_{h}y": ref["general_recidivism"]["horizon_years"][str(h)] for h in (2, 5, 7)}
    for cat, key in _JSON_CATEGORY.items():
        out[f"{cat}_5y"] = ref["specific_recidivism_5y"][key]
    out["share_under_23"] = ref["age"]["share_under_23_among_offenders"]
    out["share_recidivists_under_23"] = ref["age"]["share_under_23_among_recidivists"]
    return out


def _initial(**fixed: object) -> ModelParameters:
    shares = {c: 0.3 for c in _JSON_CATEGORY} | FIXED_CATEGORY_SHARES
    return ModelParameters(
        age_scale=6.0,
        baseline_rates=_START[:3],
        beta_age=_START[3],
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
    >>> params = calibrate()
    >>> [round(r, 3) for r in params.baseline_rates]
    [0.138, 0.128, 0.107]
    """
    tg = published_targets() if targets is None else dict(targets)
    params = _initial(**fixed)

    # 1. age distribution
    def age_gap(log_scale: float) -> float:
        p = dataclasses.replace(params, age_scale=float(np.exp(log_scale)))
        return share_under_cut(p) - tg["share_under_23"]

    params = dataclasses.replace(
        params, age_scale=float(np.exp(optimize.brentq(age_gap, -5, 5, xtol=1e-14)))
    )
    grid = covariate_grid(params)
    p_young = share_under_cut(params)

    # 2. the counted-reoffence process
    def unpack(v: np.ndarray) -> ModelParameters:
        rates = tuple(float(x) for x in np.exp(np.clip(v[:3], -30.0, 5.0)))
        return dataclasses.replace(params, baseline_rates=rates, beta_age=float(v[3]))

    def gaps(v: np.ndarray) -> np.ndarray:
        p = unpack(v)
        f = [cumulative_incidence(p, horizon_years(h), grid=grid) for h in (2, 5, 7)]
        share = recidivist_share_under_cut(p_young, f[2]["<23"], f[2]["23+"])
        return np.array(
            [
                f[0]["all"] - tg["general_2y"],
                f[1]["all"] - tg["general_5y"],
                f[2]["all"] - tg["general_7y"],
                share - tg["share_recidivists_under_23"],
            ]
        )

    v0 = np.array([*np.log(_START[:3]), _START[3]])
    sol = optimize.root(gaps, v0, method="hybr", options={"xtol": 1e-13})
    if not sol.success or np.max(np.abs(gaps(sol.x))) > 1e-9:
        raise RuntimeError(f"calibration of the reoffence process failed: {sol.message}")
    params = unpack(sol.x)

    # 3. category shares
    shares = dict(params.category_share)
    for cat in _JSON_CATEGORY:

        def cat_gap(s: float, cat: str = cat) -> float:
            f = cumulative_incidence(params, horizon_years(5), s, grid)["all"]
            return f - tg[f"{cat}_5y"]

        shares[cat] = float(optimize.brentq(cat_gap, 1e-6, 1.0, xtol=1e-14))
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
