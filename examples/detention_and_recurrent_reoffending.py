"""Detention as time not at risk, and recurrent reoffending, with (start, stop] rows.

Usage::

    python examples/detention_and_recurrent_reoffending.py [--persons 20000] [--seed 2022]

Simulates the synthetic reference registry and compares three ways to handle detention
after release: ignore it (calendar time, one row per person), compress the clock
(``CohortRules(remove_detention_time=True)``: only days at risk count) and calendar time
with gaps (``rc.split_episodes``: the detention days are left out of the rows). Then it
fits Cox models on the rows: the time to the first reoffence with clustered errors, and an
Andersen-Gill model of every counted reoffence, with the running count of earlier ones as
a time-varying covariate, and a gap-time model (the clock restarts at each case, strata by
the number of earlier cases). Last, the frequency the monitor reports
(``rc.reoffending_frequency``: new cases per 100 offenders and per recidivist). Swap in your
own registry files with ``rc.Registry.from_files``.
"""

from __future__ import annotations

import argparse
import warnings

import recidive as rc

DAYS = rc.defaults.DAYS_PER_YEAR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000, help="persons to simulate")
    parser.add_argument("--seed", type=int, default=2022, help="seed of the registry")
    args = parser.parse_args(argv)

    registry = rc.datasets.reference_registry(n_persons=args.persons, seed=args.seed)
    cohort = rc.build_cohort(registry)
    compressed = rc.build_cohort(registry, rc.CohortRules(remove_detention_time=True))

    # 1. The two-year rate of general recidivism three ways
    frame = cohort.survival_frame("general")
    ignore = rc.kaplan_meier(frame["days"], frame["event"]).at([2 * DAYS])
    short = compressed.survival_frame("general")
    clock = rc.kaplan_meier(short["days"], short["event"]).at([2 * DAYS])
    with warnings.catch_warnings(record=True) as caught:  # a few events cannot be rows
        warnings.simplefilter("always", rc.EpisodesWarning)
        first = rc.split_episodes(cohort, registry, criterion="general")
    for warning in caught:
        print(f"note: {warning.message}\n")
    gaps = rc.kaplan_meier(first["stop"], first["event"], entry=first["start"]).at([2 * DAYS])
    print("Two-year general recidivism (1 - S), three ways of treating detention:")
    for label, at in [("ignored (calendar time)", ignore), ("compressed clock", clock),
                      ("calendar time with gaps", gaps)]:  # fmt: skip
        print(
            f"  {label:<26} {1 - at['survival'].iloc[0]:.3f}  at risk {at['n_at_risk'].iloc[0]:g}"
        )

    # 2. Time to the first reoffence on the rows, errors clustered by person
    cox = rc.CoxModel().fit(first, "stop", "event", ["age_group", "sex"], entry="start",
                            cluster="person_id")  # fmt: skip
    print("\nTime to the first reoffence (calendar time with gaps), robust SE by person:")
    print(cox.summary[["covariate", "hazard_ratio", "std_err", "naive_std_err", "p_value"]]
          .round(4).to_string(index=False))  # fmt: skip

    # 3. Every counted reoffence: Andersen-Gill with the running count of earlier ones
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rc.EpisodesWarning)  # reported above
        rows = rc.split_episodes(cohort, registry, criterion="general", recurrent=True)
    rows["reoffended_before"] = (rows["previous_cases"] > 0).astype(int)
    ag = rc.CoxModel().fit(rows, "stop", "event", ["age_group", "sex", "reoffended_before"],
                           entry="start", cluster="person_id")  # fmt: skip
    print(f"\nAndersen-Gill model of {int(rows['n_cases'].sum())} counted reoffences "
          f"({len(rows)} rows, {rows['person_id'].nunique()} persons):")  # fmt: skip
    print(ag.summary[["covariate", "hazard_ratio", "std_err", "naive_std_err", "p_value"]]
          .round(4).to_string(index=False))  # fmt: skip
    tests = ag.results_.tests_frame().round(3).to_string(index=False)
    print(f"\nTests (Wald with the robust variance, score model-based, as R):\n{tests}")
    mcf = rc.mean_cumulative_function(rows["stop"], rows["event"], rows["person_id"],
                                      entry=rows["start"])  # fmt: skip
    at = mcf.at([2 * DAYS, 5 * DAYS])
    print("\nMean number of reoffending days per person (the MCF) after 2 and 5 years:",
          ", ".join(f"{v:.3f}" for v in at["mcf"]))  # fmt: skip

    # 4. Gap time: the clock restarts at each case (Prentice-Williams-Peterson gap-time
    # model), strata by the number of earlier cases (0, 1, 2, 3+), errors by person
    gap = rows.assign(stratum=rows["previous_cases"].clip(upper=3))
    since = gap.groupby(["person_id", "previous_cases"])["start"].transform("min")
    gap = gap.assign(gap_start=gap["start"] - since, gap_stop=gap["stop"] - since)
    pwp = rc.CoxModel().fit(gap, "gap_stop", "event", ["age_group", "sex"], entry="gap_start",
                            cluster="person_id", strata=["stratum"])  # fmt: skip
    print("\nGap-time model (time since the previous case, strata by earlier cases):")
    print(pwp.summary[["covariate", "hazard_ratio", "std_err", "naive_std_err", "p_value"]]
          .round(4).to_string(index=False))  # fmt: skip

    # 5. The frequency the monitor reports: new cases per 100 offenders and per recidivist
    freq = rc.reoffending_frequency(cohort, horizons=(2, 5, 7)).to_frame()
    print("\nNew cases per 100 offenders (MCF of counted cases; death censors):")
    print(freq[["horizon_years", "per_100", "ci_lower", "ci_upper", "per_recidivist",
                "mcf_death_terminal"]].round(3).to_string(index=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
