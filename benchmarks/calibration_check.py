"""Does the pipeline recover the published figures from the synthetic reference registry?

Simulates the reference registry, runs the real pipeline (``build_cohort`` with the default
rules and the seed's population, offenders of domestic sexual exploitation, then
``recidivism_rates`` and ``age_profile``) and compares every published figure with its
target: at population size (one registry of ``--n-population`` persons, default 400,000) and
at the default size over ``--seeds`` seeds (mean, Monte Carlo SD, worst difference). Also
prints, at population size, every exploitation form against the model's value for it (the
Kaplan-Meier limit by quadrature, and the mixture of the persons' curves that Kaplan-Meier does
not estimate here), the raw share under 23 among observed recidivists, the effect of each
cohort rule and the generation time.

    python benchmarks/calibration_check.py [--n-population 400000] [--seeds 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import recidive as rc
from recidive.datasets._calibration import published_targets
from recidive.datasets._parameters import REFERENCE_PARAMETERS
from recidive.datasets._population import (
    covariate_grid,
    horizon_years,
    km_limit,
    population_values,
)

CATEGORIES = ("property", "violence", "drugs", "human_trafficking")
DOMESTIC = rc.CohortRules(population=rc.datasets.REFERENCE_POPULATION)


def estimated_figures(registry: rc.Registry, rules: rc.CohortRules = DOMESTIC) -> dict:
    """Every published figure, estimated by the public pipeline (plus the raw recidivist share).

    The tests compute the same figures from ``survival_rates`` directly
    (``tests/datasets/conftest.py``); this uses ``recidivism_rates`` and ``age_profile``, as a
    user would.
    """
    cohort = rc.build_cohort(registry, rules)
    rates = rc.recidivism_rates(cohort, ["general", *CATEGORIES], horizons=(2, 5, 7)).to_frame()
    rate = rates.set_index(["criterion", "horizon_years"])["rate"]
    out = {f"general_{h}y": float(rate["general", float(h)]) for h in (2, 5, 7)}
    out.update({f"{cat}_5y": float(rate[cat, 5.0]) for cat in CATEGORIES})
    profile = rc.age_profile(cohort, horizon_years=7)
    out["share_under_23"] = profile.share_young_offenders
    out["share_recidivists_under_23"] = profile.share_young_recidivists
    out["raw_share_recidivists_under_23"] = profile.share_young_recidivists_raw
    return out


def by_form(registry: rc.Registry) -> None:
    """Each exploitation form, and everyone, against the model: 2-, 5- and 7-year general rates."""
    params = REFERENCE_PARAMETERS
    horizons = tuple(horizon_years(h) for h in (2, 5, 7))
    rows = []
    for form in (*params.exploitation_shares, "all"):
        forms = tuple(params.exploitation_shares) if form == "all" else (form,)
        population = None if form == "all" else {"exploitation_form": [form]}
        cohort = rc.build_cohort(registry, rc.CohortRules(population=population))
        rates = rc.recidivism_rates(cohort, horizons=(2, 5, 7)).to_frame()["rate"].to_numpy()
        grid = covariate_grid(params, forms)
        km = km_limit(params, grid, horizons)["all"][0]
        mixture = km_limit(params, grid, horizons, censored=False)["all"][0]
        for i, h in enumerate((2, 5, 7)):
            rows.append((form, len(cohort.persons), h, rates[i], km[i], mixture[i]))
    frame = pd.DataFrame(rows, columns=["form", "n", "years", "estimate", "km_limit", "mixture"])
    frame["diff_pp"] = 100 * (frame["estimate"] - frame["km_limit"])
    print(f"\nby exploitation form, n={len(registry.persons)} (general recidivism):")
    print(frame.round(4).to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-population", type=int, default=400_000)
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    targets = published_targets()
    population = population_values(REFERENCE_PARAMETERS)

    t0 = time.perf_counter()
    big = rc.datasets.reference_registry(n_persons=args.n_population, seed=2022)
    t_gen = time.perf_counter() - t0
    at_pop = estimated_figures(big)

    default = []
    t_default = []
    for seed in range(args.seeds):
        t0 = time.perf_counter()
        reg = rc.datasets.reference_registry(seed=2022 + seed)
        t_default.append(time.perf_counter() - t0)
        default.append(estimated_figures(reg))
    default = pd.DataFrame(default)

    rows = []
    for name, target in targets.items():
        d = default[name]
        rows.append(
            {
                "figure": name,
                "target": target,
                "model": population[name],
                f"n={args.n_population}": at_pop[name],
                "diff_pp": 100 * (at_pop[name] - target),
                "default_seed2022": d.iloc[0],
                "diff_pp_2022": 100 * (d.iloc[0] - target),
                "default_mean": d.mean(),
                "mc_sd_pp": 100 * d.std(ddof=1),
                "worst_pp": 100 * np.max(np.abs(d - target)),
            }
        )
    pd.set_option("display.width", 200)
    print(pd.DataFrame(rows).round(4).to_string(index=False))
    raw = default["raw_share_recidivists_under_23"]
    print(
        f"\nraw share under 23 among observed recidivists: n={args.n_population}: "
        f"{at_pop['raw_share_recidivists_under_23']:.4f}; default size: {raw.mean():.4f} "
        f"(SD {raw.std(ddof=1):.4f})"
    )

    by_form(big)

    base = estimated_figures(reg)
    print(f"\ncohort rules on the last default registry (seed {2022 + args.seeds - 1}):")
    variants = {
        "excluded_disposals=()": {"excluded_disposals": ()},
        "censor_at_death=False": {"censor_at_death": False},
        "censor_at_emigration=False": {"censor_at_emigration": False},
        "start='disposal'": {"start": "disposal"},
        "crimes_only=False": {"crimes_only": False},
        "remove_detention_time=True": {"remove_detention_time": True},
    }
    for label, rule in variants.items():
        fig = estimated_figures(reg, rc.CohortRules(population=DOMESTIC.population, **rule))
        diffs = ", ".join(
            f"{h}y {100 * (fig[f'general_{h}y'] - base[f'general_{h}y']):+.2f}" for h in (2, 5, 7)
        )
        print(f"  {label:28s} general recidivism change (pp): {diffs}")

    print(
        f"\ngeneration + validation: n={args.n_population}: {t_gen:.2f} s; "
        f"default n={rc.datasets.DEFAULT_N_PERSONS}: median {np.median(t_default):.2f} s"
    )


if __name__ == "__main__":
    main()
