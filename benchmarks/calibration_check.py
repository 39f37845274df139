"""Does the pipeline recover the published figures from the synthetic reference registry?

Simulates the reference registry, runs the real pipeline (``build_cohort`` with the default
rules, then ``recidivism_rates`` and ``age_profile``) and compares every published figure with its target:
at population size (one registry of ``--n-population`` persons, default 400,000) and at the
default size over ``--seeds`` seeds (mean, Monte Carlo SD, worst difference). Also prints
the raw share under 23 among observed recidivists, the effect of each cohort rule and the
generation time.

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
from recidive.datasets._population import population_values

CATEGORIES = ("property", "violence", "drugs", "human_trafficking")


def estimated_figures(registry: rc.Registry, rules: rc.CohortRules | None = None) -> dict:
    """Every published figure, estimated by the public pipeline (plus the raw recidivist share).

    The tests compute the same figures from ``survival_rates`` directly
    (``tests/datasets/conftest.py``); this uses ``recidivism_rates`` and ``age_profile``, as a
    user would.
    """
    cohort = rc.build_cohort(registry, rules or rc.CohortRules())
    rates = rc.recidivism_rates(cohort, ["general", *CATEGORIES], horizons=(2, 5, 7)).to_frame()
    rate = rates.set_index(["criterion", "horizon_years"])["rate"]
    out = {f"general_{h}y": float(rate["general", float(h)]) for h in (2, 5, 7)}
    out.update({f"{cat}_5y": float(rate[cat, 5.0]) for cat in CATEGORIES})
    profile = rc.age_profile(cohort, horizon_years=7)
    out["share_under_23"] = profile.share_young_offenders
    out["share_recidivists_under_23"] = profile.share_young_recidivists
    out["raw_share_recidivists_under_23"] = profile.share_young_recidivists_raw
    return out


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

    base = estimated_figures(reg)
    print(f"\ncohort rules on the last default registry (seed {2022 + args.seeds - 1}):")
    variants = {
        "excluded_disposals=()": rc.CohortRules(excluded_disposals=()),
        "censor_at_death=False": rc.CohortRules(censor_at_death=False),
        "censor_at_emigration=False": rc.CohortRules(censor_at_emigration=False),
        "start='disposal'": rc.CohortRules(start="disposal"),
        "crimes_only=False": rc.CohortRules(crimes_only=False),
        "remove_detention_time=True": rc.CohortRules(remove_detention_time=True),
    }
    for label, rules in variants.items():
        fig = estimated_figures(reg, rules)
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
